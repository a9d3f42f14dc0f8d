import { existsSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'

/** Whether `path` is `dir` or lies inside it (both absolute); a sibling named `..x` does not. */
export function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/** `dir` with every symbolic link in it followed, as far as it exists; the rest as written. */
export async function realPathOf(dir: string): Promise<string> {
  const existing = nearestExisting(dir)
  return join(await realpath(existing), relative(existing, resolve(dir)))
}

/** `dir`, or its nearest parent that exists. */
export function nearestExisting(dir: string): string {
  let existing = resolve(dir)
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing)
  return existing
}

/** The nearest folder from `cwd` up with a `package.json`. */
export function packageRoot(cwd: string): string | undefined {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) return undefined
  }
}
