/**
 * The `pull` section of `lexgen.config.json`, plus the command line, as one plain object.
 *
 * ```json
 * "pull": {
 *   "lockfile": "lexicons.json",
 *   "network": ["com.example.feed.*", "com.example.actor.profile"],
 *   "git": [{ "url": "https://github.com/bluesky-social/atproto.git", "ref": "main", "folder": "lexicons", "include": ["*"] }]
 * }
 * ```
 */
import { dirname, isAbsolute, resolve } from 'node:path'
import { NSID } from '@atproto/syntax'
import { loadConfig } from '../config-file.js'
import { FlagError, LexgenError } from '../errors.js'
import type { Selection } from '../select.js'

export interface GitSourceConfig {
  /** As written: a repository URL, or a path relative to the config file. */
  readonly url: string
  /** What git fetches from: the URL, or the path made absolute. */
  readonly location: string
  readonly ref: string
  /** Folder inside the repository holding the lexicons ('' for the whole tree). */
  readonly folder: string
  readonly include: readonly string[]
  readonly exclude: readonly string[]
}

export interface PullConfig {
  readonly lexicons: string
  readonly lockfile: string
  /** NSIDs and `<authority>.*` patterns resolved over the network (config, then command line). */
  readonly network: readonly string[]
  readonly git: readonly GitSourceConfig[]
  /** The generator's selection, so the change report can tell what reaches the generated client. */
  readonly selection: Selection
}

export interface PullFlags {
  lexicons?: string
  lockfile?: string
}

export async function resolvePullConfig(patterns: readonly string[], flags: PullFlags, configPath: string | undefined, cwd: string): Promise<PullConfig> {
  const { file, config } = await loadConfig(configPath, cwd)
  const base = dirname(file)
  const pull = config.pull === undefined ? new Map<string, unknown>() : objectEntries(config.pull, file, 'pull')
  for (const key of pull.keys()) {
    if (!['lockfile', 'network', 'git'].includes(key)) throw new LexgenError('unknown key (expected lockfile, network, git)', { file, path: `pull.${key}` })
  }
  const lockfile = pull.get('lockfile') ?? 'lexicons.json'
  if (typeof lockfile !== 'string') throw new LexgenError('must be a string', { file, path: 'pull.lockfile' })
  const network = [...strings(pull.get('network') ?? [], file, 'pull.network'), ...patterns]
  network.forEach((pattern, i) => checkNetworkPattern(pattern, i < network.length - patterns.length ? { file, path: `pull.network[${i}]` } : {}))

  const git = pull.get('git') ?? []
  if (!Array.isArray(git)) throw new LexgenError('must be an array of sources', { file, path: 'pull.git' })
  return {
    lexicons: flags.lexicons ? resolve(cwd, flags.lexicons) : resolve(base, config.lexicons ?? 'lexicons'),
    lockfile: flags.lockfile ? resolve(cwd, flags.lockfile) : resolve(base, lockfile),
    network: [...new Set(network)],
    git: git.map((source, i) => gitSource(source, file, `pull.git[${i}]`, base)),
    selection: { include: config.include ?? [], exclude: config.exclude ?? [] },
  }
}

/** An NSID, or `<authority segments>.*`: one DNS name publishes one authority, so `*` may only stand for the name. */
function checkNetworkPattern(pattern: string, where: { file?: string; path?: string } = {}): void {
  const fixed = pattern.endsWith('.*') ? `${pattern.slice(0, -2)}.x` : pattern
  if (!NSID.isValid(fixed) || fixed.includes('*')) {
    const message = `'${pattern}' is not an NSID or an '<authority>.*' pattern (network lexicons resolve per authority, so '*' may only replace the last segment)`
    // On the command line, a usage error; in the config, the file's.
    throw where.file === undefined ? new FlagError(message) : new LexgenError(message, where)
  }
}

/** Whether a `pull.network` entry, an NSID or an `<authority>.*` pattern, names `nsid`. */
export function namesNsid(entry: string, nsid: string): boolean {
  return entry.endsWith('.*') ? matchesNetworkPattern(entry, nsid) : entry === nsid
}

/** Whether `nsid` is one of the names an `<authority>.*` pattern stands for (one more segment, no deeper). */
export function matchesNetworkPattern(pattern: string, nsid: string): boolean {
  const prefix = pattern.slice(0, -1)
  return nsid.startsWith(prefix) && nsid.length > prefix.length && !nsid.slice(prefix.length).includes('.')
}

function gitSource(value: unknown, file: string, path: string, base: string): GitSourceConfig {
  const fields = objectEntries(value, file, path)
  for (const key of fields.keys()) {
    if (!['url', 'ref', 'folder', 'include', 'exclude'].includes(key)) throw new LexgenError('unknown key (expected url, ref, folder, include, exclude)', { file, path: `${path}.${key}` })
  }
  const text = (key: string, fallback?: string): string => {
    const v = fields.get(key) ?? fallback
    if (typeof v !== 'string' || (key === 'url' && !v)) throw new LexgenError('must be a non-empty string', { file, path: `${path}.${key}` })
    return v
  }
  const url = text('url')
  const folder = text('folder', '').replace(/^\/+|\/+$/g, '')
  if (folder.split('/').includes('..')) throw new LexgenError("must stay inside the repository (no '..')", { file, path: `${path}.folder` })
  return {
    url,
    location: isRemote(url) || isAbsolute(url) ? url : resolve(base, url),
    ref: text('ref', 'HEAD'),
    folder,
    include: strings(fields.get('include') ?? ['*'], file, `${path}.include`),
    exclude: strings(fields.get('exclude') ?? [], file, `${path}.exclude`),
  }
}

/** `https://…`, `ssh://…`, `file://…` or scp-like `git@host:path`. */
function isRemote(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\\]+@[^/\\]+:/.test(url)
}

function objectEntries(value: unknown, file: string, path: string): Map<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LexgenError('must be an object', { file, path })
  return new Map(Object.entries(value))
}

function strings(value: unknown, file: string, path: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new LexgenError('must be an array of strings', { file, path })
  return value
}
