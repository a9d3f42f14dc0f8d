/**
 * The bottom of every stack: one request on the wire, and its outcome typed where it arrives,
 * so every layer above decides on the error class the caller will get.
 *
 *   no transport here     → throws ConfigurationError (not a Result: nothing can be sent, and no retry mends it)
 *   transport failure     → ConnectionError | TimeoutError | AbortError | ResponseTooLargeError
 *   body not decodable as its content-encoding says → InvalidResponseError (2xx), else the status's class
 *   non-2xx               → the method's declared error, else the class for the status (errors.ts)
 *   2xx not decodable     → InvalidResponseError
 *   2xx breaking the lexicon (when the call checks it) → ResponseValidationError (validation.ts)
 *   2xx the check throws on   → InvalidResponseError, the throw kept as its cause
 *   2xx                   → the decoded output, with status, headers and the attempt number
 *
 * Text from the wire passes through `request.redact` (and, for what errors keep, redact.ts's
 * `redactIssued`) before it reaches any of them, and is cut
 * to `KEPT_TEXT` after that (`KEPT_BODY` for a ResponseValidationError's body; redact.ts): an
 * 8 MB error message is not kept whole.
 */
import {
  AbortError,
  ConfigurationError,
  ConnectionError,
  InvalidResponseError,
  responseError,
  ResponseTooLargeError,
  TimeoutError,
  type XrpcError,
} from './errors.js'
import { after, clip, KEPT_BODY, redactIssued, type Redact } from './redact.js'
import { decodeError, decodeOutput, decodeText } from './response.js'
import { err, ok } from './result.js'
import { AttemptAbort } from './signal.js'
import type { Send, XrpcRequest } from './stack.js'
import { BodySourceFailed, NOT_SENT, ResponseTooLarge, SessionFailed, TransportUnavailable, UndecodableBody, type RawResponse, type Transport } from './transport/types.js'

export function exchange(transport: Transport): Send {
  return async (request) => {
    const { xrpc, attempt: attempts, signal } = request
    const { nsid } = xrpc
    if (signal?.aborted) {
      return err(new AbortError({ nsid, attempts, status: 0, error: 'Aborted', message: `${nsid} was aborted before it was sent`, cause: signal.reason, unsent: true }))
    }
    // The caller's own signal (a Core without the timeout layer, which gives each attempt a
    // Deadline) reaches the transport as an attempt's: one listener on it for all calls in flight
    // (signal.ts), where a transport, or fetch, would add one per call.
    const attempt = signal !== undefined && 'addEventListener' in signal ? new AttemptAbort(signal) : undefined
    let response: RawResponse
    try {
      response = await (request.transport ?? transport)(attempt ? { ...request, signal: attempt } : request)
    } catch (cause) {
      // No cause of its own is none: `{ cause: undefined }` would show as `[cause]: undefined`.
      if (cause instanceof TransportUnavailable) throw new ConfigurationError(`${nsid} was not sent: ${cause.message}`, cause.cause === undefined ? undefined : { cause: cause.cause })
      return err(transportError(request, cause))
    } finally {
      attempt?.clear()
    }
    // What an error keeps of the answer is free of the tokens this call sent and of any the answer issues
    // (a createSession called directly: its body is kept when it fails its check).
    const redact = after(request.redact, redactIssued)
    const { status } = response
    // A server (or a debugging proxy) may echo the token back: it must not reach hooks, errors or results.
    const headers = redactHeaders(response.headers, request.redact)
    if (status < 200 || status >= 300) {
      const { error, message } = decodeError(response)
      return err(responseError({ status, headers, error, message: clip(message, redact) }, nsid, attempts, xrpc.errors, redact))
    }
    const output = decodeOutput(xrpc, response)
    if (!output.ok) {
      const body = clip(decodeText(response.body), redact)
      return err(new InvalidResponseError({ nsid, attempts, status, headers, error: 'InvalidResponse', message: clip(output.reason, redact), body }))
    }
    let invalid: XrpcError | undefined
    try {
      invalid = request.check?.(output.value, { nsid, attempts, status, headers, body: () => clip(decodeText(response.body), redact, KEPT_BODY), redact })
    } catch (thrown) {
      // A check that throws (a value it cannot handle, a bug) fails the attempt: never a rejection.
      const message = `${nsid} returned a body that could not be checked (${clip(describe(thrown), redact)})`
      invalid = new InvalidResponseError({ nsid, attempts, status, headers, error: 'InvalidResponse', message, body: clip(decodeText(response.body), redact), cause: keptCause(thrown, redact) })
    }
    if (invalid) return err(invalid)
    return ok(output.value, { status, headers, attempts })
  }
}

/**
 * A redacted copy, names as well as values: the response keeps its own, as decoding reads them (a
 * password such as `application` must not turn `content-type` into `[redacted]/json`). A header
 * named with a credential is dropped: renamed (`x-[redacted]`) it would be no valid header name,
 * and code copying the headers into a `Headers` would throw.
 */
function redactHeaders(headers: Record<string, string>, redact: ((text: string) => string) | undefined): Record<string, string> {
  if (!redact) return headers
  const kept: Record<string, string> = Object.create(null) // wire names as keys: no prototype to reach
  for (const name of Object.keys(headers)) if (redact(name) === name) kept[name] = redact(headers[name]!)
  return kept
}

