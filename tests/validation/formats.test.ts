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

// Each fast path in runtime/formats.ts accepts only what the full check accepts; these are the
// strings at its edges, every one asked of the reference.
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
const CID = 'bafyreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe'
const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'

const FAST_PATH_EDGES: Record<string, () => string[]> = {
  // `did:plc:` and 24 base32 digits, 32 characters: every other character in the last place, and a
  // character more or less.
  did: () => {
    const others = ['0', '1', '8', '9', 'A', 'Z', '.', '_', '-', ':', '%', '/', ' ', 'é']
    return [DID, DID.slice(0, -1), `${DID}a`, `did:plc:${'2'.repeat(24)}`, `did:plc:${'7'.repeat(24)}`, `did:plx:${DID.slice(8)}`, `did:PLC:${DID.slice(8)}`]
      .concat(others.map((c) => DID.slice(0, 31) + c), others.map((c) => DID.slice(0, 8) + c + DID.slice(9)))
  },
  // `bafyrei`/`bafkrei`, 59 characters: every digit (and some non-digits) where the header's last
  // bits and the trailing bits fall, other prefixes, one character more or less.
  cid: () => {
    const others = [...BASE32, 'A', 'Z', '0', '1', '8', '9', '=', 'é']
    const out = [CID, `bafkrei${CID.slice(7)}`, CID.slice(0, 58), `${CID}a`, `${CID.slice(0, 58)}=`, CID.toUpperCase()]
    for (const c of others) out.push(CID.slice(0, 7) + c + CID.slice(8), CID.slice(0, 58) + c, `bafkrei${c}${CID.slice(8)}`, CID.slice(0, 30) + c + CID.slice(31))
    for (const prefix of ['bafyreh', 'bafzrei', 'bafkreh', 'bafireia', 'bagyrei', 'bafyrej', 'bafyre7']) out.push(prefix + CID.slice(prefix.length))
    return out
  },
  // Labels around 63 characters in handles around 65 (where the bound starts to be checked apart).
  handle: () => {
    const out: string[] = []
    for (const label of [61, 62, 63, 64]) {
      for (const [before, after] of [['', '.co'], ['a.', ''], ['', '.c'], ['ab.', '.c']]) {
        for (const body of ['x'.repeat(label), `x${'-'.repeat(label - 2)}x`, `x${'y'.repeat(label - 1)}`, `1${'y'.repeat(label - 1)}`]) out.push(before + body + after)
      }
    }
    out.push('a-.co', '-a.co', 'a.-co', 'a.co-', 'a--b.co', 'a.b--c', 'a.1co', 'a.c1', '1.c', 'a..co', '.a.co', 'a.co.', 'a', '')
    out.push('1.2.c', 'a.1b.c', 'a.1b.2c', 'a.1-b.c', 'a.b.1', 'a.b.c-1', 'a.b.1-c', '1a.b', 'a.1.b.c2', '9.9.z')
    return out
  },
  // `at://<did>/<nsid>/<key>` up to 82 characters: NSID labels at and past 63 at that length and
  // just over it, and every character class a key can meet.
  'at-uri': () => {
    const uri = (did: string, nsid: string, key: string) => `at://${did}/${nsid}/${key}`
    const out: string[] = []
    for (const label of [62, 63, 64, 65]) {
      for (const nsid of [`${'b'.repeat(label)}.a.c`, `a.${'b'.repeat(label)}.c`, `a.b.${'c'.repeat(label)}`, `a.b${'-'.repeat(label - 2)}b.c`]) {
        for (const did of ['did:a:b', 'did:ab:c', DID]) for (const key of ['k', 'kk', 'k'.repeat(20)]) out.push(uri(did, nsid, key))
      }
    }
    for (const length of [81, 82, 83]) out.push(uri(DID, 'app.bsky.feed.post', 'k'.repeat(length - uri(DID, 'app.bsky.feed.post', '').length)))
    out.push(uri(`did:plc:${'a'.repeat(250)}`, 'app.bsky.feed.post', 'k'.repeat(40)), uri(`did:plc:${'a'.repeat(2041)}`, 'app.bsky.feed.post', 'k'))
    // An NSID at and past its 317 characters (labels of 63 at most), in a URI past 317 itself.
    for (const length of [317, 318]) out.push(uri('did:a:b', `${'a'.repeat(63)}.`.repeat(4) + 'b'.repeat(length - 256), 'k'))
    for (const did of [DID, 'did:web:x%3A1', 'did:plc:a:', 'did:plc:a%', 'did:p1c:a', 'did:Plc:a', 'did:plc:', 'did:plc:a.b_c-d:e']) {
      out.push(uri(did, 'app.bsky.feed.post', '3jzfcijpj2z2a'))
    }
    for (const nsid of ['app.bsky.feed.post', 'a.b.c', 'a.b', 'a.b.c-d', 'a.b.1c', '1a.b.c', 'a.-b.c', 'a.b-.c', 'a..b.c', 'a.b.c.', 'A.B.C']) {
      out.push(uri(DID, nsid, 'key'))
    }
    for (const key of [...`._~:@!$&'()*+,;=%[]\\-/?#"<>^\`{|} é`].map((c) => `k${c}k`).concat(['', '.', '..', 'k/', 'k/x', 'k?q', 'k#/f'])) {
      out.push(uri(DID, 'app.bsky.feed.post', key))
    }
    return out
  },
  // February 29th per century and per year within one (left to the full check), the last day of
  // every month, the clock's limits, and fractions of 0 to 12 digits, before `Z` and an offset.
  datetime: () => [
    ...['0000', '0004', '0100', '0400', '1600', '1700', '1900', '2000', '2023', '2024', '2100', '9996', '9999'].flatMap((year) => [`${year}-02-29T00:00:00Z`, `${year}-02-28T00:00:00Z`]),
    ...Array.from({ length: 12 }, (_, m) => String(m + 1).padStart(2, '0')).flatMap((month) => ['28', '29', '30', '31', '32'].map((day) => `2023-${month}-${day}T00:00:00Z`)),
    ...['00:00:00', '23:59:59', '23:59:60', '24:00:00', '24:00:01', '24:01:00', '23:60:00', '23:59:61', '25:00:00'].map((clock) => `2024-01-15T${clock}Z`),
    ...Array.from({ length: 13 }, (_, n) => (n ? `.${'1234567890123'.slice(0, n)}` : '')).flatMap((fraction) => ['Z', '+05:30', '-05:00', '+00:00', '-00:00', '+24:00'].map((end) => `2024-01-15T10:30:00${fraction}${end}`)),
  ],
  // Printable ASCII takes the fast path; whitespace of every kind, other controls, non-ASCII and
  // slashes where the first character after the scheme goes take the full pattern.
  uri: () => {
    const odd = ['\t', '\n', '\v', '\f', '\r', ' ', '\u0000', '\u007f', '\u0085', '\u00a0', '\u1680', '\u2000', '\u2028', '\u2029', '\u202f', '\u3000', '\ufeff', 'é', '😀']
    const out = ['https://example.com/a?b=c#d', 'a:b', 'a:/b', 'a://b', 'a:///b', 'a:////b', 'a:', 'a://', 'a:/', 'a_1:x', 'a-b:x', ':x', 'a :x', 'a:x~', 'a:x"<>\\^`{|}']
    for (const c of odd) out.push(`a:${c}x`, `a://${c}x`, `a:x${c}`, `a:x${c}y`, `${c}a:x`)
    return out
  },
}

