/**
 * Pipeline stage 1, load: every `*.json` of the lexicon folder read and parsed, in path order, with
 * a problem (not a failure) for each file that cannot be read or is not JSON.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { LexgenError, type LexiconProblem } from './errors.js'
import { describeJsonError, isLfsPointer, LFS_POINTER, lineAndColumn } from './json-text.js'
import { depthProblem } from './json-depth.js'
import { compare } from './order.js'

/** One lexicon file as read from disk: its path relative to the lexicon root and its parsed JSON. */
export interface LoadedFile {
  /** Path relative to the lexicon directory, with `/` separators (stable across machines). */
  readonly file: string
  readonly json: unknown
}

/** What a lexicon directory holds: the files that read as JSON, and a problem for each that did not. */
export interface LoadedLexicons {
  readonly files: readonly LoadedFile[]
  readonly problems: readonly LoadProblem[]
}

/** A problem of the lexicon folder; `unread` for a folder, or a link to one, that could not be read: what it holds is unknown. */
export interface LoadProblem extends LexiconProblem {
  readonly unread?: true
}

/**
 * Files read by earlier calls, reused while their inode, size and modification time stay the
 * same: `generate --watch` re-reads only what changed.
 */
export type LoadCache = Map<string, { readonly stamp: string; readonly loaded: LoadedFile }>

/**
 * Reads every `*.json` under `dir` but hidden ones, sorted by path so later stages see a stable
 * order. Symbolic links are followed as {@link findJsonFiles} says. Unreadable files, broken links and bad JSON are
 * problems, not failures: the caller decides which ones matter.
 *
 * Synchronous calls inside: for hundreds of small files they are ~10× faster than the thread
 * pool's round trips, and a code generator has nothing else to do meanwhile.
 */
export async function loadLexiconFiles(dir: string, cache?: LoadCache): Promise<LoadedLexicons> {
  let root: string
  try {
    root = realpathSync(dir)
  } catch (cause) {
    // The usual case (a fresh checkout, a mistyped path) in words; anything else with the system's reason.
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') throw new LexgenError('the lexicon folder does not exist', { file: dir })
    throw new LexgenError(`cannot read lexicon directory: ${(cause as Error).message}`, { file: dir })
  }
  const { found, problems } = findJsonFiles(DISK, root)
  const files: LoadedFile[] = []
  if (cache) for (const key of cache.keys()) if (!key.startsWith(`${root}\0`) || !found.includes(key.slice(root.length + 1))) cache.delete(key)
  for (const file of found) {
    const path = join(root, file)
    let bytes: Uint8Array
    let stamp: string | undefined
    try {
      if (cache) {
        const info = statSync(path)
        stamp = `${info.ino}:${info.size}:${info.mtimeMs}`
        const hit = cache.get(`${root}\0${file}`)
        if (hit?.stamp === stamp) {
          files.push(hit.loaded)
          continue
        }
      }
      bytes = readFileSync(path)
    } catch (cause) {
      problems.push({ file, message: `cannot read: ${(cause as Error).message}` })
      continue
    }
    const json = parseJsonFile(bytes)
    if ('error' in json) {
      problems.push({ file, message: json.error })
      continue
    }
    const loaded = { file, json: json.value }
    files.push(loaded)
    if (cache && stamp) cache.set(`${root}\0${file}`, { stamp, loaded })
  }
  return { files, problems }
}

/** What a folder entry is, or where a followed symbolic link leads: `other` is a device, socket, pipe… */
export type EntryKind = 'folder' | 'file' | 'link' | 'other'

/**
 * Folders to walk: the disk, or a git commit's tree (`lexgen diff --base`), so both are read by
 * one walk and see the same files for the same content. Paths are the tree's own (real paths on
 * disk). A `LexgenError` thrown by a method stops the walk; any other error is the entry's problem.
 */
export interface FolderTree {
  /** The entries of the folder at `real`. */
  entries(real: string): { readonly name: string; readonly kind: EntryKind }[]
  /** Where the symbolic link at `path` leads, every link on the way followed: its real path and what is there. */
  follow(path: string): { readonly real: string; readonly kind: EntryKind }
  join(folder: string, name: string): string
}

const DISK: FolderTree = {
  entries: (real) =>
    readdirSync(real, { withFileTypes: true }).map((entry) => ({
      name: entry.name,
      kind: entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'link' : 'other',
    })),
  follow: (path) => {
    const real = realpathSync(path)
    const info = statSync(real)
    return { real, kind: info.isDirectory() ? 'folder' : info.isFile() ? 'file' : 'other' }
  },
  join,
}

/**
 * The `.json` paths (relative to `root`, `/`-separated, sorted) under the folder whose real path is
 * `root`. Symbolic links are followed, to files and to folders; a folder reached a second time (a
 * link loop, or two links to one folder) is read once and the other path reported as a problem, as
 * are links that cannot be followed and unreadable folders. Hidden entries (a dot first) are passed over.
 */
export function findJsonFiles(tree: FolderTree, root: string): { found: string[]; problems: LoadProblem[] } {
  const { found, problems } = walkTree(tree, root)
  return { found: found.sort(compare), problems }
}

