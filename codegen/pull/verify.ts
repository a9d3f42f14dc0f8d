/**
 * Checks what `com.atproto.sync.getRecord` returned, as `@atproto/lex` does, with
 * `@atproto/repo`'s own primitives: the CAR's blocks must hash to their CIDs, its root must be a
 * commit of the expected repository signed by the key in the DID document, and the record must
 * be reachable from that commit's MST under `<collection>/<rkey>`. The record is then read from
 * the block whose CID the MST names, so its CID is proven, not claimed. A PDS answers for a
 * missing record with a proof of its absence (the MST path where it would be).
 */
import { MST, MemoryBlockstore, def, formatDataKey, readCarWithRoot, verifyCommitSig } from '@atproto/repo'
import { depthProblem } from '../json-depth.js'

/** Why a proof was refused; the caller adds the NSID and the URI. */
export class ProofError extends Error {
  override readonly name = 'ProofError'
}

/** A proven record that cannot be a lexicon doc (not plain JSON, or nested too deep); the caller adds the NSID and the URI. */
export class RecordError extends Error {
  override readonly name = 'RecordError'
}

export interface VerifiedRecord {
  readonly cid: string
  /** The record as plain JSON values (no CID links or bytes: a lexicon doc has none). */
  readonly record: Record<string, unknown>
}

/** The verified record, or undefined when the signed commit proves there is none. */
export async function verifyRecordProof(car: Uint8Array, did: string, signingKey: string, collection: string, rkey: string): Promise<VerifiedRecord | undefined> {
  const { root, blocks } = await attempt('not a valid CAR file', () => readCarWithRoot(car))
  const store = new MemoryBlockstore(blocks)
  const commit = await attempt('the CAR root is not a repository commit', () => store.readObj(root, def.commit))
  if (commit.did !== did) throw new ProofError(`the commit belongs to ${commit.did}, not ${did}`)
  if (!(await attempt('the commit signature cannot be checked', () => verifyCommitSig(commit, signingKey)))) {
    throw new ProofError(`the commit signature does not match the signing key of ${did}`)
  }
  const cid = await attempt('the proof does not reach the record', () => MST.load(store, commit.data).get(formatDataKey(collection, rkey)))
  if (!cid) return undefined
  const record = await attempt('the record block is missing or not a record', () => store.readRecord(cid))
  // Checked before plainJson walks it, recursively (json-depth.ts).
  const tooDeep = depthProblem(record)
  if (tooDeep) throw new RecordError(`is ${tooDeep}`)
  return { cid: cid.toString(), record: plainJson(record, []) as Record<string, unknown> }
}

async function attempt<T>(reason: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw new ProofError(`${reason} (${(error as Error).message})`)
  }
}

/** The value itself when it is plain JSON data; a ProofError naming the path otherwise. */
function plainJson(value: unknown, path: string[]): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  if (Array.isArray(value)) {
    value.forEach((item, i) => plainJson(item, [...path, String(i)]))
    return value
  }
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    for (const [key, child] of Object.entries(value)) plainJson(child, [...path, key])
    return value
  }
  throw new RecordError(`holds a non-JSON value at ${path.join('.') || 'its root'} (a CID link or bytes)`)
}
