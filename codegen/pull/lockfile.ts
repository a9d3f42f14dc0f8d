/**
 * The lockfile, `lexicons.json`: where every pulled doc came from, and its CID.
 *
 * Its network half is `@atproto/lex`'s manifest, field for field, so either tool reads what the
 * other wrote: `version: 1`, `lexicons` (the NSIDs asked for directly) and `resolutions`
 * (`nsid → { uri: at://<did>/com.atproto.lexicon.schema/<nsid>, cid }`, the CID of the verified
 * record). Docs from git repositories are kept apart, in `git` (one entry per source, pinned by
 * commit): `@atproto/lex` checks that every `resolutions[].uri` is an at-uri, so a git location
 * there would make it reject the whole file, while it passes unknown top-level keys through.
 *
 * A doc's CID is always the DAG-CBOR CID of its JSON (what a PDS computes for the record), so
 * `--frozen` can check the lexicon folder against the lockfile without any network.
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { NSID } from '@atproto/syntax'
import { runner } from '../runner.js'
import { LexgenError } from '../errors.js'
import { describeJsonError } from '../json-text.js'
import { compare } from '../order.js'

export const SCHEMA_COLLECTION = 'com.atproto.lexicon.schema'

export interface NetworkLock {
  /** `at://<did>/com.atproto.lexicon.schema/<nsid>`. */
  readonly uri: string
  readonly cid: string
}

export interface GitDocLock {
  /** Path inside the source's folder. */
  readonly path: string
  readonly cid: string
}

export interface GitLock {
  /** As written in the config: a repository URL or a path relative to the config file. */
  readonly url: string
  readonly ref: string
  readonly folder: string
  /** The source's patterns when it was pulled: changing them re-selects at the same commit. */
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  readonly commit: string
  readonly docs: ReadonlyMap<string, GitDocLock>
}

export interface Lockfile {
  /** NSIDs asked for directly (`lexicons` in the file); the rest came in as references. */
  readonly roots: readonly string[]
  readonly network: ReadonlyMap<string, NetworkLock>
  readonly git: readonly GitLock[]
}

export const emptyLockfile: Lockfile = { roots: [], network: new Map(), git: [] }

/** Every locked NSID with its CID, whichever source it came from. */
export function lockedCids(lock: Lockfile): Map<string, string> {
  const cids = new Map<string, string>()
  for (const [nsid, { cid }] of lock.network) cids.set(nsid, cid)
  for (const source of lock.git) for (const [nsid, { cid }] of source.docs) cids.set(nsid, cid)
  return cids
}

/**
 * How `lock` differs from `expected` (what a pull from the same sources writes), one line per NSID;
 * empty when both pin the same docs from the same places. (A CID that differs never gets here:
 * resolving stops at it.)
 */
export function lockDrift(lock: Lockfile, expected: Lockfile): string[] {
  const [pinned, found] = [placesOf(lock), placesOf(expected)]
  const lines: string[] = []
  for (const nsid of [...new Set([...pinned.keys(), ...found.keys()])].sort(compare)) {
    const [was, is] = [pinned.get(nsid), found.get(nsid)]
    if (was === undefined) lines.push(`${nsid}: not pinned, but ${is} is referenced by what is`)
    else if (is === undefined) lines.push(`${nsid}: pinned (${was}), but nothing the config or the lockfile asks for references it`)
    else if (was !== is) lines.push(`${nsid}: pinned from ${was}, but a pull takes it from ${is}`)
  }
  for (const nsid of expected.roots) if (!lock.roots.includes(nsid)) lines.push(`${nsid}: asked for by the config, not in the lockfile's "lexicons"`)
  return lines
}

/**
 * Where the docs come from, as it changed between `before` and `after`, one line each: a git
 * source's new commit, and a network doc now taken from another repository than before (an
 * authority that moved its schemas, or a DNS record someone changed: the change report alone
 * would show the docs as unchanged when the new repository serves the same ones).
 */
