import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { LexgenError } from './errors.js'

const CONFIG_FILE = 'lexgen.config.json'

/** Everything a run needs, with paths made absolute. */
export interface ResolvedOptions {
  readonly lexicons: string
  readonly out: string
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  readonly runtimeImport: string
}

/** What the config file and the flags may set; flags win. */
export interface Options {
  lexicons?: string
  out?: string
  include?: string[]
  exclude?: string[]
  runtimeImport?: string
}

const KEYS = new Set(['$schema', 'lexicons', 'out', 'include', 'exclude', 'runtimeImport'])

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
    runtimeImport: flags.runtimeImport ?? config.runtimeImport ?? '@lexgen/runtime',
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
    const isList = key === 'include' || key === 'exclude'
    const ok = isList ? Array.isArray(value) && value.every((v) => typeof v === 'string') : typeof value === 'string'
    if (!ok) throw new LexgenError(`must be ${isList ? 'an array of strings' : 'a string'}`, { file, path: key })
  }
  return json as Options
}
