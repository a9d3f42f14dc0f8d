/**
 * Which docs a pull brings, and from where. Roots come from the git sources' `include` patterns
 * and from the network list (config, command line, and the lockfile's `lexicons`); every doc
 * then brings the docs it references, transitively. A referenced NSID comes from the first git
 * source whose folder holds it, else from its authority on the network.
 *
 * Without `update`, everything the lockfile pins is taken as pinned: a git source at its locked
 * commit, a network doc from its locked at-uri, and the result must have the locked CID (a doc
 * already in the lexicon folder with that CID is not fetched again). With `update`, refs are
 * fetched anew, network roots re-resolved through DNS and patterns re-listed.
 */
import { runner } from '../runner.js'
import { LexgenError, LexiconErrors } from '../errors.js'
import { describeJsonError, isLfsPointer, LFS_POINTER } from '../json-text.js'
import { depthProblem } from '../json-depth.js'
import { parseLexiconDocs } from '../parse.js'
import { counted } from '../plural.js'
import { selects } from '../select.js'
import { compare } from '../order.js'
import { docCid } from './cid.js'
import { matchesNetworkPattern, type GitSourceConfig, type PullConfig } from './config.js'
import { asLexicon, type Folder, type LexiconJson } from './folder.js'
import type { GitFile, GitRepository } from './git.js'
import { SCHEMA_COLLECTION, type GitDocLock, type Lockfile } from './lockfile.js'
import type { Network } from './network.js'
import type { Progress } from './progress.js'
import { referencedNsids } from './refs.js'
import { authorityOf } from './dns.js'
import { printable } from './text.js'

export type Origin = { readonly kind: 'network'; readonly uri: string } | { readonly kind: 'git'; readonly source: number; readonly path: string }

export interface PulledDoc {
  readonly nsid: string
  /** The file's content: the git blob as is, or the verified record as formatted JSON. */
  readonly text: string
  readonly json: LexiconJson
  readonly cid: string
  readonly origin: Origin
  /** Already in the lexicon folder with its locked CID: nothing was fetched. */
  readonly reused: boolean
}

export interface Resolution {
  /** By NSID, sorted. */
  readonly docs: ReadonlyMap<string, PulledDoc>
  readonly lock: Lockfile
  /** Files of git sources left out as no lexicon, for the user to see (a broken lexicon is one too). */
  readonly skipped: readonly string[]
}

export interface ResolveContext {
  readonly config: PullConfig
  readonly lock: Lockfile
  readonly update: boolean
  readonly folder: Folder
  readonly network: Network
  readonly openGit: (source: GitSourceConfig) => GitRepository
  readonly progress: Progress
}

/** A doc to obtain: a root (named by the config), or one `referrer` references. */
interface Wanted {
  readonly nsid: string
  readonly root: boolean
  readonly referrer?: string
}

/** How many docs are fetched at once. */
const CONCURRENCY = 8

export async function resolveLexicons(ctx: ResolveContext): Promise<Resolution> {
  const sources: OpenGitSource[] = []
  for (const [index, source] of ctx.config.git.entries()) sources.push(await openGitSource(ctx, source, index))
  const networkRoots = await networkRootsOf(ctx)
  for (const source of sources) {
    const both = source.roots.find((nsid) => networkRoots.includes(nsid))
    if (both) throw new LexgenError(`${both} is named both by pull.network and by git source ${source.config.url}; keep one`)
  }

  const docs = new Map<string, PulledDoc>()
  const started = new Set<string>()
  const obtain = async (nsid: string, root: boolean): Promise<string[]> => {
    const doc = (!root && (await fromGit(ctx, sources, nsid))) || (await fromNetwork(ctx, nsid))
    docs.set(nsid, doc)
    // One line per doc fetched over the network; git and unchanged docs are counted, not listed.
    if (doc.origin.kind === 'network' && !doc.reused) ctx.progress.item(docs.size, started.size, `${nsid} from ${doc.origin.uri.split('/')[2]}`)
    return referencedNsids(doc.json)
  }
  const initial: Wanted[] = [...networkRoots.map((nsid) => ({ nsid, root: true })), ...sources.flatMap((s) => s.roots.map((nsid) => ({ nsid, root: false })))]
  ctx.progress.phase(`resolving ${counted(initial.length, 'doc')} and what they reference`)
  await drain(initial, CONCURRENCY, async ({ nsid, root, referrer }) => {
    if (started.has(nsid)) return []
    started.add(nsid)
    let refs: string[]
    try {
      refs = await obtain(nsid, root)
    } catch (error) {
      // A doc nobody asked for by name: say who needs it, and that no git source has it.
      if (!(error instanceof LexgenError) || error instanceof LexiconErrors || referrer === undefined) throw error
      const where = sources.length ? `; no git source has it, so it was looked for on the network` : ''
      throw new LexgenError(`${error.message} (${nsid} is referenced by ${referrer}${where})`)
    }
    return refs.filter((ref) => !started.has(ref)).map((ref) => ({ nsid: ref, root: false, referrer: nsid }))
  })

  const sorted = new Map([...docs].sort(([a], [b]) => compare(a, b)))
  const network = new Map<string, { uri: string; cid: string }>()
  for (const doc of sorted.values()) if (doc.origin.kind === 'network') network.set(doc.nsid, { uri: doc.origin.uri, cid: doc.cid })
  const git = sources.map((source) => {
    const locked = new Map<string, GitDocLock>()
    for (const doc of sorted.values()) if (doc.origin.kind === 'git' && doc.origin.source === source.index) locked.set(doc.nsid, { path: doc.origin.path, cid: doc.cid })
    const { url, ref, folder, include, exclude } = source.config
    return { url, ref, folder, include, exclude, commit: source.commit, docs: locked }
  })
  return { docs: sorted, lock: { roots: [...networkRoots].sort(compare), network, git }, skipped: sources.flatMap((source) => source.skipped) }
}

