/** What comes back: a response body decoded as the method's output, or as an XRPC error. */
import type { Method } from './method.js'
import type { RawResponse } from './transport/types.js'

/** One decoder for every response (UTF-8, BOM stripped, invalid bytes replaced; it keeps no state between calls). */
const utf8 = new TextDecoder()

/** A body as text, as `new TextDecoder().decode(body)` would give it. */
export function decodeText(body: Uint8Array): string {
  return utf8.decode(body)
}

export type DecodedOutput =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string }

/** Decodes a 2xx body: JSON for JSON outputs, bytes for other encodings, `undefined` when none is declared. */
export function decodeOutput(method: Method, response: RawResponse): DecodedOutput {
  if (method.output === undefined) return { ok: true, value: undefined }
  if (method.output !== 'application/json') return { ok: true, value: ownBytes(response.body) }
  const contentType = response.headers['content-type']
  if (!isJson(contentType)) {
    return { ok: false, reason: `Expected an application/json response, got ${contentType ?? 'no content-type'}` }
  }
  const text = utf8.decode(response.body)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'Response body is not valid JSON' }
  }
  // A lexicon's JSON output is always an object (an object, a ref or a union of objects). Passing
  // on anything else would crash the caller: `const { convo } = null` throws.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: `Expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` }
  }
  return { ok: true, value }
}

/**
 * The bytes as an array of their own. A transport hands a view into whatever held them (Node's
 * shared 8 KiB pool, zlib's output): given to the caller as it is, `value.buffer` would carry
 * other bytes, another call's answer among them, to a Blob, a digest or a file.
 */
function ownBytes(body: Uint8Array): Uint8Array {
  return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : body.slice()
}

/** The XRPC `error` and `message` of an error response; bodies that are not XRPC JSON get a message from the status. */
export function decodeError(response: RawResponse): { readonly error?: string; readonly message: string } {
  const contentType = response.headers['content-type']
  if (isJson(contentType)) {
    try {
      const body: unknown = JSON.parse(utf8.decode(response.body))
      if (typeof body === 'object' && body !== null) {
        const { error, message } = body as { error?: unknown; message?: unknown }
        const name = typeof error === 'string' && error !== '' ? error : undefined
        return {
          ...(name === undefined ? {} : { error: name }),
          message: typeof message === 'string' && message !== '' ? message : (name ?? `HTTP ${response.status}`),
        }
      }
    } catch {
      return { message: `HTTP ${response.status} with a malformed JSON body` }
    }
  }
  return { message: `HTTP ${response.status} with a non-XRPC body (${contentType ?? 'no content-type'})` }
}

function isJson(contentType: string | undefined): boolean {
  // The usual cases, without splitting and lower-casing.
  if (contentType === 'application/json' || contentType?.startsWith('application/json;')) return true
  const mime = contentType?.split(';', 1)[0]?.trim().toLowerCase()
  return mime === 'application/json' || (mime?.endsWith('+json') ?? false)
}
