/** The contract between the runtime and a transport: one HTTP exchange, body fully read. */

/** A request body the transports can send as is. */
export type RequestBody = string | Uint8Array | Blob | ReadableStream<Uint8Array>

export interface RawRequest {
  readonly method: 'GET' | 'POST'
  readonly url: string
  /** Lower-case names; values already checked for CR/LF. */
  readonly headers: Readonly<Record<string, string>>
  readonly body?: RequestBody | undefined
  /** Aborts the whole exchange, body included (timeout or the caller's signal). */
  readonly signal?: AbortSignal | AttemptSignal | undefined
  /** An undici `Dispatcher`, typed loosely so the browser build needs no undici types. */
  readonly dispatcher?: unknown
  /** Stop reading and throw `ResponseTooLarge` past this many body bytes; unlimited when absent. */
  readonly maxResponseBytes?: number | undefined
}

/**
 * The runtime's per-attempt abort handle: an EventEmitter-shaped signal (undici.request takes
 * one as its `signal`) that costs far less than an AbortController and an EventTarget listener.
 */
export interface AttemptSignal {
  readonly aborted: boolean
  readonly reason: unknown
  on(event: 'abort', listener: () => void): unknown
  once(event: 'abort', listener: () => void): unknown
  removeListener(event: 'abort', listener: () => void): unknown
}

export interface RawResponse {
  readonly status: number
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Record<string, string>
  readonly body: Uint8Array
}

/** One HTTP exchange, body fully read. Rejects with the library's own error when no complete response arrived. */
export type Transport = (request: RawRequest) => Promise<RawResponse>

/**
 * Thrown by a transport when a response body is larger than `maxResponseBytes`: it stopped
 * reading at the limit (or at once, from `content-length`) and dropped the connection.
 */
export class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge'

  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly limit: number,
  ) {
    super(`response body exceeds the ${limit}-byte limit`)
  }
}

/**
 * Thrown by a transport when the caller's own request body failed while it was sent (a stream
 * that errored: a file that could not be read), its error as the cause: the server was reached,
 * so it is not said to be unreachable.
 */
export class BodySourceFailed extends Error {
  override readonly name = 'BodySourceFailed'

  constructor(cause: unknown) {
    super(`the request body failed while it was sent (${cause instanceof Error ? cause.message : String(cause)})`, { cause })
  }
}

/**
 * Thrown for a session manager whose `fetchHandler` failed on its own, not on the network (a
 * revoked OAuth session, a refresh refused) or answered with no Response: nothing reached a
 * server through it, and trying again fails alike. Its error is the cause.
 */
export class SessionFailed extends Error {
  override readonly name = 'SessionFailed'

  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message || cause.name : String(cause), { cause })
  }
}

/**
 * The `code` of what a transport throws when its request was aborted before any of it could leave
 * (it waited for a free connection, or its connection was still being made): the server cannot have seen it.
 */
export const NOT_SENT = 'ERR_REQUEST_NOT_SENT'

/**
 * Thrown by a transport when a response body could not be decoded as its `content-encoding`
 * says (a coding it does not know, or a corrupt compressed body): the exchange was complete,
 * so it is the server's answer that is wrong, not the connection.
 */
export class UndecodableBody extends Error {
  override readonly name = 'UndecodableBody'

  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly reason: string,
  ) {
    super(`the response body could not be decoded (${reason})`)
  }
}

/**
 * Thrown by a transport that cannot send at all where it runs (a module it needs will not load,
 * there is no `fetch`): a configuration error, never a network one, so it is not retried.
 */
export class TransportUnavailable extends Error {
  override readonly name = 'TransportUnavailable'

  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
  }
}

/** Throws `ResponseTooLarge` up front when `content-length` already says the body is over the limit. */
export function checkDeclaredLength(status: number, headers: Record<string, string>, limit: number | undefined): void {
  const declared = Number(headers['content-length'])
  if (limit !== undefined && Number.isFinite(declared) && declared > limit) throw new ResponseTooLarge(status, headers, limit)
}

/** Response headers as the runtime keeps them: names are lower-cased already, repeated ones are joined with ", " here, in place. */
export function joinRepeated(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  for (const name in headers) {
    const value = headers[name]
    if (typeof value === 'string') continue
    if (value === undefined) delete headers[name]
    else headers[name] = value.join(', ')
  }
  return headers as Record<string, string>
}