export function sourceChanges(before: Lockfile, after: Lockfile): string[] {
  const lines: string[] = []
  for (const source of after.git) {
    const old = before.git.find((entry) => entry.url === source.url && entry.folder === source.folder)
    if (!old || old.commit === source.commit) continue
    // Each commit with the ref it came from, when the config moved the ref too (v1 → v2).
    const [was, is] = [old.commit.slice(0, 12), source.commit.slice(0, 12)]
    const change = old.ref === source.ref ? `${source.ref} ${was} → ${is}` : `${old.ref} ${was} → ${source.ref} ${is}`
    lines.push(`git source ${source.url}${source.folder ? ` (${source.folder}/)` : ''}: ${change}`)
  }
  // The repository is the at-uri's DID; docs that moved together are one line.
  const moved = new Map<string, { was: string; is: string; nsids: string[] }>()
  for (const [nsid, { uri }] of after.network) {
    const [was, is] = [before.network.get(nsid)?.uri.split('/')[2], uri.split('/')[2]!]
    if (was === undefined || was === is) continue
    const group = moved.get(`${was} ${is}`) ?? { was, is, nsids: [] }
    group.nsids.push(nsid)
    moved.set(`${was} ${is}`, group)
  }
  for (const { was, is, nsids } of moved.values()) lines.push(`${nsids.join(', ')}: now from ${is} (was ${was}): check that the authority moved its schemas there`)
  return lines
}

/** Where each locked doc comes from, in words. */
function placesOf(lock: Lockfile): Map<string, string> {
  const places = new Map<string, string>()
  for (const [nsid, { uri }] of lock.network) places.set(nsid, uri)
  for (const source of lock.git) for (const [nsid, { path }] of source.docs) places.set(nsid, `git source ${source.url} at ${source.commit.slice(0, 12)}: ${path}`)
  return places
}

/** The lockfile at `file`, or undefined when there is none. Anything malformed is a LexgenError naming the key. */
export async function readLockfile(file: string): Promise<Lockfile | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new LexgenError(`cannot read lockfile: ${(error as Error).message}`, { file })
  }
  // A merge that conflicted on the lockfile, committed as it was: say so rather than where the JSON breaks.
  if (/^(<{7}|>{7})( |$)/m.test(text)) {
    throw new LexgenError(`the lockfile holds git merge conflict markers (<<<<<<<, >>>>>>>): take one side's version rather than merging the pins (\`git checkout --theirs -- ${basename(file)}\`, or --ours), then run \`${runner().lexgen} pull\`, which pins what the config asks for`, { file })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new LexgenError(`lockfile is not valid JSON (${describeJsonError(text, error as Error)}); fix it, or delete it and run \`${runner().lexgen} pull\` to write a new one`, { file })
  }
  return parseLockfile(json, file)
}

