/**
 * The lexicon string formats, each deciding exactly what @atproto/lexicon 0.6 decides: its rules
 * come from @atproto/syntax, `iso-datestring-validator` (datetime) and multiformats 9 (`CID.parse`),
 * ported here quirks included, so validation needs none of those packages at run time.
 * tests/validation/ checks every format against the reference on valid, invalid and odd inputs.
 */

const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$/

export function validDid(value: string): boolean {
  return value.length <= 2048 && DID.test(value)
}

const HANDLE = /^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/

export function validHandle(value: string): boolean {
  return value.length <= 253 && HANDLE.test(value)
}

export function validAtIdentifier(value: string): boolean {
  return value.startsWith('did:') ? validDid(value) : validHandle(value)
}

const NSID = /^[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+(?:\.[a-zA-Z](?:[a-zA-Z0-9]{0,62})?)$/

export function validNsid(value: string): boolean {
  return value.length >= 5 && value.length <= 317 && NSID.test(value)
}

const AT_URI_CHARS = /^[a-zA-Z0-9._~:@!$&'()*+,;=%/\\[\]#?-]*$/
const AT_URI = /^at:\/\/([^/?#\s]+)(?:\/([^/?#\s]+)(?:\/[^/?#\s]+)?)?\/?(?:\?[^#\s]*)?(?:#([^\s]*))?$/
const AT_URI_FRAGMENT = /^\/[a-zA-Z0-9._~:@!$&')(*+,;=%[\]/-]*$/

/** An AT URI, non-strict as the lexicon checks it: a query, a trailing slash and any record key pass. */
export function validAtUri(value: string): boolean {
  if (value.length > 8192 || !AT_URI_CHARS.test(value)) return false
  const match = AT_URI.exec(value)
  if (!match) return false
  const [, authority, collection, fragment] = match
  if (!validAtIdentifier(authority!)) return false
  if (collection !== undefined && !validNsid(collection)) return false
  return fragment === undefined || AT_URI_FRAGMENT.test(fragment)
}

export function validUri(value: string): boolean {
  return /^\w+:(?:\/\/)?[^\s/][^\s]*$/.test(value)
}

const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/

export function validTid(value: string): boolean {
  return value.length === 13 && TID.test(value)
}

export function validRecordKey(value: string): boolean {
  return value !== '.' && value !== '..' && /^[a-zA-Z0-9_~.:-]{1,512}$/.test(value)
}

// Well-formed BCP 47 (RFC 5646 section 2.1), as @atproto/syntax writes it.
const BCP47 =
  /^((?<grandfathered>(en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE)|(art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang))|((?<language>([A-Za-z]{2,3}(-(?<extlang>[A-Za-z]{3}(-[A-Za-z]{3}){0,2}))?)|[A-Za-z]{4}|[A-Za-z]{5,8})(-(?<script>[A-Za-z]{4}))?(-(?<region>[A-Za-z]{2}|[0-9]{3}))?(-(?<variant>[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(-(?<extension>[0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+))*(-(?<privateUseA>x(-[A-Za-z0-9]{1,8})+))?)|(?<privateUseB>x(-[A-Za-z0-9]{1,8})+))$/

export function validLanguage(value: string): boolean {
  return BCP47.test(value)
}

// datetime: `iso-datestring-validator` 2.2, which the lexicon uses, takes the first non-digit of
// the date and of the time as their separators and splices them into its patterns unescaped:
// `2024.01.01` passes, a separator such as `*` makes an invalid pattern (so the value is invalid),
// and text after a second `T` is never looked at. The patterns are rebuilt here the same way.

const patterns = new Map<string, RegExp | null>()

/** The pattern for `source`, cached; null when the spliced separator made it invalid. */
function pattern(source: string): RegExp | null {
  let regexp = patterns.get(source)
  if (regexp === undefined) {
    try {
      regexp = new RegExp(source)
    } catch {
      regexp = null
    }
    if (patterns.size < 256) patterns.set(source, regexp) // separators are usually '-' and ':'
  }
  return regexp
}

function test(source: string, value: string): boolean {
  return pattern(source)?.test(value) ?? false
}

function firstNonDigit(text: string): string {
  return /\D/.exec(text)?.[0] ?? ''
}

function validDate(date: string, s: string): boolean {
  return test(
    `^(?!0{4}${s}0{2}${s}0{2})((?=[0-9]{4}${s}(((0[^2])|1[0-2])|02(?=${s}(([0-1][0-9])|2[0-8])))${s}[0-9]{2})|` +
      `(?=((([13579][26])|([2468][048])|(0[48]))0{2})|([0-9]{2}((((0|[2468])[48])|[2468][048])|([13579][26])))${s}02${s}29))` +
      `([0-9]{4})${s}(?!((0[469])|11)${s}31)((0[1,3-9]|1[0-2])|(02(?!${s}3)))${s}(0[1-9]|[1-2][0-9]|3[0-1])$`,
    date,
  )
}

function validClock(time: string, s: string): boolean {
  return test(`^([0-1]|2(?=([0-3])|4${s}00))[0-9]${s}[0-5][0-9](${s}([0-5]|6(?=0))[0-9])?(.[0-9]{1,9})?$`, time)
}

function validOffset(offset: string, plus: boolean, s: string): boolean {
  return test(
    plus
      ? `^(0(?!(2${s}4)|0${s}3)|1(?=([0-1]|2(?=${s}[04])|[34](?=${s}0))))([03469](?=${s}[03])|[17](?=${s}0)|2(?=${s}[04])|5(?=${s}[034])|8(?=${s}[04]))${s}([03](?=0)|4(?=5))[05]$`
      : `^(0(?=[^0])|1(?=[0-2]))([39](?=${s}[03])|[0-24-8](?=${s}00))${s}[03]0$`,
    offset,
  )
}

function validTime(time: string, s: string): boolean {
  if (!/[Z+-]/.test(time)) return validClock(time, s)
  if (time.endsWith('Z')) return validClock(time.replace('Z', ''), s)
  const [clock, offset] = time.split(/[+-]/) as [string, string | undefined]
  return validClock(clock, s) && validOffset(String(offset), time.includes('+'), firstNonDigit(String(offset)))
}

export function validDatetime(value: string): boolean {
  const [date, time] = value.split('T') as [string, string | undefined]
  if (!time || !validDate(date, firstNonDigit(date))) return false
  const separator = /([^Z+\-\d])(?=\d+\1)/.exec(time)?.[0] ?? ''
  return validTime(time, separator)
}

// cid: what multiformats 9 `CID.parse` accepts. A base58btc (`z`, or a bare `Q...` CIDv0) or
// base32 (`b`) string whose bytes are a version varint (or a v0 multihash), a codec varint for
// v1, a multihash code and length, and exactly that many digest bytes.

export function validCid(value: string): boolean {
  const bytes = value[0] === 'Q' ? base58btc(value) : value[0] === 'z' ? base58btc(value.slice(1)) : value[0] === 'b' ? base32(value.slice(1)) : undefined
  if (bytes === undefined) return false
  let offset = 0
  const next = (): number => {
    const [n, length] = varint(bytes, offset)
    offset += length
    return n
  }
  try {
    let version = next()
    if (version === 0x12) {
      version = 0 // a bare sha2-256 multihash: CIDv0
      offset = 0
    } else if (version === 1) {
      next() // the codec: any code is accepted
    }
    if (version !== 0 && version !== 1) return false
    next() // the multihash code
    const digestSize = next()
    return offset + digestSize === bytes.length
  } catch {
    return false
  }
}

/** An unsigned LEB128 varint as the `varint` package reads it (no minimality or size limit); throws when it runs off the end. */
function varint(bytes: Uint8Array, start: number): [number, number] {
  let result = 0
  let shift = 0
  let i = start
  let byte: number
  do {
    if (i >= bytes.length) throw new RangeError('Could not decode varint')
    byte = bytes[i++]!
    result += shift < 28 ? (byte & 0x7f) << shift : (byte & 0x7f) * 2 ** shift
    shift += 7
  } while (byte >= 0x80)
  return [result, i - start]
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
let base58Map: Uint8Array | undefined // built on first use, so the module has no top-level work to keep in a bundle

/**
 * base-x's decoder, step for step (multiformats vendors it), including how it treats a character
 * above U+00FF: its lookup yields `undefined`, which the arithmetic turns into a zero digit.
 */
function base58btc(source: string): Uint8Array | undefined {
  if (!base58Map) {
    base58Map = new Uint8Array(256).fill(255)
    for (let i = 0; i < BASE58.length; i++) base58Map[BASE58.charCodeAt(i)] = i
  }
  if (source.length === 0) return new Uint8Array()
  if (source[0] === ' ') return undefined
  let psz = 0
  let zeroes = 0
  let length = 0
  while (source[psz] === '1') {
    zeroes++
    psz++
  }
  const size = ((source.length - psz) * (Math.log(58) / Math.log(256)) + 1) >>> 0
  const b256 = new Uint8Array(size)
  while (psz < source.length) {
    let carry: number = base58Map[source.charCodeAt(psz)] as number
    if (carry === 255) return undefined
    let i = 0
    for (let it = size - 1; (carry !== 0 || i < length) && it !== -1; it--, i++) {
      carry += (58 * b256[it]!) >>> 0
      b256[it] = (carry % 256) >>> 0
      carry = (carry / 256) >>> 0
    }
    if (carry !== 0) return undefined
    length = i
    psz++
  }
  let it = size - length
  while (it !== size && b256[it] === 0) it++
  const out = new Uint8Array(zeroes + (size - it))
  out.set(b256.subarray(it), zeroes)
  return out
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** RFC 4648 base32, lower case; trailing `=` padding is dropped and the leftover bits must be zero. */
function base32(source: string): Uint8Array | undefined {
  let end = source.length
  while (source[end - 1] === '=') end--
  const out = new Uint8Array(((end * 5) / 8) | 0)
  let bits = 0
  let buffer = 0
  let written = 0
  for (let i = 0; i < end; i++) {
    const value = BASE32.indexOf(source[i]!)
    if (value < 0) return undefined
    buffer = (buffer << 5) | value
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[written++] = 0xff & (buffer >> bits)
    }
  }
  if (bits >= 5 || 0xff & (buffer << (8 - bits))) return undefined
  return out
}
