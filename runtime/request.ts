/** What goes on the wire: URL and query encoding, header checks, request bodies (response.ts decodes what comes back). */
import { formEncode } from './form.js'
import type { Method } from './method.js'
import { shown } from './shown.js'
import type { RequestBody } from './transport/types.js'

/** Input of a procedure whose lexicon declares a non-JSON encoding (a blob upload, a CAR file). */
export type BinaryInput = Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | string

/**
 * A body that can be sent only once (a ReadableStream, an async iterable): a retry or a replay
 * would send what is left of it, nothing, as if it were the whole upload.
 */
export function isOneShotBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (Symbol.asyncIterator in body || typeof (body as ReadableStream).getReader === 'function')
}

/** The shape of an NSID (authority segments, then a name), loose enough for any valid one. */
const NSID = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/

/**
 * `<service>/xrpc/<nsid>?<params>`. Arrays become repeated keys, `undefined` is omitted, and
 * every value is percent-encoded so cursors with `&`, `=`, `#` or spaces round-trip.
 * `service` has no query or fragment (Core checks), so its href ends with its path and the URL
 * is built as a string, byte for byte what URL + URLSearchParams would make.
 */
export function buildUrl(service: URL, nsid: string, params?: object): string {
  // The NSID becomes a path segment: `..`, `/`, `?`, `#` or `%` in it would leave /xrpc/.
  if (typeof nsid !== 'string' || !NSID.test(nsid)) throw new TypeError(`Invalid NSID ${JSON.stringify(nsid)}: expected dot-separated letters, digits and hyphens, e.g. "chat.bsky.convo.getConvo"`)
  let url = `${service.href.replace(/\/+$/, '')}/xrpc/${nsid}`
  let separator = '?'
  if (params !== undefined && params !== null) {
    for (const name in params) {
      if (!Object.hasOwn(params, name)) continue
      const value = (params as Record<string, unknown>)[name]
      if (Array.isArray(value)) {
        for (const item of value) {
          if (item === undefined || item === null) continue
          url += `${separator}${formEncode(name)}=${formEncode(paramString(name, item))}`
          separator = '&'
        }
      } else if (value !== undefined && value !== null) {
        url += `${separator}${formEncode(name)}=${formEncode(paramString(name, value))}`
        separator = '&'
      }
    }
  }
  return url
}

function paramString(name: string, value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
    case 'boolean':
      return String(value)
    default:
      if (value instanceof Date) return value.toISOString()
      throw new TypeError(`Query parameter "${name}" must be a string, number, boolean or an array of them`)
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/**
 * What RFC 9110 allows in a field value: visible ASCII, obs-text (Latin-1), space and tab.
 * Anything else (CR/LF, NUL, other controls, code points above U+00FF, which some stacks
 * truncate to a byte: U+010A would become LF) is refused before any request.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

export function isHeaderValue(value: unknown): value is string {
  return typeof value === 'string' && HEADER_VALUE.test(value)
}

/** Lower-cases names and rejects values that could split the request (header injection). */
export function normalizeHeaders(headers: Record<string, string> | Headers | undefined): Record<string, string> {
  const normalized: Record<string, string> = {}
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    if (headers === undefined) return normalized
    throw new TypeError(`headers must be an object of header names to values (or a Headers), got ${shown(headers)}`)
  }
  // A Headers has no own enumerable entries: read through its iterator (names come lower-cased).
  const entries = typeof (headers as Headers).entries === 'function' && !Object.hasOwn(headers, 'entries') ? [...(headers as Headers).entries()] : Object.entries(headers)
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`Invalid header name ${JSON.stringify(name)}`)
    const lower = name.toLowerCase()
    // The proxy setting owns it (checked, and per NSID for the chat default): a header would be overridden unseen.
    if (lower === 'atproto-proxy') throw new TypeError('atproto-proxy is set by the proxy option (proxy: "did:web:…#service", or false for none), not by headers')
    if (!isHeaderValue(value)) {
      throw new TypeError(`Invalid value for header "${name}": must be a string of visible ASCII or Latin-1 characters, without CR, LF, NUL or other controls`)
    }
    normalized[lower] = value
  }
  return normalized
}

/**
 * `base` and then `extra` copied into a new object, `extra` winning. Not `{ ...base, ...extra }`:
 * Node 20's V8 takes microseconds to add a property to a spread copy, and this runs on every call.
 */
export function mergeHeaders(base: Readonly<Record<string, string>>, extra?: Readonly<Record<string, string>>): Record<string, string> {
  const merged: Record<string, string> = {}
  for (const name of Object.keys(base)) merged[name] = base[name]!
  if (extra) for (const name of Object.keys(extra)) merged[name] = extra[name]!
  return merged
}

export interface EncodedInput {
  readonly body?: RequestBody
  readonly contentType?: string
}

/**
 * The request body for `input`: JSON for `application/json`, bytes as given otherwise, and
 * nothing at all when the lexicon declares no input. For `*\/*` the caller's `content-type` wins,
 * then a Blob's own type, then `application/octet-stream`. An encoding naming a kind of type
 * (`image/*`, or a list, `image/png, image/jpeg`) takes the type from the call or the Blob, with
 * no default, which could never fit it, and refuses one outside it: the server would refuse the
 * bytes once they had all been sent. The type goes out lower-cased, as servers compare it.
 */
export function encodeInput(method: Method, input: unknown, callerContentType: string | undefined): EncodedInput {
  if (method.input === undefined) return {}
  if (method.input === 'application/json') {
    // JSON inputs are objects; one with no required fields may be omitted by the caller.
    return { body: JSON.stringify(input ?? {}), contentType: 'application/json' }
  }
  const body = binaryBody(input)
  const encoding = method.input
  if (!/[*,]/.test(encoding)) return { body, contentType: encoding }
  const given = callerContentType ?? (input instanceof Blob && input.type !== '' ? input.type : undefined)
  if (encoding === '*/*') return { body, contentType: given ?? 'application/octet-stream' }
  // `type/subtype`, then its parameters (`; q=1`): a list, a wildcard or a third part is none.
  const media = /^\s*([\w.+-]+)\/([\w.+-]+)\s*(;.*)?$/.exec(given ?? '')
  const type = media && `${media[1]}/${media[2]}`.toLowerCase()
  const fits = type && encoding.toLowerCase().split(',').some((pattern) => [type, type.replace(/\/.*/, '/*'), '*/*'].includes(pattern.trim()))
  if (!fits) throw new TypeError(`${method.nsid} takes ${encoding} input, not ${given ?? "bytes of no type (give a Blob's, or a content-type header)"}`)
  return { body, contentType: type + (media![3] ?? '') }
}

function binaryBody(input: unknown): RequestBody {
  if (typeof input === 'string' || input instanceof Uint8Array || input instanceof Blob || input instanceof ReadableStream) return input
  if (input instanceof ArrayBuffer) return new Uint8Array(input)
  throw new TypeError('Binary input must be a Uint8Array, ArrayBuffer, Blob, ReadableStream or string')
}
