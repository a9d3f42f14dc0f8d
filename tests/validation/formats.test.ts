/**
 * The string formats on their own, fuzzed: random edits of valid strings (and the tricky
 * samples) through our format check and through @atproto/lexicon validating a field of that
 * format. The ports in runtime/formats.ts (datetime's separator quirks, CID decoding) must
 * agree on every string.
 */
import { describe, expect, it } from 'vitest'
import * as formats from '../../runtime/formats.js'
import { TRICKY, VALID } from './samples.js'
import { referenceLexicons, referenceVerdict } from './support.js'
import { Values } from './values.js'

const SEED = Number(process.env.VALIDATION_SEED) || Date.now() % 1_000_000
const lex = await referenceLexicons()
const random = new Values(new Map(), SEED)

const CHECKS: Record<string, { field: string; check: (value: string) => boolean; alphabet: string }> = {
  did: { field: 'did', check: formats.validDid, alphabet: 'did:plcweb%3A._-:Zé/ ' },
  handle: { field: 'handle', check: formats.validHandle, alphabet: 'abz09.-_Aé ' },
  'at-identifier': { field: 'atIdentifier', check: formats.validAtIdentifier, alphabet: 'did:plc.a-_9' },
  'at-uri': { field: 'atUri', check: formats.validAtUri, alphabet: 'at:/#?%.-_~abcAZ09 é[]@' },
  nsid: { field: 'nsid', check: formats.validNsid, alphabet: 'abzAZ09.-_*' },
  cid: { field: 'cid', check: formats.validCid, alphabet: 'abcdefghijklmnopqrstuvwxyz234567QmzB1l0O=Iä ' },
  datetime: { field: 'datetime', check: formats.validDatetime, alphabet: '0123456789-:TZ+.z/ *(,t' },
  uri: { field: 'uri', check: formats.validUri, alphabet: 'htps:/a.b_-é #?' },
  language: { field: 'language', check: formats.validLanguage, alphabet: 'enUSx-i0123abcdefghi_' },
  tid: { field: 'tid', check: formats.validTid, alphabet: '234567abcdefghijklmnopqrstuvwxyz01A' },
  'record-key': { field: 'recordKey', check: formats.validRecordKey, alphabet: 'ab:~_.-/ #%é' },
}

/** One to three random inserts, deletes or replacements. */
function edit(text: string, alphabet: string): string {
  let out = text
  for (let n = random.int(1, 3); n > 0; n--) {
    const at = random.int(0, out.length)
    const op = random.int(0, 2)
    const c = random.pick([...alphabet])
    out = op === 0 ? out.slice(0, at) + c + out.slice(at) : op === 1 ? out.slice(0, at) + out.slice(at + 1) : out.slice(0, at) + c + out.slice(at + 1)
  }
  return out
}

describe('string formats agree with @atproto/lexicon', () => {
  for (const [format, { field, check, alphabet }] of Object.entries(CHECKS)) {
    it(`${format}, seed ${SEED}`, () => {
      const seeds = [...VALID[format]!, ...TRICKY[format]!]
      const strings = new Set([...seeds, ...Array.from({ length: 1500 }, () => edit(random.pick(seeds), alphabet))])
      const differences: string[] = []
      let valid = 0
      for (const text of strings) {
        const ours = check(text)
        const reference = referenceVerdict(lex, { kind: 'def', nsid: 'test.validation.kinds', def: 'kinds' }, { req: 'r', nullableReq: null, [field]: text }).valid
        if (ours) valid++
        if (ours !== reference) differences.push(`${JSON.stringify(text)}: ours ${ours}, reference ${reference}`)
      }
      expect(valid, 'both verdicts occur').toBeGreaterThan(10)
      expect(valid, 'both verdicts occur').toBeLessThan(strings.size - 10)
      expect(differences).toEqual([])
    })
  }
})
