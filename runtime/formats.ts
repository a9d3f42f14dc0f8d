/**
 * The lexicon string formats, each deciding exactly what @atproto/lexicon 0.6 decides: its rules
 * come from @atproto/syntax, `iso-datestring-validator` (datetime) and multiformats 9 (`CID.parse`),
 * ported here quirks included, so validation needs none of those packages at run time.
 * tests/validation/ checks every format against the reference on valid, invalid and odd inputs.
 */

// The patterns are @atproto/syntax's, with groups made non-capturing (nothing reads them; it is faster).
// A counted repeat such as `{0,61}` is slow in V8's regular expressions: where a pattern below
// drops one, the bound is checked apart, and only when the value is long enough to break it.

const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/

/** Nearly every DID: `did:plc:` and 24 base32 digits. A narrower class than DID's is a faster loop. */
const PLC_DID = /^did:plc:[a-z2-7]*$/

export function validDid(value: string): boolean {
  return (value.length === 32 && PLC_DID.test(value)) || (value.length <= 2048 && DID.test(value))
}

/**
 * @atproto/syntax's `^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$`
 * written as labels of letters and digits with hyphens only inside, read left to right without
 * backtracking: a label after a dot starts with a letter, or with a digit if another dot follows
 * (so the last starts with a letter). The 63-character bound per label is checked apart: a handle
 * of 65 characters or fewer has two labels or more, so none can pass it.
 */
