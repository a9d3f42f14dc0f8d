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

// A fixed seed, so a run on CI is the run anyone can repeat; VALIDATION_SEED explores others.
const SEED = Number(process.env.VALIDATION_SEED) || 20261124
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

/** `YYYY-MM-DDTHH:MM:SS[.f](Z|±HH:MM)` with every field drawn near its limits: the datetime fast path's ground. */
function canonicalDatetime(): string {
  const two = (max: number) => String(random.pick([0, 1, 9, 10, max - 1, max, max + 1, random.int(0, max + 1)])).padStart(2, '0')
  const year = random.pick(['0000', '0004', '0100', '0400', '1900', '2000', '2023', '2024', '9999', String(random.int(0, 9999)).padStart(4, '0')])
  const fraction = random.pick(['', '.0', '.123', '.123456789', '.1234567890', '.'])
  const offset = random.pick(['Z', 'Z', `+${two(14)}:${random.pick(['00', '30', '45', '59', '60'])}`, `-${two(12)}:${random.pick(['00', '30', '45'])}`])
  return `${year}-${two(12)}-${two(31)}T${two(24)}:${two(59)}:${two(60)}${fraction}${offset}`
}

describe('string formats agree with @atproto/lexicon', () => {
  for (const [format, { field, check, alphabet }] of Object.entries(CHECKS)) {
    it(`${format}, seed ${SEED}`, () => {
      const seeds = [...VALID[format]!, ...TRICKY[format]!]
      const strings = new Set([...seeds, ...Array.from({ length: 1500 }, () => edit(random.pick(seeds), alphabet))])
      if (format === 'datetime') for (let i = 0; i < 3000; i++) strings.add(canonicalDatetime())
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
