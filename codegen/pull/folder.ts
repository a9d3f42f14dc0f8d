/**
 * The lexicon folder as pull sees it: every file (pull rewrites the folder as a whole, swapped in
 * atomically like `generate`'s output, so files it does not manage are carried over), and the
 * lexicon docs in it by NSID. Pulled docs live at their NSID path, `com/example/feed/post.json`.
 */
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'
import { LexgenError } from '../errors.js'
import { compare } from '../order.js'
import { writeOutputDir } from '../write.js'

export interface LocalDoc {
  /** Path relative to the folder, `/`-separated. */
  readonly path: string
  readonly json: LexiconJson
}

/** A doc as JSON; `id` and `defs` are all pull itself looks at. */
export type LexiconJson = Record<string, unknown> & { id: string; defs: Record<string, unknown> }

export interface Folder {
  readonly dir: string
  readonly files: ReadonlyMap<string, string>
  readonly docs: ReadonlyMap<string, LocalDoc>
}

export function docPath(nsid: string): string {
  return `${nsid.split('.').join('/')}.json`
}

/** Reads the folder (empty when missing). Docs that do not parse are left out of `docs`, not reported: pull may be about to replace them. */
export async function readFolder(dir: string): Promise<Folder> {
  const files = await readFiles(dir)
  const docs = new Map<string, LocalDoc>()
  for (const [path, text] of files) {
    if (!path.endsWith('.json')) continue
    const json = asLexicon(text)
    // Two files with one id: keep the one at the NSID path, which is the one pull owns.
    if (json && (!docs.has(json.id) || path === docPath(json.id))) docs.set(json.id, { path, json })
  }
  return { dir, files, docs }
}

/** The JSON of a lexicon doc, or undefined when `text` is not one. */
export function asLexicon(text: string): LexiconJson | undefined {
  try {
    const json = JSON.parse(text) as unknown
    const ok = typeof json === 'object' && json !== null && typeof (json as LexiconJson).id === 'string'
    return ok && typeof (json as LexiconJson).defs === 'object' && (json as LexiconJson).defs !== null ? (json as LexiconJson) : undefined
  } catch {
    return undefined
  }
}

/**
 * The folder's files after a pull: each pulled doc at its NSID path (a copy of it elsewhere is
 * removed, or generate would see the NSID twice), each dropped doc removed, the rest unchanged.
 */
export function nextFiles(folder: Folder, pulled: ReadonlyMap<string, string>, dropped: Iterable<string>): Map<string, string> {
  const files = new Map(folder.files)
  for (const nsid of [...dropped, ...pulled.keys()]) {
    const current = folder.docs.get(nsid)?.path
    if (current) files.delete(current)
  }
  for (const [nsid, text] of pulled) files.set(docPath(nsid), text)
  return files
}

/** Swaps in the folder's new contents, then the lockfile (written to a temp file and renamed). */
export async function writeFolder(dir: string, files: ReadonlyMap<string, string>, lockfile: string, lockText: string): Promise<void> {
  await writeOutputDir(dir, files)
  const temp = join(dirname(lockfile), `.${basename(lockfile)}.${process.pid}.tmp`)
  try {
    await writeFile(temp, lockText)
    await rename(temp, lockfile)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}

/** A symlink would come back as a copy (or not at all) after the swap: refuse rather than change the folder's shape. */
/** Every file of the folder by `/`-separated path (none when it is missing); a link or a special file is refused. */
async function readFiles(dir: string): Promise<Map<string, string>> {
  let entries
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw new LexgenError(`cannot read the lexicon folder: ${(error as Error).message}`, { file: dir })
  }
  const link = entries.find((entry) => !entry.isFile() && !entry.isDirectory())
  if (link) {
    const path = relative(dir, join(link.parentPath, link.name)).split(sep).join('/')
    throw new LexgenError(`${path} is not a regular file or folder; pull rewrites the lexicon folder as a whole and would not keep it`, { file: dir })
  }
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
  const texts = await Promise.all(files.map((file) => readFile(file, 'utf8')))
  return new Map(files.map((file, i) => [relative(dir, file).split(sep).join('/'), texts[i]!] as const).sort(([a], [b]) => compare(a, b)))
}
