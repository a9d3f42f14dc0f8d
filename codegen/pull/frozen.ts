/**
 * `lexgen pull --frozen`, the CI check: does the lexicon folder hold exactly what the lockfile
 * pins, and does the lockfile still answer the config? No network, no git, nothing written.
 */
import type { LoadedLexicons } from '../load.js'
import { compare } from '../order.js'
import { docCid } from './cid.js'
import { namesNsid, type PullConfig } from './config.js'
import { docPath } from './folder.js'
import type { Lockfile } from './lockfile.js'

/** Every mismatch, one line each; both empty when the folder and config match the lockfile. */
export interface FrozenProblems {
  /** What `lexgen pull` puts right: config changes, pinned docs missing or moved. */
  readonly stale: readonly string[]
  /** A git source whose ref the config changed: for `lexgen pull --update`. */
  readonly newRef: readonly string[]
  /** Pinned docs edited in place: `lexgen pull --force` puts the pinned versions back. */
  readonly edited: readonly string[]
  /** Files generate reads that the lockfile does not pin, which pull keeps as they are. */
  readonly unpinned: readonly string[]
}

/** Checks the config and `loaded` (the folder's `.json` files, read as generate reads them) against the lockfile. */
export async function frozenProblems(config: PullConfig, lock: Lockfile, loaded: LoadedLexicons): Promise<FrozenProblems> {
  const stale: string[] = []
  const newRef: string[] = []
  for (const source of config.git) {
    const locked = lock.git.find((entry) => entry.url === source.url && entry.folder === source.folder)
    if (!locked) stale.push(`git source ${source.url} is not in the lockfile`)
    else if (locked.ref !== source.ref) newRef.push(`git source ${source.url}: the config asks for ref '${source.ref}', the lockfile pins '${locked.ref}'`)
    else if (!same(locked.include, source.include) || !same(locked.exclude, source.exclude)) {
      stale.push(`git source ${source.url}: include or exclude patterns changed in the config since the lockfile was written`)
    }
  }
  for (const entry of lock.git) {
    if (!config.git.some((source) => source.url === entry.url && source.folder === entry.folder)) stale.push(`git source ${entry.url} is locked but no longer configured`)
  }
  for (const wanted of config.network) {
    const locked = lock.roots.some((nsid) => namesNsid(wanted, nsid))
    if (!locked) stale.push(`${wanted} is configured but not in the lockfile`)
  }

  const pinned = new Map([...lock.network].map(([nsid, { cid }]) => [nsid, cid]))
  for (const source of lock.git) for (const [nsid, { cid }] of source.docs) pinned.set(nsid, cid)
  const files = new Map(loaded.files.map(({ file, json }) => [file, json]))
  // Files pull owns: each pinned NSID's path, and a pinned doc away from it (the first copy, as pull picks it: it moves that one back).
  const owned = new Set<string>()
  const edited: Promise<string | undefined>[] = []
  for (const [nsid, cid] of pinned) {
    const path = docPath(nsid)
    owned.add(path)
    const json = files.get(path)
    if (json !== undefined && idOf(json) === nsid) {
      edited.push(docCid(json, path).then((actual) => (actual === cid ? undefined : `${nsid}: ${path} has CID ${actual}, the lockfile pins ${cid}`), (error: Error) => `${nsid}: ${error.message}`))
      continue
    }
    const moved = loaded.files.find((other) => idOf(other.json) === nsid)?.file
    if (moved) owned.add(moved)
    const where = moved ? `at ${moved}, not ${path}` : json === undefined ? `missing (expected ${path})` : `${path} holds ${idOf(json) ?? 'no lexicon doc'} instead`
    stale.push(`${nsid}: ${where}`)
  }

  const unpinned: string[] = []
  for (const { file, json } of loaded.files) {
    if (owned.has(file)) continue
    const nsid = idOf(json)
    if (nsid === undefined) unpinned.push(`${file}: not a lexicon doc (no "id")`)
    else if (pinned.has(nsid)) unpinned.push(`${file}: a second copy of ${nsid} (pinned at ${docPath(nsid)})`)
    else unpinned.push(`${file}: ${nsid} is not pinned`)
  }
  for (const { file, message } of loaded.problems) unpinned.push(`${file}: ${message}`)
  return { stale, newRef, edited: (await Promise.all(edited)).filter((line): line is string => line !== undefined), unpinned: unpinned.sort(compare) }
}

function idOf(json: unknown): string | undefined {
  const id = typeof json === 'object' && json !== null ? (json as { id?: unknown }).id : undefined
  return typeof id === 'string' ? id : undefined
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i])
}