function parseLockfile(json: unknown, file: string): Lockfile {
  const fail = (path: string, reason: string): never => {
    throw new LexgenError(`${reason} (delete the lockfile and run \`${runner().lexgen} pull\` to write a new one)`, { file, path })
  }
  const root = record(json) ?? fail('', 'lockfile must be a JSON object')
  if (root.get('version') !== 1) fail('version', 'unsupported lockfile version (expected 1)')
  const roots = stringList(orAbsent(root.get('lexicons'), [])) ?? fail('lexicons', 'must be an array of NSIDs')
  roots.forEach((nsid, i) => NSID.isValid(nsid) || fail(`lexicons[${i}]`, `'${nsid}' is not an NSID`))

  const network = new Map<string, NetworkLock>()
  for (const [nsid, value] of record(orAbsent(root.get('resolutions'), {})) ?? fail('resolutions', 'must be an object')) {
    const path = `resolutions[${JSON.stringify(nsid)}]`
    if (!NSID.isValid(nsid)) fail(path, `'${nsid}' is not an NSID`)
    const entry = record(value)
    const uri = entry?.get('uri')
    const cid = entry?.get('cid')
    if (typeof uri !== 'string' || !uri.startsWith('at://') || !uri.endsWith(`/${SCHEMA_COLLECTION}/${nsid}`)) {
      fail(`${path}.uri`, `must be at://<did>/${SCHEMA_COLLECTION}/${nsid}`)
    }
    if (typeof cid !== 'string' || !isCid(cid)) fail(`${path}.cid`, 'must be a CID')
    network.set(nsid, { uri: uri as string, cid: cid as string })
  }

  const git: GitLock[] = []
  const sources = orAbsent(root.get('git'), [])
  if (!Array.isArray(sources)) fail('git', 'must be an array')
  ;(sources as unknown[]).forEach((value, i) => {
    const entry = record(value) ?? fail(`git[${i}]`, 'must be an object')
    const text = (key: string) => {
      const v = entry.get(key)
      return typeof v === 'string' ? v : fail(`git[${i}].${key}`, 'must be a string')
    }
    const commit = text('commit')
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) fail(`git[${i}].commit`, 'must be a full commit id')
    const docs = new Map<string, GitDocLock>()
    for (const [nsid, doc] of record(entry.get('lexicons')) ?? fail(`git[${i}].lexicons`, 'must be an object')) {
      const path = `git[${i}].lexicons[${JSON.stringify(nsid)}]`
      if (!NSID.isValid(nsid)) fail(path, `'${nsid}' is not an NSID`)
      if (network.has(nsid)) fail(path, `'${nsid}' is also in resolutions`)
      const fields = record(doc)
      const docPath = fields?.get('path')
      const cid = fields?.get('cid')
      if (typeof docPath !== 'string' || !docPath.endsWith('.json')) fail(`${path}.path`, 'must be the path of a .json file')
      if (typeof cid !== 'string' || !isCid(cid)) fail(`${path}.cid`, 'must be a CID')
      docs.set(nsid, { path: docPath as string, cid: cid as string })
    }
    // A source always gives at least the docs its include selects: none pinned is a damaged lockfile.
    if (docs.size === 0) fail(`git[${i}].lexicons`, 'pins no doc, though a git source always gives some')
    const patterns = (key: string) => stringList(orAbsent(entry.get(key), [])) ?? fail(`git[${i}].${key}`, 'must be an array of strings')
    git.push({ url: text('url'), ref: text('ref'), folder: text('folder'), include: patterns('include'), exclude: patterns('exclude'), commit, docs })
  })
  return { roots, network, git }
}

/** The lockfile as JSON text: keys sorted, so the same content always gives the same bytes. */
export function formatLockfile(lock: Lockfile): string {
  const sorted = <T>(map: ReadonlyMap<string, T>) => Object.fromEntries([...map].sort(([a], [b]) => compare(a, b)))
  const json = {
    version: 1,
    lexicons: [...new Set(lock.roots)].sort(compare),
    resolutions: sorted(new Map([...lock.network].map(([nsid, { uri, cid }]) => [nsid, { uri, cid }]))),
    ...(lock.git.length
      ? {
          git: lock.git.map((source) => ({
            url: source.url,
            ref: source.ref,
            folder: source.folder,
            include: source.include,
            exclude: source.exclude,
            commit: source.commit,
            lexicons: sorted(new Map([...source.docs].map(([nsid, { path, cid }]) => [nsid, { path, cid }]))),
          })),
        }
      : {}),
  }
  return `${JSON.stringify(json, null, 2)}\n`
}

/** `fallback` for a key that is absent; `null` stays, to be refused as the wrong type. */
function orAbsent<T>(value: unknown, fallback: T): unknown {
  return value === undefined ? fallback : value
}

/** A JSON object's own entries as a Map (wire data never becomes a key into a prototype-bearing object). */
function record(value: unknown): Map<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  return new Map(Object.entries(value))
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined
}

/** A CIDv1 in base32 (what `Cid.toString()` prints); the real check is equality with a computed CID. */
function isCid(value: string): boolean {
  return /^b[a-z2-7]{20,}$/.test(value)
}
