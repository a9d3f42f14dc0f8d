import { cidForRecord } from '@atproto/repo'
import { LexgenError } from '../errors.js'

/**
 * The CID of a lexicon doc's JSON: DAG-CBOR, sha-256, as a PDS computes it for the record (a
 * doc pulled from the network keeps the record's `$type`, so its file hashes to the record CID).
 */
export async function docCid(json: unknown, file: string): Promise<string> {
  try {
    return (await cidForRecord(json as Parameters<typeof cidForRecord>[0])).toString()
  } catch (error) {
    throw new LexgenError(`cannot compute the doc's CID: ${(error as Error).message}`, { file })
  }
}
