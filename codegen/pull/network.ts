/**
 * Lexicons from the atproto network: authority (DNS) → DID document (`did:plc` through the PLC
 * directory, `did:web` through its host; `@atproto/identity`) → the repository's PDS →
 * `com.atproto.sync.getRecord` for the `com.atproto.lexicon.schema` record keyed by the NSID,
 * whose proof `verify.ts` checks. Every failure is a one-line LexgenError led by the NSID.
 * Lookups are memoized per run: one DNS query per authority, one DID document per DID.
 */
import { DidResolver, getKey, getPds } from '@atproto/identity'
import { NSID } from '@atproto/syntax'
import { LexgenError } from '../errors.js'
import { matchesNetworkPattern } from './config.js'
import { authorityDid, authorityOf, systemResolveTxt, type ResolveTxt } from './dns.js'
import { SCHEMA_COLLECTION } from './lockfile.js'
import { printable } from './text.js'
import { ProofError, RecordError, verifyRecordProof } from './verify.js'

export interface NetworkOptions {
  readonly resolveTxt?: ResolveTxt
  /** The PLC directory (default https://plc.directory). */
  readonly plcUrl?: string
  /** Per request (default 15 s). */
  readonly timeoutMs?: number
}

/** A schema record, its proof checked. */
export interface FetchedRecord {
  readonly cid: string
  readonly record: Record<string, unknown>
}

interface Repo {
  readonly pds: string
  readonly signingKey: string
}

