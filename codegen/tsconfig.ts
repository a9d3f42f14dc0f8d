/**
 * tsconfig.json as lexgen reads it: JSON with comments and trailing commas, the configs it
 * `extends` applied as TypeScript applies them (get-tsconfig follows relative paths and packages,
 * `exports` included), and how it resolves modules (what decides whether the generated imports
 * resolve, and whether the package type matters).
 */
import { readFile } from 'node:fs/promises'

export interface Json {
  readonly value?: unknown
  readonly error?: string
}

/** A JSON file (comments and trailing commas allowed, as tsconfig.json has them); undefined when absent. */
export async function readJson(file: string): Promise<Json | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  try {
    return { value: JSON.parse(stripJsonComments(text)) }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

/** JSON with comments (`//`, `/* *\/`) and trailing commas as plain JSON; strings are left alone. */
function stripJsonComments(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '"') {
      const end = stringEnd(text, i)
      out += text.slice(i, end)
      i = end - 1
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      i = end === -1 ? text.length : end + 1
    } else out += c
  }
  return out.replace(/,(\s*[}\]])/g, '$1')
}

/** The index just past the string literal starting at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i + 1
  }
  return text.length
}

export interface Tsconfig {
  /** Its compiler options over those of the configs it extends; values lower-cased, an implied `moduleResolution` filled in. */
  readonly options: Record<string, unknown>
  /** The configs it extends, as it names them (for messages), if any. */
  readonly extends?: string
  /** Why it, or a config it extends, could not be read; `options` are then empty. */
  readonly error?: string
}

/** A tsconfig.json with what it extends; undefined when absent. */
export async function readTsconfig(file: string): Promise<Tsconfig | undefined> {
  // Its own JSON is checked here: get-tsconfig reads past syntax errors without a word.
  const json = await readJson(file)
  if (json === undefined) return undefined
  if (json.error) return { options: {}, error: json.error }
  const named = (json.value as { extends?: unknown } | null)?.extends
  const bases = typeof named === 'string' ? named : Array.isArray(named) ? named.join(', ') : undefined
  try {
    // Loaded here, not at the top: generate reads a tsconfig only for its CommonJS note.
    const { parseTsconfig } = await import('get-tsconfig')
    const options = (parseTsconfig(file).compilerOptions ?? {}) as Record<string, unknown>
    return { options, ...(bases === undefined ? {} : { extends: bases }) }
  } catch (error) {
    return { options: {}, ...(bases === undefined ? {} : { extends: bases }), error: (error as Error).message }
  }
}

/** The module resolution a tsconfig.json sets, itself or through what it extends (lower case; `preserve` implies bundler), or undefined. */
export function moduleResolution(tsconfig: Tsconfig | undefined): string | undefined {
  const value = tsconfig?.options['moduleResolution']
  return typeof value === 'string' ? value.toLowerCase() : undefined
}
