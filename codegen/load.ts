import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { LexgenError } from './errors.js'

/** One lexicon file as read from disk: its path relative to the lexicon root and its parsed JSON. */
export interface LoadedFile {
  /** Path relative to the lexicon directory, with `/` separators (stable across machines). */
  readonly file: string
  readonly json: unknown
}

/** Reads every `*.json` under `dir`, sorted by path so later stages see a stable order. */
export async function loadLexiconFiles(dir: string): Promise<LoadedFile[]> {
  const paths = await listJsonFiles(dir)
  return Promise.all(
    paths.map(async (path) => {
      const file = relative(dir, path).split(sep).join('/')
      const text = await readFile(path, 'utf8')
      return { file, json: parseJson(text, file) }
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
