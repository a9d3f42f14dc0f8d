/**
 * The output directory: read what is there (without trusting it), and replace it atomically.
 *
 * - Reading never loads what is not ours: a file is ours when it starts with the generated banner,
 *   and only its first bytes are read to tell; symbolic links, special files and empty folders are
 *   never opened and are reported as stray, like hand-written files.
 * - Writing goes to a sibling staging folder that is swapped in by rename, so an interrupted run
 *   leaves the previous output whole. Permissions are checked before anything moves, the folder's
 *   mode (setgid included) and group are kept, a symbolic link given as the output is written
 *   through, and whatever the cleanup cannot remove is reported, never left for the next run to trip on.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs'
import { access, chmod, chown, lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { OutputFiles } from './emit.js'
import { BANNER_PREFIX } from './emit/writer.js'
import { LexgenError } from './errors.js'
import { compare } from './order.js'

/** What an output directory holds, as far as lexgen is concerned. */
export interface OutputDir {
  /** Generated files (they start with the banner), by `/`-separated path, with their content. */
  readonly files: ReadonlyMap<string, string>
  /**
   * What lexgen did not generate, never read past its first bytes: files without the banner,
   * symbolic links, special files and empty folders (`path/`), each with what it is when not a file.
   */
  readonly stray: readonly string[]
  /** True when reading stopped at `maxStray` strays: there may be more. */
  readonly truncated: boolean
}

const BANNER = Buffer.from(BANNER_PREFIX)

/**
 * Reads `dir` (empty when it does not exist), depth first in name order. It stops at the
 * `maxStray`-th stray entry: `generate` refuses on the first one, so a data folder given as the
 * output costs one directory listing and a few bytes, not its contents. (Synchronous reads: for
 * many small files they beat the thread pool's round trips by far.)
 */
export async function readOutputDir(dir: string, { maxStray = Infinity } = {}): Promise<OutputDir> {
  const files = new Map<string, string>()
  const stray: string[] = []
  const visit = async (folder: string, prefix: string): Promise<boolean> => {
    let entries
    try {
      entries = readdirSync(folder, { withFileTypes: true })
    } catch (error) {
      if (prefix === '' && (error as NodeJS.ErrnoException).code === 'ENOENT') return true
      throw new LexgenError(`cannot read the output directory: ${(error as Error).message}`, { file: folder })
    }
    if (entries.length === 0 && prefix !== '') stray.push(`${prefix}/ (empty folder)`)
    for (const entry of entries.sort((a, b) => compare(a.name, b.name))) {
      if (stray.length >= maxStray) return false
      const path = prefix ? `${prefix}/${entry.name}` : entry.name
      const full = join(folder, entry.name)
      if (entry.isDirectory()) {
        if (!(await visit(full, path))) return false
      } else if (entry.isSymbolicLink()) stray.push(`${path} (symbolic link)`)
      else if (!entry.isFile()) stray.push(`${path} (not a regular file)`)
      else if (startsWithBanner(full)) files.set(path, readFileSync(full, 'utf8'))
      else stray.push(path)
    }
    return stray.length < maxStray
  }
  const complete = await visit(dir, '')
  return { files, stray, truncated: !complete }
}

function startsWithBanner(file: string): boolean {
  const fd = openSync(file, 'r')
  try {
    const head = Buffer.alloc(BANNER.length)
    return readSync(fd, head, 0, head.length, 0) === BANNER.length && head.equals(BANNER)
  } finally {
    closeSync(fd)
  }
}

/**
 * The folder to read and replace for `--out`: itself, or, when it is a symbolic link to a folder,
 * the folder it points to (the link stays; what it points to is replaced).
 */
export async function resolveOutputDir(out: string): Promise<string> {
  let info
  try {
    info = await lstat(out)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out
    throw new LexgenError(`cannot use the output directory: ${(error as Error).message}`, { file: out })
  }
  let target = out
  if (info.isSymbolicLink()) {
    try {
      target = await realpath(out)
      info = await stat(target)
    } catch (error) {
      throw new LexgenError(`the output directory is a symbolic link that cannot be followed (${(error as NodeJS.ErrnoException).code}): create what it points to, or point --out elsewhere`, { file: out })
    }
  }
  if (!info.isDirectory()) throw new LexgenError('the output directory exists and is not a folder', { file: out })
  return target
}

