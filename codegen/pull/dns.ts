/**
 * NSID → DID through DNS, as the atproto Lexicon spec has it: the authority of
 * `com.example.feed.post` is `feed.example.com`, and the TXT record `_lexicon.feed.example.com`
 * holds `did=<did>` for the repository that publishes its schemas. The resolver is injectable
 * (tests serve records from memory); production uses `node:dns`.
 */
import { resolveTxt } from 'node:dns/promises'
import { NSID } from '@atproto/syntax'
import { LexgenError } from '../errors.js'
import { printable } from './text.js'

/** `node:dns/promises`' `resolveTxt`: each record as its character-string chunks. */
export type ResolveTxt = (hostname: string) => Promise<string[][]>

export const systemResolveTxt: ResolveTxt = (hostname) => resolveTxt(hostname)

/** `feed.example.com` for `com.example.feed.post`, and for the pattern `com.example.feed.*`. */
export function authorityOf(nsidOrPattern: string): string {
  const nsid = nsidOrPattern.endsWith('.*') ? `${nsidOrPattern.slice(0, -2)}.x` : nsidOrPattern
  return NSID.parse(nsid).authority.toLowerCase()
}

/** The DID named by `_lexicon.<authority>`; `what` (an NSID or pattern) leads every error message. */
export async function authorityDid(authority: string, what: string, resolve: ResolveTxt): Promise<string> {
  const name = `_lexicon.${authority}`
  let records: string[][]
  try {
    records = await resolve(name)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTFOUND' || code === 'ENODATA') throw new LexgenError(`${what}: no lexicon authority: DNS has no TXT record at ${name}`)
    throw new LexgenError(`${what}: DNS lookup of TXT ${name} failed (${printable(code ?? (error as Error).message)})`)
  }
  const dids = records.map((chunks) => chunks.join('')).filter((text) => text.startsWith('did='))
  if (dids.length === 0) throw new LexgenError(`${what}: no lexicon authority: no "did=" TXT record at ${name}`)
  if (dids.length > 1) throw new LexgenError(`${what}: ${dids.length} "did=" TXT records at ${name}; exactly one must name the authority`)
  const did = dids[0]!.slice(4)
  if (!/^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/.test(did)) throw new LexgenError(`${what}: TXT ${name} names '${printable(did)}', which is not a DID`)
  return did
}