function transportError(request: XrpcRequest, cause: unknown): XrpcError {
  const { nsid } = request.xrpc
  const init = { nsid, attempts: request.attempt, status: 0 }
  if (cause instanceof ResponseTooLarge) {
    const message = `${nsid} returned a body over the ${cause.limit}-byte limit (maxResponseBytes); it was not read`
    const headers = redactHeaders(cause.headers, request.redact)
    return new ResponseTooLargeError({ ...init, status: cause.status, headers, error: 'ResponseTooLarge', message, limit: cause.limit })
  }
  if (cause instanceof UndecodableBody) {
    // A complete answer in a coding that cannot be undone: the server's fault, like a malformed body.
    const { status } = cause
    const headers = redactHeaders(cause.headers, request.redact)
    const reason = clip(cause.reason, request.redact)
    if (status >= 200 && status < 300) return new InvalidResponseError({ ...init, status, headers, error: 'InvalidResponse', message: `${nsid} returned a body that could not be decoded (${reason})`, body: '' })
    return responseError({ status, headers, message: `HTTP ${status} with a body that could not be decoded (${reason})` }, nsid, request.attempt, request.xrpc.errors)
  }
  // The timeout layer turns this into a TimeoutError when it was its deadline that fired. The
  // cause is why the signal fired (the caller's reason, or the deadline), not what the transport made of it.
  if (request.signal?.aborted) {
    // The transport's own mark only: the caller's reason may be any error, a refused connection's too.
    const unsent = (cause as { code?: unknown } | undefined)?.code === NOT_SENT
    return new AbortError({ ...init, cause: request.signal.reason, unsent, error: 'Aborted', message: `${nsid} was aborted${unsent ? ' before it was sent' : ''}` })
  }
  const reason = clip(describe(cause), request.redact)
  const kept = keptCause(cause, request.redact)
  const unsent = notSent(cause)
  if (isTimeout(cause)) return new TimeoutError({ ...init, cause: kept, unsent, error: 'Timeout', message: `${nsid} timed out: ${reason}` })
  // The session manager refused on its own (a revoked OAuth session): no server was reached through it.
  const session = causeOf(cause, SessionFailed)
  if (session) return new ConnectionError({ ...init, cause: kept, unsent: true, error: 'SessionFailed', message: `${nsid} was not sent: the session failed (${clip(session.message, request.redact)})` })
  // The caller's own body failed (fetch wraps it in its TypeError): the server was reached, and is not to blame.
  const source = causeOf(cause, BodySourceFailed)
  if (source) return new ConnectionError({ ...init, cause: kept, error: 'RequestBodyFailed', message: `${nsid}: ${clip(source.message, request.redact)}` })
  // Not provably unsent, the request may have reached the server and been processed: a caller
  // told "could not reach" would send a message again.
  const origin = new URL(request.url).origin
  const what = unsent ? `could not reach ${origin}` : `got no complete answer from ${origin} (the request may have reached it)`
  return new ConnectionError({ ...init, cause: kept, unsent, error: 'ConnectionFailed', message: `${nsid} ${what}: ${reason}` })
}

/**
 * What an error keeps of a failure it did not make: per link of the cause chain, a plain Error with
 * the same name, `code` and stack frames, its message redacted and cut, and nothing else. An HTTP
 * parser keeps the bytes it choked on (node:http's `rawPacket`, undici's `data`), and a server may
 * have echoed the token into them. `code` is what the retry layer tells an unsent request by. A
 * chain may loop: at most 8 links are kept.
 */
function keptCause(cause: unknown, redact: Redact | undefined, links = 8): Error {
  if (!(cause instanceof Error)) return new Error(clip(describe(cause), redact))
  const next = cause.cause === undefined || links === 1 ? undefined : { cause: keptCause(cause.cause, redact, links - 1) }
  const kept = new Error(clip(cause.message, redact), next)
  kept.name = cause.name
  const { code, stack } = cause as { code?: unknown; stack?: unknown }
  if (typeof code === 'string') Object.assign(kept, { code: clip(code, redact, 60) })
  // The frames say where it was thrown; the first line is replaced, as it quotes the message whole.
  const first = `${cause.name}: ${cause.message}`
  kept.stack = typeof stack === 'string' && stack.startsWith(first) ? `${kept.name}: ${kept.message}${stack.slice(first.length)}` : `${kept.name}: ${kept.message}`
  return kept
}

/** The first link of `cause`'s chain that is a `type`. */
function causeOf<T>(cause: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let e = cause; e instanceof Error; e = e.cause) if (e instanceof type) return e
  return undefined
}

/** Connection failures that happen before a request is written: the server cannot have seen it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])
/** Deno's fetch gives no code, only hyper's words for a connection it could not make (refused, DNS, TLS). */
const NOT_SENT_DENO = /\bclient error \(Connect\)/

function notSent(cause: unknown): boolean {
  for (let e = cause; e instanceof Error; e = e.cause) {
    if (NOT_SENT_CODES.has((e as { code?: unknown }).code as string) || NOT_SENT_DENO.test(e.message)) return true
  }
  return false
}

// Timeouts raised by the HTTP stack itself (connect, headers, body), not by the timeout layer.
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])

function isTimeout(cause: unknown): boolean {
  for (let e = cause; e instanceof Error; e = e.cause) {
    if (e.name === 'TimeoutError' || TIMEOUT_CODES.has((e as { code?: unknown }).code as string)) return true
  }
  return false
}

/** The innermost reason a transport gave, e.g. `connect ECONNREFUSED 127.0.0.1:80`. */
function describe(cause: unknown): string {
  let e = cause
  while (e instanceof Error && e.cause instanceof Error) e = e.cause
  return e instanceof Error ? e.message || e.name : String(e)
}
