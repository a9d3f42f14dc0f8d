/** The contract between the runtime and a transport: one HTTP exchange, body fully read. */

/** A request body the transports can send as is. */
export type RequestBody = string | Uint8Array | Blob | ReadableStream<Uint8Array>

export interface RawRequest {
  readonly method: 'GET' | 'POST'
  readonly url: string
  /** Lower-case names; values already checked for CR/LF. */
  readonly headers: Readonly<Record<string, string>>
  readonly body?: RequestBody
  /** Aborts the whole exchange, body included (timeout or the caller's signal). */
  readonly signal: AbortSignal
  /** An undici `Dispatcher`, typed loosely so the browser build needs no undici types. */
  readonly dispatcher?: unknown
}

export interface RawResponse {
  readonly status: number
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Record<string, string>
  readonly body: Uint8Array
}

/** Rejects with the library's own error when no complete response arrived. */
export type Send = (request: RawRequest) => Promise<RawResponse>