describe('fast paths agree with @atproto/lexicon at their edges', () => {
  for (const [format, strings] of Object.entries(FAST_PATH_EDGES)) {
    it(format, () => {
      const { field, check } = CHECKS[format]!
      const verdicts = strings().map((text) => [text, check(text), referenceVerdict(lex, { kind: 'def', nsid: 'test.validation.kinds', def: 'kinds' }, { req: 'r', nullableReq: null, [field]: text }).valid] as const)
      expect(verdicts.filter(([, ours, reference]) => ours !== reference)).toEqual([])
      expect(verdicts.some(([, ours]) => ours) && verdicts.some(([, ours]) => !ours), 'both verdicts occur').toBe(true)
    })
  }
})

// base58btc CIDs are decoded as one number built by halves, not digit by digit as base-x does
// (quadratic: a 1 MB string took about twenty minutes); these hold the decoder to base-x's
// verdicts where they are odd, and to finishing on long strings.
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** base58btc of `bytes` (a leading `1` per leading zero byte), by halves so long input is quick. */
function base58(bytes: Uint8Array): string {
  const digits = (n: bigint, width: number): string => {
    if (width <= 8) {
      let out = ''
      for (let i = 0; i < width; i++, n /= 58n) out = BASE58[Number(n % 58n)] + out
      return out
    }
    const low = width >> 1
    const power = 58n ** BigInt(low)
    return digits(n / power, width - low) + digits(n % power, low)
  }
  const hex = Buffer.from(bytes).toString('hex')
  const value = hex ? BigInt(`0x${hex}`) : 0n
  const width = Math.ceil((value.toString(2).length * Math.log(2)) / Math.log(58)) + 1
  const zeroes = bytes.findIndex((b) => b !== 0)
  return '1'.repeat(zeroes < 0 ? bytes.length : zeroes) + digits(value, width).replace(/^1+/, '')
}

/** CIDv1 bytes: version 1, codec, multihash code, digest size, and that many digest bytes. */
function cidBytes(codec: number, code: number, digestSize: number): Uint8Array {
  const varint = (n: number) => {
    const out: number[] = []
    for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n & 0x7f) | 0x80)
    return [...out, n]
  }
  const header = [...varint(1), ...varint(codec), ...varint(code), ...varint(digestSize)]
  return Uint8Array.from([...header, ...Array.from({ length: digestSize }, () => random.int(0, 255))])
}

