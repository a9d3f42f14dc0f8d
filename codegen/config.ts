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

/** The config file as read: the options plus sections other commands validate (`pull`). */
export interface ConfigFile extends Options {
  pull?: unknown
}

const KEYS = new Set(['$schema', 'lexicons', 'out', 'include', 'exclude', 'runtimeImport', 'pull'])

/**
 * Reads `lexgen.config.json` (from `configPath`, else the working directory, if
 * present) and lays the flags over it. Config paths are relative to the config file.
 */
export async function resolveOptions(flags: Options, configPath?: string, cwd = process.cwd()): Promise<ResolvedOptions> {
  const { file, config } = await loadConfig(configPath, cwd)
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
  }
}

/** The config file (`configPath`, else `lexgen.config.json` in `cwd` when present) and its absolute path. */
export async function loadConfig(configPath: string | undefined, cwd: string): Promise<{ file: string; config: ConfigFile }> {
  const file = configFilePath(configPath, cwd)
  return { file, config: await readConfig(file, configPath !== undefined) }
}

export function configFilePath(configPath: string | undefined, cwd: string): string {
  return resolve(cwd, configPath ?? CONFIG_FILE)
}

async function readConfig(file: string, required: boolean): Promise<ConfigFile> {
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
    if (key === 'pull') continue // validated by codegen/pull/config.ts
    const isList = key === 'include' || key === 'exclude'
    const ok = isList ? Array.isArray(value) && value.every((v) => typeof v === 'string') : typeof value === 'string'
    if (!ok) throw new LexgenError(`must be ${isList ? 'an array of strings' : 'a string'}`, { file, path: key })
  }
  return json as ConfigFile
}
