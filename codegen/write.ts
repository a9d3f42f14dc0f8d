import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'
import type { OutputFiles } from './emit.js'

/** Every file under `dir` by `/`-separated relative path; empty when `dir` does not exist. */
export async function readOutputDir(dir: string): Promise<Map<string, string>> {
  let entries
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw error
  }
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
  const contents = await Promise.all(files.map((file) => readFile(file, 'utf8')))
  return new Map(files.map((file, i) => [relative(dir, file).split(sep).join('/'), contents[i]!]))
}

/**
 * Replaces `dir` with exactly `files`, atomically: everything is written to a
 * sibling temp dir first and swapped in by rename, so a failed or interrupted
 * run leaves the previous output whole.
 */
export async function writeOutputDir(dir: string, files: OutputFiles): Promise<void> {
  const parent = dirname(dir)
  await mkdir(parent, { recursive: true })
  await recoverOutputDir(dir)
  // The pid in the name tells a later run whether the writer is still alive (see recoverOutputDir).
  const staging = await mkdtemp(join(parent, `.lexgen-${basename(dir)}-${process.pid}-`))
  try {
    const dirs = new Set([...files.keys()].map((path) => dirname(join(staging, path))))
    await Promise.all([...dirs].map((d) => mkdir(d, { recursive: true })))
    await Promise.all([...files].map(([path, content]) => writeFile(join(staging, path), content)))
    const previous = `${staging}-previous`
    const hadPrevious = await rename(dir, previous).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false
        throw error
      },
    )
    await rename(staging, dir)
    if (hadPrevious) await rm(previous, { recursive: true, force: true })
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  }
}

/**
 * Cleans up after a run that was killed (SIGKILL, a crash, power loss) while writing `dir`: it
 * leaves its staging dir, `.lexgen-<name>-<pid>-XXXXXX`, and, when it died between the two
 * renames, the previous output as `…-previous` with `dir` itself missing. Leftovers of a process
 * that is gone are removed, and an orphaned previous output is put back in place; those of a
 * live process (a concurrent run) are left alone. Called before `dir` is read or written.
 */
export async function recoverOutputDir(dir: string): Promise<void> {
  const parent = dirname(dir)
  let entries: string[]
  try {
    entries = await readdir(parent)
  } catch {
    return
  }
  const prefix = `.lexgen-${basename(dir)}-`
  for (const name of entries.sort()) {
    const match = name.startsWith(prefix) ? /^(\d+)-[A-Za-z0-9]{6}(-previous)?$/.exec(name.slice(prefix.length)) : null
    if (!match || isAlive(Number(match[1]))) continue
    const leftover = join(parent, name)
    if (match[2] && !(await exists(dir))) await rename(leftover, dir)
    else await rm(leftover, { recursive: true, force: true })
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}
