/**
 * lexgen.config.json: where it is (the nearest one up to the package root), what it may set, and
 * its text read and checked, every problem named by its key.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { LexgenError } from './errors.js'
import { describeJsonError } from './json-text.js'

export const CONFIG_FILE = 'lexgen.config.json'

/** What the config file and the flags may set; flags win. */
export interface Options {
  lexicons?: string
  out?: string
  include?: string[]
  exclude?: string[]
  runtimeImport?: string
  /** Docs folder; `false` (the `--no-docs` flag) switches docs off. */
  docs?: string | false
  strict?: boolean
  fileExt?: string
  importExt?: string
  emit?: string
}

/** The config file as read: the options plus sections other commands validate (`pull`). */
export interface ConfigFile extends Options {
  pull?: unknown
}

const KEYS = new Set(['$schema', 'lexicons', 'out', 'include', 'exclude', 'runtimeImport', 'docs', 'strict', 'fileExt', 'importExt', 'emit', 'pull'])

/** The config file (`configPath`, else the one `configFilePath` finds) and its absolute path. */
export async function loadConfig(configPath: string | undefined, cwd: string): Promise<{ file: string; config: ConfigFile }> {
  const file = configFilePath(configPath, cwd)
  return { file, config: await readConfig(file, configPath !== undefined) }
}

/**
 * `configPath`, else the nearest `lexgen.config.json` from `cwd` up to the package root (the first
 * folder with a `package.json`) or the filesystem root, so commands work from any subfolder of the
 * project; else `lexgen.config.json` in `cwd`, which need not exist.
 */
export function configFilePath(configPath: string | undefined, cwd: string): string {
  if (configPath !== undefined) return resolve(cwd, configPath)
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, CONFIG_FILE))) return join(dir, CONFIG_FILE)
    if (existsSync(join(dir, 'package.json')) || dirname(dir) === dir) return resolve(cwd, CONFIG_FILE)
  }
}

async function readConfig(file: string, required: boolean): Promise<ConfigFile> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new LexgenError(`cannot read config: ${(error as Error).message}`, { file })
  }
  return parseConfig(text, file)
}

/** A config file's text, validated; `file` names it in errors (a path, or `ref:path` for one read from git). */
export function parseConfig(text: string, file: string): ConfigFile {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new LexgenError(`config is not valid JSON (${describeJsonError(text, error as Error)})`, { file })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LexgenError('config must be a JSON object', { file })
  for (const [key, value] of Object.entries(json)) {
    if (!KEYS.has(key)) throw new LexgenError(`unknown config key (expected one of ${[...KEYS].slice(1).join(', ')})`, { file, path: key })
    if (key === 'pull') continue // validated by codegen/pull/config.ts
    const kind =
      key === 'include' || key === 'exclude' ? 'an array of strings'
      : key === 'strict' ? 'a boolean'
      : key === 'docs' ? 'a folder path or false'
      : 'a string'
    const ok =
      kind === 'an array of strings' ? Array.isArray(value) && value.every((v) => typeof v === 'string')
      : kind === 'a boolean' ? typeof value === 'boolean'
      : typeof value === 'string' || (key === 'docs' && value === false)
    if (!ok) throw new LexgenError(`must be ${kind}`, { file, path: key })
    // An empty path is the config's own folder: the project, as an output, a docs or a lexicon folder.
    if (value === '' && (key === 'out' || key === 'docs' || key === 'lexicons')) throw new LexgenError('must name a folder, not be empty (the project folder itself)', { file, path: key })
  }
  return json as ConfigFile
}
