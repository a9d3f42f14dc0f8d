import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { LexgenError } from './errors.js'

const CONFIG_FILE = 'lexgen.config.json'

/** Everything a run needs, with paths made absolute. */
export interface ResolvedOptions {
  readonly lexicons: string
  readonly out: string
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  readonly runtimeImport: string
  /** Markdown reference docs; absent when they are off. */
  readonly docs?: DocsOptions
}

export interface DocsOptions {
  /** The folder they are written to. */
  readonly dir: string
  /** What their examples import the client from: the output's index, relative to the project root (`./generated/index.js`). */
  readonly clientImport: string
}

/** What the config file and the flags may set; flags win. */
export interface Options {
  lexicons?: string
  out?: string
  include?: string[]
  exclude?: string[]
  runtimeImport?: string
  /** Docs folder; `false` (the `--no-docs` flag) switches docs off. */
  docs?: string | false
}

/** The config file as read: the options plus sections other commands validate (`pull`). */
export interface ConfigFile extends Options {
  pull?: unknown
}

const KEYS = new Set(['$schema', 'lexicons', 'out', 'include', 'exclude', 'runtimeImport', 'docs', 'pull'])

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
  const out = flags.out ? resolve(cwd, flags.out) : resolve(base, config.out ?? 'generated')
  const docs = resolveDocs(flags, config, cwd, base)
  if (docs !== undefined && (isInside(docs, out) || isInside(out, docs))) {
    throw new LexgenError(`the docs folder (${docs}) and the output folder (${out}) must not contain one another`)
  }
  // The project root is where the output path was given from: the working directory for --out, else the config's folder.
  const fromRoot = relative(flags.out ? cwd : base, out).split(sep).join('/') || '.'
  return {
    lexicons: flags.lexicons ? resolve(cwd, flags.lexicons) : resolve(base, config.lexicons ?? 'lexicons'),
    out,
    include,
    // A selection on the command line replaces the config's whole selection, its exclusions too.
    exclude: flags.exclude?.length ? flags.exclude : flags.include?.length ? [] : (config.exclude ?? []),
    runtimeImport: flags.runtimeImport ?? config.runtimeImport ?? '@lexgen/runtime',
    ...(docs === undefined ? {} : { docs: { dir: docs, clientImport: `${/^\.\.?(\/|$)/.test(fromRoot) ? '' : './'}${fromRoot}/index.js` } }),
  }
}

/**
 * `--docs <dir>`, else the config's `docs` — unless `--out` moved the code elsewhere: docs describe
 * the code next to them, so the configured folder is not overwritten with docs for another output.
 */
function resolveDocs(flags: Options, config: Options, cwd: string, base: string): string | undefined {
  if (flags.docs === false) return undefined
  if (flags.docs !== undefined) return resolve(cwd, flags.docs)
  if (flags.out !== undefined || typeof config.docs !== 'string') return undefined
  return resolve(base, config.docs)
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
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
    const ok = isList
      ? Array.isArray(value) && value.every((v) => typeof v === 'string')
      : typeof value === 'string' || (key === 'docs' && value === false)
    if (!ok) throw new LexgenError(`must be ${isList ? 'an array of strings' : key === 'docs' ? 'a folder path or false' : 'a string'}`, { file, path: key })
  }
  return json as ConfigFile
}
