/**
 * `lexgen pull --frozen`, the CI check: does the lexicon folder hold exactly what the lockfile
 * pins, and does the lockfile still answer the config? No network, no git, nothing written.
 */
import { docCid } from './cid.js'
import { matchesNetworkPattern, type PullConfig } from './config.js'
import { docPath, type Folder } from './folder.js'
import type { Lockfile } from './lockfile.js'

/** Every mismatch, one line each; empty when the folder and config match the lockfile. */
export async function frozenProblems(config: PullConfig, lock: Lockfile, folder: Folder): Promise<string[]> {
  const problems: string[] = []
  for (const source of config.git) {
    const locked = lock.git.find((entry) => entry.url === source.url && entry.folder === source.folder)
    if (!locked) problems.push(`git source ${source.url} is not in the lockfile`)
    else if (locked.ref !== source.ref || !same(locked.include, source.include) || !same(locked.exclude, source.exclude)) {
      problems.push(`git source ${source.url}: ref or patterns changed in the config since the lockfile was written`)
    }
  }
  for (const entry of lock.git) {
    if (!config.git.some((source) => source.url === entry.url && source.folder === entry.folder)) problems.push(`git source ${entry.url} is locked but no longer configured`)
  }
  for (const wanted of config.network) {
    const locked = wanted.endsWith('.*') ? lock.roots.some((nsid) => matchesNetworkPattern(wanted, nsid)) : lock.roots.includes(wanted)
    if (!locked) problems.push(`${wanted} is configured but not in the lockfile`)
  }

  const pinned = [...lock.network].map(([nsid, { cid }]) => [nsid, cid] as const)
  for (const source of lock.git) for (const [nsid, { cid }] of source.docs) pinned.push([nsid, cid])
  const checks = await Promise.all(
    pinned.map(async ([nsid, cid]) => {
      const local = folder.docs.get(nsid)
      if (!local) return `${nsid}: missing (expected ${docPath(nsid)})`
      if (local.path !== docPath(nsid)) return `${nsid}: at ${local.path}, not ${docPath(nsid)}`
      const actual = await docCid(local.json, local.path).catch(() => 'no CID')
      return actual === cid ? undefined : `${nsid}: ${local.path} has CID ${actual}, the lockfile pins ${cid}`
    }),
  )
  return [...problems, ...checks.filter((line): line is string => line !== undefined)]
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i])
}