// ---------------------------------------------------------------------------------------------
// Git sources

interface GitDoc {
  readonly path: string
  readonly text: string
  readonly json: LexiconJson
  /** Known when the doc was taken from the lexicon folder by its locked CID. */
  readonly cid?: string
  readonly reused: boolean
}

interface OpenGitSource {
  readonly index: number
  readonly config: GitSourceConfig
  readonly commit: string
  /** NSIDs its `include` selects (or, when pinned and unchanged, the locked set). */
  readonly roots: readonly string[]
  /** The docs it can give, by NSID. */
  readonly files: ReadonlyMap<string, GitDoc>
  /** Its `.json` files that are not JSON, each with why: no lexicon can be read from them. */
  readonly skipped: readonly string[]
}

async function openGitSource(ctx: ResolveContext, config: GitSourceConfig, index: number): Promise<OpenGitSource> {
  const locked = ctx.lock.git.find((entry) => entry.url === config.url && entry.folder === config.folder)
  const label = `git source ${config.url}${config.folder ? ` (${config.folder}/)` : ''}`
  const repo = () => ctx.openGit(config)
  if (ctx.update || !locked) {
    ctx.progress.phase(`fetching ${config.ref} of ${label}`)
    const commit = await repo().fetchRef()
    return indexTree(ctx, config, index, commit, await repo().read(commit), label)
  }
  if (locked.ref !== config.ref) {
    throw new LexgenError(`${label}: the config asks for ref '${config.ref}' but ${lockName(ctx)} pins '${locked.ref}' (${locked.commit}); run \`${runner().lexgen} pull --update\``)
  }
  const samePatterns = sameList(locked.include, config.include) && sameList(locked.exclude, config.exclude)
  // A doc in the folder that the patterns select but the lockfile does not pin: a pin lost (a bad
  // merge of the lockfile), so the source is read again at the locked commit to pin it anew.
  const selected = selects(config)
  const lostPin = [...ctx.folder.docs.keys()].some((nsid) => selected(nsid) && !locked.docs.has(nsid))
  if (samePatterns && !lostPin) {
    // Pinned and unchanged: when the folder already holds every locked doc, git is not needed.
    const local = new Map<string, GitDoc>()
    for (const [nsid, doc] of locked.docs) {
      const found = await localWithCid(ctx.folder, nsid, doc.cid)
      if (!found) break
      local.set(nsid, { path: doc.path, ...found, cid: doc.cid, reused: true })
    }
    if (local.size === locked.docs.size) return { index, config, commit: locked.commit, roots: [...locked.docs.keys()], files: local, skipped: [] }
  }
  ctx.progress.phase(`fetching ${locked.commit.slice(0, 12)} of ${label}`)
  await repo().fetchCommit(locked.commit)
  const source = await indexTree(ctx, config, index, locked.commit, await repo().read(locked.commit), label)
  // Unchanged patterns select at the locked commit what they selected when it was pinned: the locked docs, and any pin lost since.
  return samePatterns ? { ...source, roots: [...new Set([...source.roots, ...locked.docs.keys()])].filter((nsid) => source.files.has(nsid)).sort(compare) } : source
}

