import { isAbsolute, relative, sep } from 'node:path'

/** Whether `path` is `dir` or lies inside it (both absolute); a sibling named `..x` does not. */
export function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}
