import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { LexgenError } from './errors.js'

const CONFIG_FILE = 'lexgen.config.json'

/** Everything a run needs, with paths made absolute. */
export interface ResolvedOptions {
  readonly lexicons: string
  readonly out: string
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  readonly runtimeImport: string
  /** Every doc in the lexicon directory must pass, not only the selection's closure. */
  readonly strict: boolean
  /** Extension of the generated modules: `.ts`, or `.mts` (ESM whatever the package's `type`). */
  readonly fileExt: FileExt
}

export type FileExt = '.ts' | '.mts'
const FILE_EXTS: readonly string[] = ['.ts', '.mts']

/** What the config file and the flags may set; flags win. */
export interface Options {
  lexicons?: string
  out?: string
  include?: string[]
  exclude?: string[]
  runtimeImport?: string
  strict?: boolean
  fileExt?: string
}

const KEYS = new Set(['$schema', 'lexicons', 'out', 'include', 'exclude', 'runtimeImport', 'strict', 'fileExt'])

/**
 * Reads `lexgen.config.json` (from `configPath`, else the working directory, if
 * present) and lays the flags over it. Config paths are relative to the config file.
 */
export async function resolveOptions(flags: Options, configPath?: string, cwd = process.cwd()): Promise<ResolvedOptions> {
  const file = resolve(cwd, configPath ?? CONFIG_FILE)
  const config = await readConfig(file, configPath !== undefined)
  const base = dirname(file)
  const include = flags.include?.length ? flags.include : (config.include ?? [])
  if (include.length === 0) {
    throw new LexgenError(`nothing selected: pass --include <pattern> (e.g. 'chat.bsky.convo.*') or set "include" in ${CONFIG_FILE}`)
  }
  return {
    lexicons: flags.lexicons ? resolve(cwd, flags.lexicons) : resolve(base, config.lexicons ?? 'lexicons'),
    out: flags.out ? resolve(cwd, flags.out) : resolve(base, config.out ?? 'generated'),
    include,
    exclude: flags.exclude?.length ? flags.exclude : (config.exclude ?? []),
    runtimeImport: flags.runtimeImport ?? config.runtimeImport ?? 'lexgen/runtime',
    strict: flags.strict ?? config.strict ?? false,
    fileExt: fileExt(flags.fileExt ?? config.fileExt ?? '.ts'),
  }
}

function fileExt(value: string): FileExt {
  const ext = value.startsWith('.') ? value : `.${value}`
  if (!FILE_EXTS.includes(ext)) throw new LexgenError(`--file-ext must be one of ${FILE_EXTS.join(', ')} (got '${value}')`)
  return ext as FileExt
}

/**
 * A note when `.ts` output lands in a package whose `package.json` does not say `"type": "module"`:
 * there Node and tsc (module nodenext) take the generated files for CommonJS, which they are not.
 */
export async function moduleScopeNote(options: ResolvedOptions): Promise<string | undefined> {
  if (options.fileExt !== '.ts') return undefined
  for (let dir = options.out; ; dir = dirname(dir)) {
    let text: string | undefined
    try {
      text = await readFile(join(dir, 'package.json'), 'utf8')
    } catch {
      // none here: look further up
    }
    if (text !== undefined) {
      let type: unknown
      try {
        type = (JSON.parse(text) as { type?: unknown }).type
      } catch {
        return undefined
      }
      if (type === 'module') return undefined
      return (
        `${join(dir, 'package.json')} makes the generated .ts files CommonJS for Node and tsc, and they are ESM: ` +
        "generate with --file-ext .mts (or set \"type\": \"module\"), unless a bundler compiles them"
      )
    }
    if (dirname(dir) === dir) return undefined
  }
}

async function readConfig(file: string, required: boolean): Promise<Options> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new LexgenError(`cannot read config: ${(error as Error).message}`, { file })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new LexgenError(`config is not valid JSON: ${(error as Error).message}`, { file })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LexgenError('config must be a JSON object', { file })
  for (const [key, value] of Object.entries(json)) {
    if (!KEYS.has(key)) throw new LexgenError(`unknown config key (expected one of ${[...KEYS].slice(1).join(', ')})`, { file, path: key })
    const kind = key === 'include' || key === 'exclude' ? 'an array of strings' : key === 'strict' ? 'a boolean' : 'a string'
    const ok =
      kind === 'an array of strings' ? Array.isArray(value) && value.every((v) => typeof v === 'string') : typeof value === (kind === 'a boolean' ? 'boolean' : 'string')
    if (!ok) throw new LexgenError(`must be ${kind}`, { file, path: key })
  }
  return json as Options
}