async function indexTree(ctx: ResolveContext, config: GitSourceConfig, index: number, commit: string, files: GitFile[], label: string): Promise<OpenGitSource> {
  const byNsid = new Map<string, GitDoc>()
  // Files that are no lexicon as read: `path is why`.
  const unreadable: string[] = []
  for (const file of files) {
    // Hidden files are no lexicons, as in a lexicon folder (load.ts): `.vscode/settings.json`.
    if (file.path.split('/').some((segment) => segment.startsWith('.'))) continue
    let json: unknown
    try {
      json = JSON.parse(file.text)
    } catch (error) {
      // Not JSON, so not a lexicon either (a tsconfig.json with comments, in a repository whose
      // root holds the lexicons); said, as a lexicon broken upstream is one too.
      unreadable.push(`${file.path} is ${isLfsPointer(file.text) ? LFS_POINTER : `not valid JSON (${describeJsonError(file.text, error as Error)})`}`)
      continue
    }
    const tooDeep = depthProblem(json)
    if (tooDeep) {
      unreadable.push(`${file.path} is ${tooDeep}`)
      continue
    }
    const doc = asLexicon(file.text)
    if (!doc || (json as { lexicon?: unknown }).lexicon === undefined) continue // JSON that is not a lexicon doc (a package.json, a fixture)
    const twin = byNsid.get(doc.id)
    if (twin) throw new LexgenError(`${label} at ${commit.slice(0, 12)}: ${file.path} and ${twin.path} both define ${doc.id}`)
    byNsid.set(doc.id, { path: file.path, text: file.text, json: doc, reused: false })
  }
  const roots = [...byNsid.keys()].filter(selects(config)).sort(compare)
  if (roots.length === 0) {
    // The files it could not read may be why (all of them Git LFS pointers, or bad JSON): said, not dropped.
    const why = unreadable.length ? `; ${counted(unreadable.length, 'file')} could not be read: ${unreadable.slice(0, 3).join('; ')}${unreadable.length > 3 ? '; …' : ''}` : ''
    throw new LexgenError(`${label}: include ${config.include.map((p) => `'${p}'`).join(', ')} matches no lexicon at ${commit.slice(0, 12)}${why}`)
  }
  const skipped = unreadable.map((line) => `${label} at ${commit.slice(0, 12)}: ${line}: skipped`)
  ctx.progress.phase(`${label}: ${counted(byNsid.size, 'doc')} at ${commit.slice(0, 12)}, ${roots.length} selected`)
  return { index, config, commit, roots, files: byNsid, skipped }
}

async function fromGit(ctx: ResolveContext, sources: readonly OpenGitSource[], nsid: string): Promise<PulledDoc | undefined> {
  const source = sources.find((s) => s.files.has(nsid))
  if (!source) return undefined
  const file = source.files.get(nsid)!
  const where = `git source ${source.config.url} at ${source.commit.slice(0, 12)}: ${file.path}`
  checkDoc(file.json, nsid, where)
  const cid = file.cid ?? (await docCid(file.json, where))
  const locked = ctx.update ? undefined : ctx.lock.git.find((g) => g.url === source.config.url && g.commit === source.commit)?.docs.get(nsid)
  if (locked && locked.cid !== cid) throw cidMismatch(ctx, nsid, where, cid, locked.cid)
  return { nsid, text: file.text, json: file.json, cid, origin: { kind: 'git', source: source.index, path: file.path }, reused: file.reused }
}

// ---------------------------------------------------------------------------------------------
// Network

/** NSIDs to resolve over the network as roots (see the module comment for what `update` changes). */
async function networkRootsOf(ctx: ResolveContext): Promise<string[]> {
  const patterns = ctx.config.network.filter((p) => p.endsWith('.*'))
  const named = ctx.config.network.filter((p) => !p.endsWith('.*'))
  const covered = (nsid: string) => patterns.some((pattern) => matchesNetworkPattern(pattern, nsid))
  // A locked root no pattern covers was asked for by name (maybe on an earlier command line): it stays.
  const roots = new Set([...named, ...(ctx.update ? ctx.lock.roots.filter((nsid) => !covered(nsid)) : ctx.lock.roots)])
  for (const pattern of patterns) {
    if (!ctx.update && ctx.lock.roots.some((nsid) => matchesNetworkPattern(pattern, nsid))) continue
    ctx.progress.phase(`listing ${pattern}`)
    const listed = await ctx.network.list(pattern)
    if (listed.length === 0) throw new LexgenError(`${pattern}: the authority's repository has no ${SCHEMA_COLLECTION} record under it`)
    for (const nsid of listed) roots.add(nsid)
  }
  return [...roots].sort(compare)
}

