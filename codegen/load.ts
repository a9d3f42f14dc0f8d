import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { LexgenError } from './errors.js'

/** One lexicon file as read from disk: its path relative to the lexicon root and its parsed JSON. */
export interface LoadedFile {
  /** Path relative to the lexicon directory, with `/` separators (stable across machines). */
  readonly file: string
  readonly json: unknown
}

/**
 * Files read by earlier calls, reused while their inode, size and modification time stay the
 * same: `generate --watch` re-reads only what changed.
 */
export type LoadCache = Map<string, { readonly stamp: string; readonly loaded: LoadedFile }>

/** Reads every `*.json` under `dir`, sorted by path so later stages see a stable order. */
export async function loadLexiconFiles(dir: string, cache?: LoadCache): Promise<LoadedFile[]> {
  const paths = await listJsonFiles(dir)
  const read = async (path: string): Promise<LoadedFile> => {
    const file = relative(dir, path).split(sep).join('/')
    return { file, json: parseJson(await readFile(path, 'utf8'), file) }
  }
  if (!cache) return Promise.all(paths.map(read))
  const keys = new Set(paths.map((path) => `${dir}\0${path}`))
  for (const key of cache.keys()) if (!keys.has(key)) cache.delete(key)
  return Promise.all(
    paths.map(async (path) => {
      const info = await stat(path)
      const stamp = `${info.ino}:${info.size}:${info.mtimeMs}`
      const key = `${dir}\0${path}`
      const hit = cache.get(key)
      if (hit?.stamp === stamp) return hit.loaded
      const loaded = await read(path)
      cache.set(key, { stamp, loaded })
      return loaded
    }),
  )
}

async function listJsonFiles(dir: string): Promise<string[]> {
  let entries
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch (cause) {
    throw new LexgenError(`cannot read lexicon directory: ${(cause as Error).message}`, { file: dir })
  }
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}

/** Parses one lexicon file's text; a syntax error names the file, line and column. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new LexgenError(`not valid JSON (${describeJsonError(text, cause as Error)})`, { file })
  }
}

/** Turns V8's "at position N" into a line and column a person can jump to. */
function describeJsonError(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message)
  const reason = error.message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '')
  if (!position) return reason
  const before = text.slice(0, Number(position[1]))
  const line = before.split('\n').length
  const column = before.length - before.lastIndexOf('\n')
  return `${reason} at line ${line}, column ${column}`
}
