/**
 * tsconfig.json as lexgen reads it: JSON with comments and trailing commas, and how it resolves
 * modules (what decides whether the generated imports resolve, and whether the package type matters).
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

/** `module` settings that imply their own `moduleResolution`: node16 for node16, node18 and node20 (TypeScript 5.8 and later). */
const NODE_MODULES = new Map([['node16', 'node16'], ['node18', 'node16'], ['node20', 'node16'], ['nodenext', 'nodenext']])

/** The module resolution a tsconfig.json sets itself (lower case; `preserve` means bundler), or undefined. */
export function moduleResolution(tsconfig: Json | undefined): string | undefined {
  const options = ((tsconfig?.value as { compilerOptions?: Record<string, unknown> } | undefined)?.compilerOptions ?? {}) as Record<string, unknown>
  const lower = (key: string) => (typeof options[key] === 'string' ? (options[key] as string).toLowerCase() : undefined)
  const module = lower('module')
  return lower('moduleResolution') ?? (module === 'preserve' ? 'bundler' : module === undefined ? undefined : NODE_MODULES.get(module))
}