/**
 * What `generate` reads under the lexicon folder `dir`, for `--watch` to watch: every folder it
 * walks, the symbolic links in them (followed or not) and where each leads (real paths). Empty
 * when `dir` cannot be read.
 */
export function lexiconTree(dir: string): { folders: string[]; links: string[]; linkTargets: string[] } {
  try {
    const root = realpathSync(dir)
    const { visited, links, linkTargets } = walkTree(DISK, root)
    // A linked lexicon folder itself: its real place is watched too.
    return { folders: [...visited.keys()], links, linkTargets: root === resolve(dir) ? linkTargets : [root, ...linkTargets] }
  } catch {
    return { folders: [], links: [], linkTargets: [] }
  }
}

interface Walk {
  readonly found: string[]
  readonly problems: LoadProblem[]
  /** Folders walked, by real path, with the path they were first reached by. */
  readonly visited: Map<string, string>
  /** The symbolic links met, by their real parent's path (a broken one too: it is a problem). */
  readonly links: string[]
  /** Where the symbolic links followed lead. */
  readonly linkTargets: string[]
}

function walkTree(tree: FolderTree, root: string): Walk {
  const state: Walk = { found: [], problems: [], visited: new Map([[root, '.']]), links: [], linkTargets: [] }
  walk(tree, root, '', state)
  return state
}

/** Collects `.json` paths under `real` (the folder's real path), reached as `relative`. */
function walk(tree: FolderTree, real: string, relative: string, state: Walk): void {
  const { visited, found, problems } = state
  let entries
  try {
    entries = tree.entries(real)
  } catch (cause) {
    if (cause instanceof LexgenError) throw cause
    if (relative === '') throw new LexgenError(`cannot read lexicon directory: ${(cause as Error).message}`, { file: real })
    problems.push({ file: relative, message: `cannot read folder: ${(cause as Error).message}`, unread: true })
    return
  }
  for (const entry of entries.sort((a, b) => compare(a.name, b.name))) {
    // Hidden entries are no lexicons (no NSID segment starts with a dot), and are often not even
    // readable: Emacs's `.#name.json` lock, a link to nowhere while a buffer has unsaved changes;
    // a `.git` folder; staging folders of a run (write.ts). Globs skip them too.
    if (entry.name.startsWith('.')) continue
    const path = relative ? `${relative}/${entry.name}` : entry.name
    let target = { real: tree.join(real, entry.name), kind: entry.kind }
    if (entry.kind === 'link') {
      state.links.push(target.real)
      try {
        target = tree.follow(target.real)
        state.linkTargets.push(target.real)
      } catch (cause) {
        if (cause instanceof LexgenError) throw cause
        problems.push({ file: path, message: `symbolic link that cannot be followed: ${(cause as Error).message}`, ...(path.endsWith('.json') ? {} : { unread: true as const }) })
        continue
      }
    }
    if (target.kind === 'folder') {
      const seen = visited.get(target.real)
      if (seen !== undefined) {
        problems.push({ file: path, message: `skipped: the same folder as ${seen} (read once; a symbolic link loop or a second link to it)` })
        continue
      }
      visited.set(target.real, path)
      walk(tree, target.real, path, state)
    } else if (entry.name.endsWith('.json')) {
      if (target.kind === 'file') found.push(path)
      else problems.push({ file: path, message: 'not a regular file (a device, socket or pipe): not read' })
    }
  }
}

/** One decoder for every file: a whole-buffer decode leaves it ready for the next. */
const UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * One lexicon file's bytes as JSON, or why they are not. JSON is UTF-8: other bytes are an error
 * naming where (read as Latin-1 they would become U+FFFD in the generated code), and a leading
 * byte order mark, which Windows editors write, is dropped. A syntax error names the line and column.
 */
export function parseJsonFile(bytes: Uint8Array): { value: unknown } | { error: string } {
  let text: string
  try {
    text = UTF8.decode(bytes)
  } catch {
    const at = firstNonUtf8(bytes)
    const before = new TextDecoder().decode(bytes.subarray(0, at))
    return { error: `not UTF-8 text (byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at ${lineAndColumn(before)}): save the file as UTF-8` }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    if (isLfsPointer(text)) return { error: `${LFS_POINTER}: keep lexicons out of Git LFS (on disk, \`git lfs pull\` fetches the files)` }
    return { error: `not valid JSON (${describeJsonError(text, cause as Error)})` }
  }
  const tooDeep = depthProblem(value)
  return tooDeep ? { error: tooDeep } : { value }
}

/**
 * Where the first sequence that is not UTF-8 starts. Found by halving: the longest prefix that
 * decodes as a stream (a sequence cut at its end waits for its rest), then back to the last
 * prefix that decodes whole (at most 3 bytes: the start of the broken sequence).
 */
function firstNonUtf8(bytes: Uint8Array): number {
  const decodes = (end: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream })
      return true
    } catch {
      return false
    }
  }
  let [good, bad] = [0, bytes.length]
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1
    if (decodes(mid, true)) good = mid
    else bad = mid
  }
  while (good > 0 && !decodes(good, false)) good--
  return good
}
