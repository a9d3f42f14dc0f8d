/**
 * Reading the output folders (the code, and its docs), without trusting them, and finding where
 * they really are.
 *
 * A file is ours when it starts with the generated banner, and only its first bytes are read to
 * tell; symbolic links, special files and empty folders are never opened and are reported as
 * stray, like hand-written files. An editor's swap and lock files (a generated file open in vim or
 * Emacs, as `--watch` invites) are neither: write.ts carries them into the new folder as they are.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import { lstat, realpath, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { bannerPrefixFor } from './emit/writer.js'
import { LexgenError } from './errors.js'
import { compare } from './order.js'
import { isWithin, realPathOf } from './paths.js'

/** What an output directory holds, as far as lexgen is concerned. */
export interface OutputDir {
  /** Generated files (they start with the banner), by `/`-separated path, with their content. */
  readonly files: ReadonlyMap<string, string>
  /**
   * What lexgen did not generate, never read past its first bytes: files without the banner,
   * symbolic links, special files and empty folders (`path/`), each with what it is when not a file.
   */
  readonly stray: readonly string[]
  /** An editor's swap, lock and backup files ({@link isEditorFile}): carried into the new folder, never in the way. */
  readonly editing: readonly string[]
  /** True when reading stopped at `maxStray` strays: there may be more. */
  readonly truncated: boolean
  /** True when the folder does not exist (never generated, or removed). */
  readonly missing: boolean
}

/**
 * Reads `dir` (empty when it does not exist), depth first in name order. It stops at the
 * `maxStray`-th stray entry: `generate` refuses on the first one, so a data folder given as the
 * output costs one directory listing and a few bytes, not its contents. (Synchronous reads: for
 * many small files they beat the thread pool's round trips by far.)
 */
export async function readOutputDir(dir: string, { maxStray = Infinity } = {}): Promise<OutputDir> {
  const files = new Map<string, string>()
  const stray: string[] = []
  const editing: string[] = []
  let missing = false
  const visit = async (folder: string, prefix: string): Promise<boolean> => {
    let entries
    try {
      entries = readdirSync(folder, { withFileTypes: true })
    } catch (error) {
      if (prefix === '' && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        missing = true
        return true
      }
      throw new LexgenError(`cannot read the output directory: ${(error as Error).message}`, { file: folder })
    }
    if (entries.length === 0 && prefix !== '') stray.push(`${prefix}/ (empty folder)`)
    for (const entry of entries.sort((a, b) => compare(a.name, b.name))) {
      if (stray.length >= maxStray) return false
      const path = prefix ? `${prefix}/${entry.name}` : entry.name
      const full = join(folder, entry.name)
      if (entry.isDirectory()) {
        if (!(await visit(full, path))) return false
      } else if ((entry.isFile() || entry.isSymbolicLink()) && isEditorFile(entry.name)) editing.push(path)
      else if (entry.isSymbolicLink()) stray.push(`${path} (symbolic link)`)
      else if (!entry.isFile()) stray.push(`${path} (not a regular file)`)
      else if (readable(full, () => startsWithBanner(full, bannerPrefixFor(path)))) files.set(path, readable(full, () => readFileSync(full, 'utf8')))
      else stray.push(path)
    }
    return stray.length < maxStray
  }
  const complete = await visit(dir, '')
  return { files, stray, editing, truncated: !complete, missing }
}

/**
 * An editor's file beside the one it edits while it is open: vim's swap (`.client.ts.swp`, `.swo`,
 * …) and its write test (`4913`), Emacs's lock (`.#client.ts`, a link) and autosave
 * (`#client.ts#`). The editor removes them by name: dropped by a swap, a swap file would be lost to
 * the editor still writing it. (A backup, `client.ts~`, outlives the editor: it is in the way, as
 * any file lexgen did not write.)
 */
function isEditorFile(name: string): boolean {
  return /^\..+\.sw[a-px]$/.test(name) || name === '4913' || name.startsWith('.#') || /^#.+#$/.test(name)
}

/** `read()` of a file in the output, or an error naming the file when it cannot be read (another user's). */
function readable<T>(file: string, read: () => T): T {
  try {
    return read()
  } catch (error) {
    throw new LexgenError(`cannot read this file of the output directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was written`, { file })
  }
}

function startsWithBanner(file: string, prefix: string): boolean {
  const banner = Buffer.from(prefix)
  const fd = openSync(file, 'r')
  try {
    const head = Buffer.alloc(banner.length)
    return readSync(fd, head, 0, head.length, 0) === banner.length && head.equals(banner)
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
 * Refuses output folders that are, or contain, one another or the lexicon folder, where they
 * really are: a symbolic link in a path (`docs` → `generated`) would have one swap replace what
 * the other just wrote, or the output replace the lexicons. The config checks the paths as
 * written; this catches what links hide, before anything is read or written.
 */
export async function checkOutputPlaces(outputs: readonly { dir: string; name: string }[], lexicons: string): Promise<void> {
  const places = await Promise.all(outputs.map(async ({ dir, name }) => ({ name, dir, real: await realPathOf(dir) })))
  const shown = ({ dir, real }: { dir: string; real: string }) => (real === resolve(dir) ? dir : `${dir}, which leads to ${real}`)
  const lexiconFolder = { dir: lexicons, real: await realPathOf(lexicons) }
  for (const [i, a] of places.entries()) {
    if (isWithin(lexiconFolder.real, a.real)) {
      throw new LexgenError(`the ${a.name} folder (${shown(a)}) is or contains the lexicon folder (${shown(lexiconFolder)}): writing it would replace the lexicons; choose another ${a.name} folder`)
    }
    for (const b of places.slice(i + 1)) {
      if (isWithin(a.real, b.real) || isWithin(b.real, a.real)) throw new LexgenError(`the ${b.name} folder (${shown(b)}) and the ${a.name} folder (${shown(a)}) must not contain one another`)
    }
  }
}