/**
 * Replaces `dir` with exactly `files`, atomically: everything is written to a sibling staging
 * folder first and swapped in by rename, so a failed or interrupted run leaves the previous output
 * whole. Returns notes on what the cleanup could not do (the new output is in place all the same).
 */
export async function writeOutputDir(dir: string, files: OutputFiles): Promise<string[]> {
  const parent = dirname(dir)
  await mkdir(parent, { recursive: true })
  const notes = await recoverOutputDir(dir)
  const previous = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  await checkWritable(parent, dir, previous !== undefined)
  // The pid in the name tells a later run whether the writer is still alive (see recoverOutputDir).
  // Made with mkdir, not mkdtemp (0700): the umask and the parent's setgid apply as to any new folder.
  const staging = join(parent, `.lexgen-${basename(dir)}-${process.pid}-${randomBytes(4).toString('base64url').slice(0, 6).replace(/[-_]/g, 'x')}`)
  await mkdir(staging)
  try {
    if (previous) {
      await chown(staging, -1, previous.gid).catch(() => {}) // best effort: only root or a member may
      await chmod(staging, previous.mode & 0o7777)
    }
    for (const folder of new Set([...files.keys()].map((path) => dirname(join(staging, path))))) mkdirSync(folder, { recursive: true })
    for (const [path, content] of files) writeFileSync(join(staging, path), content)
    const aside = `${staging}-previous`
    // Back to back, without yielding: between the two renames there is no output at all (a kill
    // there is repaired by the next run), so that window is kept to two system calls.
    if (previous) renameSync(dir, aside)
    renameSync(staging, dir)
    if (previous) {
      await rm(aside, { recursive: true, force: true }).catch((error: Error) => {
        notes.push(`the previous output is left at ${aside} (${error.message}); remove it by hand`)
      })
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => {})
    throw error
  }
  return notes
}

/**
 * Before anything moves: the swap needs to create and rename in `parent`, and to delete every
 * folder of the old output. A read-only folder found now is a clear error and an untouched output;
 * found after the swap, it would leave the old output behind.
 */
async function checkWritable(parent: string, dir: string, exists: boolean): Promise<void> {
  const folders = [parent, ...(exists ? await subfolders(dir) : [])]
  for (const folder of folders) {
    try {
      await access(folder, constants.W_OK | constants.X_OK)
    } catch (error) {
      throw new LexgenError(
        `cannot replace the output directory: ${folder} is not writable (${(error as NodeJS.ErrnoException).code}); nothing was written`,
        { file: dir },
      )
    }
  }
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return [dir, ...entries.filter((entry) => entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name))]
}

/**
 * Cleans up after a run that was killed (SIGKILL, a crash, power loss) while writing `dir`: it
 * leaves its staging dir, `.lexgen-<name>-<pid>-XXXXXX`, and, when it died between the two
 * renames, the previous output as `…-previous` with `dir` itself missing. Leftovers of a process
 * that is gone are removed, and an orphaned previous output is put back in place; those of a
 * live process (a concurrent run) are left alone. Called before `dir` is read or written. What it
 * cannot remove it reports (returned notes) and leaves: it never fails a run.
 */
export async function recoverOutputDir(dir: string): Promise<string[]> {
  const parent = dirname(dir)
  const notes: string[] = []
  let entries: string[]
  try {
    entries = await readdir(parent)
  } catch {
    return notes
  }
  const prefix = `.lexgen-${basename(dir)}-`
  for (const name of entries.sort()) {
    const match = name.startsWith(prefix) ? /^(\d+)-[A-Za-z0-9]{6}(-previous)?$/.exec(name.slice(prefix.length)) : null
    if (!match || isAlive(Number(match[1]))) continue
    const leftover = join(parent, name)
    try {
      if (match[2] && !(await exists(dir))) await rename(leftover, dir)
      else await rm(leftover, { recursive: true, force: true })
    } catch (error) {
      notes.push(`could not clean up ${leftover}, left by an interrupted run (${(error as Error).message}); remove it by hand`)
    }
  }
  return notes
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