describe('base58btc CIDs', () => {
  const reference = (text: string) => referenceVerdict(lex, { kind: 'def', nsid: 'test.validation.kinds', def: 'kinds' }, { req: 'r', nullableReq: null, cid: text }).valid

  it('a character above U+00FF is the digit base-x makes of it, valid or not as the reference says', () => {
    // base-x looks such a character up as `undefined`: the number's low byte becomes 0 and its
    // carry is lost. Where the number read so far is a multiple of 256, that is a `1` (a zero
    // digit); elsewhere it changes the number. So `1`s of valid CIDs, replaced, give both verdicts.
    const strings: string[] = []
    for (let n = 0; n < 60; n++) {
      const text = `z${base58(cidBytes(random.pick([0x55, 0x71, 0x70]), random.pick([0x12, 0x00, 0x13]), random.int(0, 70)))}`
      for (let at = 1; at < text.length; at++) {
        if (text[at] === '1') strings.push(text.slice(0, at) + random.pick(['€', 'Ā', '\uffff', '\ud83d', '😀']) + text.slice(at + 1))
      }
      strings.push(text, `${text.slice(0, 5)}é${text.slice(6)}`)
    }
    const differences = strings.filter((text) => formats.validCid(text) !== reference(text))
    expect(differences).toEqual([])
    expect(strings.filter((text) => /[^\x00-\xff]/.test(text) && formats.validCid(text)).length, 'valid with such a character').toBeGreaterThan(5)
    expect(strings.filter((text) => /[^\x00-\xff]/.test(text) && !formats.validCid(text)).length, 'invalid with one').toBeGreaterThan(5)
  })

  it('leading zero bytes, an identity multihash and a CIDv0 agree with the reference at every length up to 2 KB', () => {
    const strings: string[] = []
    for (const size of [0, 1, 31, 32, 33, 127, 128, 300, 1500]) {
      const bytes = cidBytes(0x55, 0x00, size)
      strings.push(`z${base58(bytes)}`, `z${base58(Uint8Array.from([0, ...bytes]))}`, `z1${base58(bytes)}`, `z${base58(bytes.subarray(0, -1))}`)
    }
    strings.push(base58(Uint8Array.from([0x12, 0x20, ...Array.from({ length: 32 }, () => random.int(0, 255))])))
    const verdicts = strings.map((text) => [text.slice(0, 40), formats.validCid(text), reference(text)] as const)
    expect(verdicts.filter(([, ours, theirs]) => ours !== theirs)).toEqual([])
    expect(verdicts.some(([, ours]) => ours) && verdicts.some(([, ours]) => !ours), 'both verdicts occur').toBe(true)
  })

  // Liveness, not speed: base-x's digit-by-digit decode took 36 s on 256 KB (ten minutes on a
  // megabyte), this one 40 ms; the timeout leaves a margin of hundreds of times for a loaded machine.
  it('decodes 256 KB of base58 without taking its square in time', { timeout: 20_000 }, () => {
    expect(formats.validCid(`z${'Z'.repeat(1 << 18)}`)).toBe(false)
    const large = cidBytes(0x55, 0x00, 200_000)
    expect(formats.validCid(`z${base58(large)}`)).toBe(true)
    expect(formats.validCid(`z${base58(large.subarray(0, -1))}`)).toBe(false)
  })
})

describe('datetimes whose separators are all different', () => {
  // datetime's patterns are built per separator, as iso-datestring-validator builds them; each
  // separator not seen before compiled its own (0.1 ms each: 2 s for an 8 MB page of them).
  const separators = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(0x4e00 + i)).concat([...'.*,/ x_é(?[$^|\\{}-', '\u2028', '\ud83d'])
  const datetimes = separators.flatMap((s) => [`2024${s}02${s}29T10${s}30${s}00Z`, `2023${s}02${s}29T10:30:00+05${s}30`, `2024${s}12${s}31T23${s}59${s}60.5-05${s}00`, `2024${s}1${s}31T10${s}30Z`])

  it('agree with the reference', () => {
    const verdicts = datetimes.map((text) => [text, formats.validDatetime(text), referenceVerdict(lex, { kind: 'def', nsid: 'test.validation.kinds', def: 'kinds' }, { req: 'r', nullableReq: null, datetime: text }).valid] as const)
    expect(verdicts.filter(([, ours, reference]) => ours !== reference)).toEqual([])
    expect(verdicts.some(([, ours]) => ours) && verdicts.some(([, ours]) => !ours), 'both verdicts occur').toBe(true)
  })

  it('compile patterns for 64 separators and those a pattern reads otherwise than `-`, not for each one met', () => {
    const Native = globalThis.RegExp
    let compiled = 0
    globalThis.RegExp = new Proxy(Native, { construct: (target, args: [string, string?]) => (compiled++, new target(...args)) })
    try {
      for (const text of datetimes) formats.validDatetime(text)
    } finally {
      globalThis.RegExp = Native
    }
    // Four patterns, each for 64 separators and the score a pattern reads otherwise: 12,000 before.
    expect(compiled).toBeLessThan(400)
  })
})

it('a language tag of megabytes is no language, not a stack overflow', () => {
  expect(formats.validLanguage(`x${'-a'.repeat(8 << 20)}`)).toBe(false)
  expect(formats.validLanguage(`x${'-a'.repeat(100)}`)).toBe(true)
})