async function fromNetwork(ctx: ResolveContext, nsid: string): Promise<PulledDoc> {
  const locked = ctx.update ? undefined : ctx.lock.network.get(nsid)
  if (locked) {
    const local = await localWithCid(ctx.folder, nsid, locked.cid)
    if (local) return { nsid, ...local, cid: locked.cid, origin: { kind: 'network', uri: locked.uri }, reused: true }
  }
  // The authority's repository, as DNS names it now: a pinned at-uri elsewhere (an edited lockfile,
  // or schemas that moved) would fetch, and pin, another publisher's doc.
  const located = await ctx.network.locate(nsid)
  if (locked && locked.uri !== located) {
    throw new LexgenError(
      `${nsid}: ${lockName(ctx)} pins ${locked.uri}, but DNS (_lexicon.${authorityOf(nsid)}) names ${located.split('/')[2]}: the authority moved its schemas, or ${lockName(ctx)} was edited. ` +
        `Check which, then \`${runner().lexgen} pull --update\` takes the authority's (review its report)`,
    )
  }
  const uri = located
  const fetched = await ctx.network.fetch(nsid, uri)
  if (locked && fetched.cid !== locked.cid) throw cidMismatch(ctx, nsid, `${uri}`, fetched.cid, locked.cid)
  checkDoc(fetched.record, nsid, uri)
  return { nsid, text: formatRecord(fetched.record), json: fetched.record as LexiconJson, cid: fetched.cid, origin: { kind: 'network', uri }, reused: false }
}

/** The record as a file: `$type`, `lexicon`, `id`, `revision`, `description`, `defs` first, then the rest as the record holds them. */
function formatRecord(record: Record<string, unknown>): string {
  const first = ['$type', 'lexicon', 'id', 'revision', 'description', 'defs'].filter((key) => Object.hasOwn(record, key))
  const ordered = Object.fromEntries([...first, ...Object.keys(record).filter((key) => !first.includes(key))].map((key) => [key, record[key]]))
  return `${JSON.stringify(ordered, null, 2)}\n`
}

// ---------------------------------------------------------------------------------------------
// Shared checks

/** A fetched doc must be a valid lexicon doc for the NSID it was fetched as. */
function checkDoc(json: unknown, nsid: string, where: string): void {
  const { problems } = parseLexiconDocs({ files: [{ file: where, json }], problems: [] })
  if (problems.length) throw new LexiconErrors(problems)
  const id = (json as { id: unknown }).id
  if (id !== nsid) {
    // Only a record can be keyed otherwise than its doc (git docs are found by their id).
    throw new LexgenError(
      `${nsid}: the record at ${where} holds the doc '${printable(String(id))}', not ${nsid}: only its publisher can fix that. ` +
        `Until then, a pattern that lists it fails: name the NSIDs you need in pull.network instead`,
    )
  }
}

/** The folder's doc for `nsid` when its CID is `cid`. */
async function localWithCid(folder: Folder, nsid: string, cid: string): Promise<{ text: string; json: LexiconJson } | undefined> {
  const local = folder.docs.get(nsid)
  if (!local) return undefined
  if ((await docCid(local.json, local.path).catch(() => undefined)) !== cid) return undefined
  return { text: local.text, json: local.json }
}

function cidMismatch(ctx: ResolveContext, nsid: string, where: string, got: string, locked: string): LexgenError {
  return new LexgenError(
    `${nsid}: CID mismatch: ${where} has ${got} but ${lockName(ctx)} locks ${locked}; run \`${runner().lexgen} pull --update\` to take the new version (and review its report)`,
  )
}

function lockName(ctx: ResolveContext): string {
  return ctx.config.lockfile.split(/[\\/]/).at(-1)!
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((item, i) => item === b[i])
}

/** Runs `work` over `items` and whatever items it returns, `limit` at a time; the first failure rejects. */
function drain<T>(items: readonly T[], limit: number, work: (item: T) => Promise<T[]>): Promise<void> {
  return new Promise((resolve, reject) => {
    const queue = [...items]
    let active = 0
    let failed = false
    const pump = () => {
      if (failed) return
      if (queue.length === 0 && active === 0) return resolve()
      while (active < limit && queue.length) {
        active++
        work(queue.shift()!).then(
          (more) => {
            active--
            queue.push(...more)
            pump()
          },
          (error: unknown) => {
            failed = true
            reject(error)
          },
        )
      }
    }
    pump()
  })
}