/** A getRecord proof is a commit, an MST path and one record: a few KiB. Anything this big is hostile. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024
const MAX_LIST_PAGES = 100

export class Network {
  private readonly resolveTxt: ResolveTxt
  private readonly didResolver: DidResolver
  private readonly timeoutMs: number
  private readonly authorities = new Map<string, Promise<string>>()
  private readonly repos = new Map<string, Promise<Repo>>()

  constructor(options: NetworkOptions = {}) {
    this.resolveTxt = options.resolveTxt ?? systemResolveTxt
    this.timeoutMs = options.timeoutMs ?? 15_000
    this.didResolver = new DidResolver({ timeout: this.timeoutMs, ...(options.plcUrl ? { plcUrl: options.plcUrl } : {}) })
  }

  /** `at://<did>/com.atproto.lexicon.schema/<nsid>`, the DID coming from the authority's TXT record. */
  async locate(nsid: string): Promise<string> {
    return schemaUri(await this.authority(authorityOf(nsid), nsid), nsid)
  }

  /** The NSIDs an `<authority>.*` pattern names: the schema records in the authority's repository under that authority. */
  async list(pattern: string): Promise<string[]> {
    const authority = authorityOf(pattern)
    const did = await this.authority(authority, pattern)
    const repo = await this.repo(did, pattern)
    const found: string[] = []
    const seen = new Set<string>()
    let cursor: string | undefined
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const query = new URLSearchParams({ repo: did, collection: SCHEMA_COLLECTION, limit: '100', ...(cursor ? { cursor } : {}) })
      const body = await this.request(repo.pds, `com.atproto.repo.listRecords?${query}`, pattern, `listing ${SCHEMA_COLLECTION} records of ${did}`)
      const json = parseJson(body) as { records?: unknown; cursor?: unknown } | undefined
      if (!json || !Array.isArray(json.records)) throw new LexgenError(`${pattern}: ${repo.pds} answered listRecords with something that is not a record list`)
      for (const item of json.records as { uri?: unknown }[]) {
        const rkey = typeof item?.uri === 'string' ? item.uri.split('/').at(-1) : undefined
        if (rkey && NSID.isValid(rkey) && matchesNetworkPattern(pattern, rkey)) found.push(rkey)
      }
      if (typeof json.cursor !== 'string' || json.records.length === 0 || seen.has(json.cursor)) break
      seen.add(json.cursor)
      cursor = json.cursor
    }
    return found
  }

  /** The verified schema record at `uri` (as `locate` builds it, or from the lockfile). */
  async fetch(nsid: string, uri: string): Promise<FetchedRecord> {
    const did = didOf(uri, nsid)
    const repo = await this.repo(did, nsid)
    const query = new URLSearchParams({ did, collection: SCHEMA_COLLECTION, rkey: nsid })
    const car = await this.request(repo.pds, `com.atproto.sync.getRecord?${query}`, nsid, `fetching ${uri}`)
    let verified
    try {
      verified = await verifyRecordProof(car, did, repo.signingKey, SCHEMA_COLLECTION, nsid)
    } catch (error) {
      if (error instanceof ProofError) throw new LexgenError(`${nsid}: invalid proof or signature from ${repo.pds} for ${uri}: ${printable(error.message, 300)}`)
      if (error instanceof RecordError) throw new LexgenError(`${nsid}: the record at ${uri} ${error.message}`)
      throw error
    }
    if (!verified) throw new LexgenError(`${nsid}: record missing: ${repo.pds} has no record for ${uri} (its signed commit proves it)`)
    if (verified.record.$type !== SCHEMA_COLLECTION) {
      throw new LexgenError(`${nsid}: ${uri} is not a ${SCHEMA_COLLECTION} record ($type ${printable(String(verified.record.$type))})`)
    }
    return verified
  }

  private authority(authority: string, what: string): Promise<string> {
    let did = this.authorities.get(authority)
    if (!did) {
      did = authorityDid(authority, what, this.resolveTxt)
      this.authorities.set(authority, did)
    }
    return did
  }

  private repo(did: string, what: string): Promise<Repo> {
    let repo = this.repos.get(did)
    if (!repo) {
      repo = this.resolveRepo(did, what)
      this.repos.set(did, repo)
    }
    return repo
  }

  private async resolveRepo(did: string, what: string): Promise<Repo> {
    let doc
    try {
      doc = await this.didResolver.resolve(did)
    } catch (error) {
      throw new LexgenError(`${what}: DID not resolvable: ${did} (${printable((error as Error).message)})`)
    }
    if (!doc) throw new LexgenError(`${what}: DID not resolvable: ${did} has no DID document`)
    const signingKey = getKey(doc)
    const pds = getPds(doc)
    if (!signingKey) throw new LexgenError(`${what}: the DID document of ${did} has no atproto signing key`)
    if (!pds || !URL.canParse(pds)) throw new LexgenError(`${what}: the DID document of ${did} names no PDS (#atproto_pds service)`)
    return { pds: pds.replace(/\/+$/, ''), signingKey }
  }

  /** GET `<pds>/xrpc/<path>`: the body of a 200, else a LexgenError saying what failed. */
  private async request(pds: string, path: string, what: string, doing: string): Promise<Uint8Array> {
    let res: Response
    try {
      res = await fetch(`${pds}/xrpc/${path}`, { headers: { 'cache-control': 'no-cache' }, signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (error) {
      // fetch says only "fetch failed": why is its cause's code (ECONNREFUSED) or message (redirect count exceeded).
      const { cause } = error as { cause?: { code?: string; message?: string } }
      const reason = cause?.code ?? cause?.message ?? (error as Error).name
      const said = reason === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : printable(reason)
      throw new LexgenError(`${what}: PDS unreachable: ${pds} (${said}) while ${doing}`)
    }
    const body = await readCapped(res, what, pds)
    if (res.ok) return body
    const error = (parseJson(body) as { error?: unknown } | undefined)?.error
    const name = typeof error === 'string' ? printable(error, 60) : undefined
    if (name === 'RecordNotFound' || (res.status === 404 && path.startsWith('com.atproto.sync.getRecord'))) {
      throw new LexgenError(`${what}: record missing: ${pds} has no record for ${doing.replace(/^fetching /, '')}`)
    }
    throw new LexgenError(`${what}: ${pds} answered HTTP ${res.status}${name ? ` ${name}` : ''} while ${doing}`)
  }
}

function schemaUri(did: string, nsid: string): string {
  return `at://${did}/${SCHEMA_COLLECTION}/${nsid}`
}

function didOf(uri: string, nsid: string): string {
  const match = /^at:\/\/(did:[^/]+)\/([^/]+)\/([^/]+)$/.exec(uri)
  if (!match || match[2] !== SCHEMA_COLLECTION || match[3] !== nsid) throw new LexgenError(`${nsid}: '${printable(uri)}' is not the at-uri of its schema record`)
  return match[1]!
}

async function readCapped(res: Response, what: string, pds: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for await (const chunk of res.body ?? []) {
      size += chunk.byteLength
      // Leaving the loop cancels the body (the stream is locked to it: cancelling it here would throw).
      if (size > MAX_RESPONSE_BYTES) throw new LexgenError(`${what}: ${pds} sent more than ${MAX_RESPONSE_BYTES / 2 ** 20} MiB; refusing it`)
      chunks.push(chunk)
    }
  } catch (error) {
    if (error instanceof LexgenError) throw error
    throw new LexgenError(`${what}: PDS unreachable: ${pds} broke off its answer (${printable((error as Error).message)})`)
  }
  return Buffer.concat(chunks)
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'))
  } catch {
    return undefined
  }
}
