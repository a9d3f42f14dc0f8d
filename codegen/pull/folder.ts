/**
 * The lexicon folder as pull sees it: its entries, and the lexicon docs in it by NSID. Pulled
 * docs live at their NSID path, `com/example/feed/post.json`; pull rewrites the folder as a
 * whole, swapped in atomically like `generate`'s output, and carries every other entry over as it
 * is: a file's bytes and mode, a symbolic link as a link (never followed), a folder's mode.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { LexgenError } from '../errors.js'
import { depthProblem } from '../json-depth.js'
import { sameText } from '../line-endings.js'
import { compare } from '../order.js'
import { writeOutputDirs } from '../write.js'

export interface LocalDoc {
  /** Path relative to the folder, `/`-separated. */
  readonly path: string
  readonly text: string
  readonly json: LexiconJson
}

/** A doc as JSON; `id` and `defs` are all pull itself looks at. */
export type LexiconJson = Record<string, unknown> & { id: string; defs: Record<string, unknown> }

export type EntryKind = 'file' | 'symbolic link' | 'folder'

export interface Folder {
  readonly dir: string
  /** Every entry by `/`-separated path, in path order; links are not followed. */
  readonly entries: ReadonlyMap<string, EntryKind>
  readonly docs: ReadonlyMap<string, LocalDoc>
}

/** The folder after a pull: the pulled docs to write, and the entries carried over as they are. */
export interface NextFolder {
  readonly write: ReadonlyMap<string, string>
  readonly kept: readonly string[]
  /** Entries written, replaced or removed. */
  readonly changed: number
}

export function docPath(nsid: string): string {
  return `${nsid.split('.').join('/')}.json`
}

/**
 * Reads the folder (empty when missing). Only `.json` files are read, as text, for the docs; docs
 * that do not parse are left out of `docs`, not reported: pull may be about to replace them.
 */
export async function readFolder(dir: string): Promise<Folder> {
  const entries = await readEntries(dir)
  const paths = [...entries].filter(([path, kind]) => kind === 'file' && path.endsWith('.json')).map(([path]) => path)
  const texts = await Promise.all(paths.map((path) => readFile(join(dir, path), 'utf8')))
  const docs = new Map<string, LocalDoc>()
  for (const [i, path] of paths.entries()) {
    const text = texts[i]!
    const json = asLexicon(text)
    // Two files with one id: keep the one at the NSID path, which is the one pull owns.
    if (json && (!docs.has(json.id) || path === docPath(json.id))) docs.set(json.id, { path, text, json })
  }
  return { dir, entries, docs }
}

/** The JSON of a lexicon doc, or undefined when `text` is not one. */
export function asLexicon(text: string): LexiconJson | undefined {
  try {
    const json = JSON.parse(text) as unknown
    // Too deep for a lexicon (json-depth.ts): left as a file, which generate then refuses, saying why.
    if (depthProblem(json)) return undefined
    const ok = typeof json === 'object' && json !== null && typeof (json as LexiconJson).id === 'string'
    return ok && typeof (json as LexiconJson).defs === 'object' && (json as LexiconJson).defs !== null ? (json as LexiconJson) : undefined
  } catch {
    return undefined
  }
}

/**
 * The folder after a pull: each pulled doc at its NSID path (a copy of it elsewhere is removed, or
 * generate would see the NSID twice), each dropped doc removed, everything else kept as it is. A
 * pulled doc whose file already holds its text (line endings aside: see line-endings.ts) is kept too, mode and all; a folder is kept (with
 * its mode) when it was empty or still holds something.
 */
export function nextFolder(folder: Folder, pulled: ReadonlyMap<string, string>, dropped: Iterable<string>): NextFolder {
  const replaced = new Set<string>()
  for (const nsid of [...dropped, ...pulled.keys()]) {
    const current = folder.docs.get(nsid)?.path
    if (current) replaced.add(current)
  }
  const write = new Map<string, string>()
  for (const [nsid, text] of pulled) {
    const path = docPath(nsid)
    const current = folder.docs.get(nsid)
    if (current?.path === path && sameText(current.text, text)) replaced.delete(path)
    else {
      write.set(path, text)
      replaced.add(path)
    }
  }
  for (const path of write.keys()) {
    // Pull writes real folders: not through a symbolic link, nor over a file, that is in the way.
    const blocker = ancestors(path).find((parent) => (folder.entries.get(parent) ?? 'folder') !== 'folder')
    if (blocker) throw new LexgenError(`${blocker} is a ${folder.entries.get(blocker)}, and pull would write ${path} inside it; make it a folder`, { file: folder.dir })
  }
  const entries = [...folder.entries]
  const keptFiles = entries.filter(([path, kind]) => kind !== 'folder' && !replaced.has(path)).map(([path]) => path)
  // A folder goes when all it held went (a moved or dropped doc's); an empty one stays.
  const hadContents = new Set(entries.flatMap(([path]) => ancestors(path)))
  const holdsContents = new Set([...keptFiles, ...write.keys()].flatMap(ancestors))
  const keptFolders = entries.filter(([path, kind]) => kind === 'folder' && (holdsContents.has(path) || !hadContents.has(path))).map(([path]) => path)
  const removed = [...replaced].filter((path) => folder.entries.has(path) && !write.has(path))
  return { write, kept: [...keptFiles, ...keptFolders], changed: write.size + removed.length }
}

/**
 * Swaps in the folder's new contents and the lockfile as one unit: a pull killed at any point
 * leaves both as they were, or both new once the next lexgen run has completed its swap.
 */
export async function writeFolder(dir: string, next: NextFolder, lockfile: string, lockText: string): Promise<string[]> {
  return writeOutputDirs([{ dir, files: next.write, kept: next.kept }], [{ path: lockfile, content: lockText }])
}

/** Every entry of the folder (none when it is missing); a socket, pipe or device is refused: it cannot be copied. */
async function readEntries(dir: string): Promise<Map<string, EntryKind>> {
  let dirents
  try {
    dirents = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw new LexgenError(`cannot read the lexicon folder: ${(error as Error).message}`, { file: dir })
  }
  const entries: [string, EntryKind][] = []
  for (const dirent of dirents) {
    const path = relative(dir, join(dirent.parentPath, dirent.name)).split(sep).join('/')
    if (dirent.isFile()) entries.push([path, 'file'])
    else if (dirent.isSymbolicLink()) entries.push([path, 'symbolic link'])
    else if (dirent.isDirectory()) entries.push([path, 'folder'])
    else throw new LexgenError(`${path} is not a file, folder or symbolic link; pull copies the lexicon folder into a new one and cannot carry it`, { file: dir })
  }
  return new Map(entries.sort(([a], [b]) => compare(a, b)))
}

/** The folders a relative path lies in: `a/b/c.json` → `a`, `a/b`. */
function ancestors(path: string): string[] {
  const parts = path.split('/').slice(0, -1)
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'))
}