const HANDLE = /^[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*(?:\.(?=[a-zA-Z]|[0-9][a-zA-Z0-9-]*\.)[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*)+$/

export function validHandle(value: string): boolean {
  return value.length <= 253 && HANDLE.test(value) && (value.length <= 65 || value.split('.').every((label) => label.length <= 63))
}

export function validAtIdentifier(value: string): boolean {
  return value.startsWith('did:') ? validDid(value) : validHandle(value)
}

const NSID = /^[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+(?:\.[a-zA-Z](?:[a-zA-Z0-9]{0,62})?)$/

export function validNsid(value: string): boolean {
  return value.length >= 5 && value.length <= 317 && NSID.test(value)
}

const AT_URI_CHARS = /^[a-zA-Z0-9._~:@!$&'()*+,;=%/\\[\]#?-]*$/
const AT_URI_FRAGMENT = /^\/[a-zA-Z0-9._~:@!$&')(*+,;=%[\]/-]*$/

/**
 * The usual AT URI, `at://<did>/<nsid>/<record key>`, as one pattern: the DID pattern, the NSID
 * pattern without its bounds (labels written as in HANDLE), and a key of the characters allowed
 * outside `/`, `?` and `#`. Up to 82 characters no bound can be passed: the DID takes 7 or more
 * and the key 1 or more, leaving the NSID at most 67, and a label of its three at most 63; the
 * NSID's 5 to 317 and the DID's 2048 hold too. So a match is valid; anything else takes the full
 * parse below.
 */
const RECORD_AT_URI =
  /^at:\/\/did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]\/[a-zA-Z][a-zA-Z0-9]*(?:-+[a-zA-Z0-9]+)*(?:\.[a-zA-Z0-9]+(?:-+[a-zA-Z0-9]+)*)+\.[a-zA-Z][a-zA-Z0-9]*\/[a-zA-Z0-9._~:@!$&'()*+,;=%\\[\]-]+$/

/**
 * An AT URI, non-strict as the lexicon checks it: a query, a trailing slash and any record key pass.
 * @atproto/syntax matches `^at:\/\/([^/?#\s]+)(?:\/([^/?#\s]+)(?:\/[^/?#\s]+)?)?\/?(?:\?[^#\s]*)?(?:#([^\s]*))?$`
 * (authority, collection, fragment); the same parts are found here by index, without a match array.
 * After the characters test there is no whitespace left for the pattern's classes to exclude.
 */
export function validAtUri(value: string): boolean {
  if (value.length <= 82 && RECORD_AT_URI.test(value)) return true
  if (value.length > 8192 || !value.startsWith('at://') || !AT_URI_CHARS.test(value)) return false
  let i = segmentEnd(value, 5)
  if (i === 5) return false
  const authority = value.slice(5, i)
  let collection: string | undefined
  if (value.charCodeAt(i) === 47 /* / */) {
    const end = segmentEnd(value, i + 1)
    if (end > i + 1) {
      collection = value.slice(i + 1, end)
      i = end
      // The record key.
      if (value.charCodeAt(i) === 47) {
        const keyEnd = segmentEnd(value, i + 1)
        if (keyEnd > i + 1) i = keyEnd
      }
    }
    if (value.charCodeAt(i) === 47) i++ // a trailing slash
  }
  if (value.charCodeAt(i) === 63 /* ? */) {
    const hash = value.indexOf('#', i)
    i = hash < 0 ? value.length : hash
  }
  let fragment: string | undefined
  if (i < value.length) {
    if (value.charCodeAt(i) !== 35 /* # */) return false
    fragment = value.slice(i + 1)
  }
  if (!validAtIdentifier(authority)) return false
  if (collection !== undefined && !validNsid(collection)) return false
  return fragment === undefined || AT_URI_FRAGMENT.test(fragment)
}

/** Where the path segment starting at `from` ends: the next `/`, `?` or `#`, or the end. */
function segmentEnd(text: string, from: number): number {
  let i = from
  while (i < text.length) {
    const code = text.charCodeAt(i)
    if (code === 47 || code === 63 || code === 35) break
    i++
  }
  return i
}

/** A URI in printable ASCII: `[^\s/][^\s]*` below, where no character but the space is whitespace. */
const PRINTABLE_URI = /^\w+:(?:\/\/)?[!-.0-~][!-~]*$/

export function validUri(value: string): boolean {
  return PRINTABLE_URI.test(value) || /^\w+:(?:\/\/)?[^\s/][^\s]*$/.test(value)
}

const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/

export function validTid(value: string): boolean {
  return value.length === 13 && TID.test(value)
}

export function validRecordKey(value: string): boolean {
  return value !== '.' && value !== '..' && /^[a-zA-Z0-9_~.:-]{1,512}$/.test(value)
}

// Well-formed BCP 47 (RFC 5646 section 2.1), as @atproto/syntax writes it (its named groups unnamed).
const BCP47 =
  /^(?:(?:(?:en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE)|(?:art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang))|(?:(?:(?:[A-Za-z]{2,3}(?:-(?:[A-Za-z]{3}(?:-[A-Za-z]{3}){0,2}))?)|[A-Za-z]{4}|[A-Za-z]{5,8})(?:-(?:[A-Za-z]{4}))?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-(?:[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+))*(?:-(?:x(?:-[A-Za-z0-9]{1,8})+))?)|(?:x(?:-[A-Za-z0-9]{1,8})+))$/

export function validLanguage(value: string): boolean {
  try {
    return BCP47.test(value)
  } catch {
    return false // a tag of megabytes runs the pattern's backtracking out of stack: no language is that long
  }
}

// datetime: `iso-datestring-validator` 2.2, which the lexicon uses, takes the first non-digit of
// the date and of the time as their separators and splices them into its patterns unescaped:
// `2024.01.01` passes, a separator such as `*` makes an invalid pattern (so the value is invalid),
// and text after a second `T` is never looked at. The patterns are rebuilt here the same way.

type Source = (s: string) => string

const DATE: Source = (s) =>
  `^(?!0{4}${s}0{2}${s}0{2})((?=[0-9]{4}${s}(((0[^2])|1[0-2])|02(?=${s}(([0-1][0-9])|2[0-8])))${s}[0-9]{2})|` +
  `(?=((([13579][26])|([2468][048])|(0[48]))0{2})|([0-9]{2}((((0|[2468])[48])|[2468][048])|([13579][26])))${s}02${s}29))` +
  `([0-9]{4})${s}(?!((0[469])|11)${s}31)((0[1,3-9]|1[0-2])|(02(?!${s}3)))${s}(0[1-9]|[1-2][0-9]|3[0-1])$`
const CLOCK: Source = (s) => `^([0-1]|2(?=([0-3])|4${s}00))[0-9]${s}[0-5][0-9](${s}([0-5]|6(?=0))[0-9])?(.[0-9]{1,9})?$`
const PLUS_OFFSET: Source = (s) =>
  `^(0(?!(2${s}4)|0${s}3)|1(?=([0-1]|2(?=${s}[04])|[34](?=${s}0))))([03469](?=${s}[03])|[17](?=${s}0)|2(?=${s}[04])|5(?=${s}[034])|8(?=${s}[04]))${s}([03](?=0)|4(?=5))[05]$`
const MINUS_OFFSET: Source = (s) => `^(0(?=[^0])|1(?=[0-2]))([39](?=${s}[03])|[0-24-8](?=${s}00))${s}[03]0$`

const patterns = new Map<Source, Map<string, RegExp | null>>()

/**
 * Tests `value` against `source` built for separator `s`: cached per separator, false when that
 * made it invalid. Separators are usually `-` and `:`. Past 64 cached, a separator the patterns
 * take as a plain character, as they take `-`, is tested as `-` with the two swapped in the value:
 * a body of datetimes each with its own separator (`2020一01一01…`) compiled patterns for every
 * one (0.1 ms each, 2 s in 8 MB). The others, a score of characters, are always cached.
 */
function test(source: Source, s: string, value: string): boolean {
  let bySeparator = patterns.get(source)
  if (!bySeparator) patterns.set(source, (bySeparator = new Map()))
  let regexp = bySeparator.get(s)
  if (regexp === undefined) {
    if (s !== '-' && bySeparator.size >= 64 && plainSeparator(s)) return test(source, '-', value.split('-').map((part) => part.split(s).join('-')).join(s))
    try {
      regexp = new RegExp(source(s))
    } catch {
      regexp = null
    }
    bySeparator.set(s, regexp)
  }
  return regexp?.test(value) ?? false
}

/**
 * One character the patterns treat as they treat `-`: not a digit (their classes hold only digits
 * and `,`), not special in a pattern, not a line end (which their `.` does not match).
 */
function plainSeparator(s: string): boolean {
  return s.length === 1 && !/[\d,\\^$.|?*+()[\]{}/\n\r\u2028\u2029]/.test(s)
}

function firstNonDigit(text: string): string {
  return /\D/.exec(text)?.[0] ?? ''
}

function validTime(time: string, s: string): boolean {
  if (!/[Z+-]/.test(time)) return test(CLOCK, s, time)
  if (time.endsWith('Z')) return test(CLOCK, s, time.replace('Z', ''))
  const [clock, offset] = time.split(/[+-]/) as [string, string | undefined]
  return test(CLOCK, s, clock) && test(time.includes('+') ? PLUS_OFFSET : MINUS_OFFSET, firstNonDigit(String(offset)), String(offset))
}

// Nearly every datetime on the wire is `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. For those one
// pattern holds the date's and the clock's rules (a day the month has, but not February 29th, left
// to the leap-year rules of the patterns below; no hour 24, which they allow as 24:00), the
// fraction's 9 digits at most are counted from the length, and only an offset is then checked by
// its own pattern. Anything else goes through the patterns themselves.
const USUAL_DATETIME =
  /^\d\d\d\d-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)T(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/

function usualDatetime(value: string): boolean {
  if (!USUAL_DATETIME.test(value)) return false
  // 19 characters, then `.` and the fraction, then `Z` or `±HH:MM`.
  const zulu = value.charCodeAt(value.length - 1) === 90 /* Z */
  if (value.length > (zulu ? 30 : 35)) return false
  if (zulu) return true
  return test(value.charCodeAt(value.length - 6) === 43 /* + */ ? PLUS_OFFSET : MINUS_OFFSET, ':', value.slice(-5))
}

export function validDatetime(value: string): boolean {
  if (usualDatetime(value)) return true
  const [date, time] = value.split('T') as [string, string | undefined]
  if (!time || !test(DATE, firstNonDigit(date), date)) return false
  const separator = /([^Z+\-\d])(?=\d+\1)/.exec(time)?.[0] ?? ''
  return validTime(time, separator)
}

// cid: what multiformats 9 `CID.parse` accepts. A base58btc (`z`, or a bare `Q...` CIDv0) or
// base32 (`b`) string whose bytes are a version varint (or a v0 multihash), a codec varint for
// v1, a multihash code and length, and exactly that many digest bytes. Varints are read as the
// `varint` package reads them: no minimality or size limit. The decoded bytes stream through
// `CidBytes` rather than into an array: nothing is allocated for the common base32 CID.

/**
 * The CIDs records and blobs carry: v1, dag-cbor (`bafyrei`) or raw (`bafkrei`), sha2-256, in
 * base32, 59 characters: `b`, then 6 digits spelling 01 71|55 12 and the start of the digest size
 * 20, whose last 2 bits begin the next digit (so 00: a-h); 50 digits; and a last digit whose low 2
 * bits are past the 36 bytes and must be zero. A match is valid; anything else is decoded.
 */
const SHA256_CID = /^baf[ky]rei[a-h][a-z2-7]*[aeimquy4]$/

export function validCid(value: string): boolean {
  if (value.length === 59 && SHA256_CID.test(value)) return true
  const bytes = new CidBytes()
  const decoded = value[0] === 'Q' ? base58btc(value, 0, bytes) : value[0] === 'z' ? base58btc(value, 1, bytes) : value[0] === 'b' && base32(value, 1, bytes)
  return decoded && bytes.complete()
}

const enum Part {
  Version,
  Codec,
  Code,
  Size,
  Digest,
  Invalid,
}

/** Follows a CID's byte layout one byte at a time. */
class CidBytes {
  private part = Part.Version
  private value = 0
  private shift = 0
  private digestLeft = 0

  push(byte: number): void {
    if (this.part === Part.Digest) {
      this.digestLeft--
      return
    }
    if (this.part === Part.Invalid) return
    this.value += this.shift < 28 ? (byte & 0x7f) << this.shift : (byte & 0x7f) * 2 ** this.shift
    this.shift += 7
    if (byte >= 0x80) return
    const n = this.value
    this.value = 0
    this.shift = 0
    switch (this.part) {
      case Part.Version:
        // 0x12 is sha2-256's multihash code: a bare multihash, CIDv0, whose next varint is the size.
        this.part = n === 0x12 ? Part.Size : n === 1 ? Part.Codec : n === 0 ? Part.Code : Part.Invalid
        return
      case Part.Codec:
        this.part = Part.Code // any codec is accepted
        return
      case Part.Code:
        this.part = Part.Size
        return
      case Part.Size:
        this.part = Part.Digest
        this.digestLeft = n
    }
  }

  /** In the digest, where only the number of bytes matters. */
  digesting(): boolean {
    return this.part === Part.Digest
  }

  skip(bytes: number): void {
    this.digestLeft -= bytes
  }

  /** Every part read, and exactly the digest's size of bytes after the header. */
  complete(): boolean {
    return this.part === Part.Digest && this.digestLeft === 0
  }
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
let base58Map: Uint8Array | undefined // built on first use, so the module has no top-level work to keep in a bundle

/**
 * base-x's decoder (multiformats vendors it), deciding what it decides. base-x multiplies a byte
 * array by 58 for each digit, which is quadratic: 60 KB took seconds, the 16 MB a response may
 * hold would take days. The same number is built here by halves with BigInt (V8 multiplies large
 * ones in less than quadratic time) and read out in hex. Its quirk is kept: a character above
 * U+00FF looks up `undefined`, which base-x's arithmetic turns into a zero low byte and a lost
 * carry, that is `58 * (n - n % 256)`; written as the digit `-58 * (n % 256)`, whose `n % 256`
 * one pass tracks, every step stays `n * 58 + digit` and the halves still add up.
 */
function base58btc(text: string, from: number, out: CidBytes): boolean {
  if (!base58Map) {
    base58Map = new Uint8Array(256).fill(255)
    for (let i = 0; i < BASE58.length; i++) base58Map[BASE58.charCodeAt(i)] = i
  }
  if (text.length === from) return true // no bytes at all
  if (text[from] === ' ') return false
  let psz = from
  while (text[psz] === '1') psz++
  const zeroes = psz - from
  const digits = new Int16Array(text.length - psz) // |digit| <= 58 * 255
  let lowByte = 0
  for (let i = 0; i < digits.length; i++) {
    const code = text.charCodeAt(psz + i)
    const digit = code < 256 ? base58Map[code]! : -58 * lowByte
    if (digit === 255) return false
    digits[i] = digit
    lowByte = code < 256 ? (lowByte * 58 + digit) & 255 : 0
  }
  for (let i = 0; i < zeroes; i++) out.push(0)
  const value = digitsValue(digits, 0, digits.length, new Map())
  if (value === 0n) return true
  const hex = value.toString(16)
  // An odd number of hex digits starts with half a byte.
  for (let i = hex.length % 2 === 0 ? 0 : -1; i < hex.length; i += 2) out.push((i < 0 ? 0 : hexDigit(hex, i) << 4) | hexDigit(hex, i + 1))
  return true
}

function hexDigit(hex: string, at: number): number {
  const code = hex.charCodeAt(at)
  return code <= 57 ? code - 48 : code - 87 // 0-9, a-f
}

/** The number base-58 `digits[from..to)` spell, the halves joined: `high * 58^(length of low) + low`. */
function digitsValue(digits: Int16Array, from: number, to: number, powers: Map<number, bigint>): bigint {
  if (to - from <= 6) {
    // Six digits of at most 58 * 255 either way stay below 2^44: exact in a double.
    let n = 0
    for (let i = from; i < to; i++) n = n * 58 + digits[i]!
    return BigInt(n)
  }
  const middle = (from + to) >>> 1
  let power = powers.get(to - middle)
  if (power === undefined) powers.set(to - middle, (power = 58n ** BigInt(to - middle)))
  return digitsValue(digits, from, middle, powers) * power + digitsValue(digits, middle, to, powers)
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
let base32Map: Int8Array | undefined

/** RFC 4648 base32, lower case; trailing `=` padding is dropped and the leftover bits must be zero. */
function base32(text: string, from: number, out: CidBytes): boolean {
  if (!base32Map) {
    base32Map = new Int8Array(128).fill(-1)
    for (let i = 0; i < BASE32.length; i++) base32Map[BASE32.charCodeAt(i)] = i
  }
  let end = text.length
  while (end > from && text[end - 1] === '=') end--
  let bits = 0
  let buffer = 0
  // Past the header only the number of digest bytes matters: they are counted, not pushed.
  let digestBytes = 0
  for (let i = from; i < end; i++) {
    const code = text.charCodeAt(i)
    const value = code < 128 ? base32Map[code]! : -1
    if (value < 0) return false
    buffer = (buffer << 5) | value
    bits += 5
    if (bits >= 8) {
      bits -= 8
      if (out.digesting()) digestBytes++
      else out.push(0xff & (buffer >> bits))
    }
  }
  out.skip(digestBytes)
  return bits < 5 && !(0xff & (buffer << (8 - bits)))
}
