/**
 * Browser (and any WHATWG-fetch runtime) transport on the global `fetch`; `fetchTransport` makes
 * the same transport over any fetch-shaped function (a session manager's `fetchHandler`).
 */
import { BodySourceFailed, checkDeclaredLength, ResponseTooLarge, TransportUnavailable, UndecodableBody, type RawRequest, type RawResponse, type Transport } from './types.js'

/** What `fetch` takes; a session manager's `fetchHandler` has this shape too. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>

/** A transport sending through `fetcher`: the request as `RequestInit`, the `Response` read back. */
export function fetchTransport(fetcher: FetchFunction): Transport {
  return async (request: RawRequest): Promise<RawResponse> => {
    const { signal } = request
    if (signal === undefined || signal instanceof AbortSignal) return exchange(fetcher, request, signal)
    // fetch needs a real AbortSignal: bridge the runtime's AttemptSignal to one.
    const controller = new AbortController()
    const onAbort = () => controller.abort(signal.reason)
    if (signal.aborted) onAbort()
    else signal.once('abort', onAbort)
    try {
      return await exchange(fetcher, request, controller.signal)
    } finally {
      signal.removeListener('abort', onAbort)
    }
  }
}

// The global looked up per call, so a fetch installed (or replaced) after import is the one used.
export const send: Transport = fetchTransport((url, init) => {
  if (typeof fetch !== 'function') throw new TransportUnavailable('there is no global fetch here: pass a `transport` to the Core')
  return fetch(url, init)
})

async function exchange(fetcher: FetchFunction, request: RawRequest, signal: AbortSignal | undefined): Promise<RawResponse> {
  const init: RequestInit & { duplex?: 'half'; dispatcher?: unknown } = {
    method: request.method,
    headers: request.headers,
    signal: signal ?? null,
    // Never follow a redirect: fetch would replay the call (a procedure's body, atproto-proxy,
    // on some runtimes the authorization header) to wherever the server points.
    redirect: 'manual',
  }
  const upload = request.body instanceof ReadableStream ? releasing(request.body) : undefined
  if (request.body !== undefined) init.body = (upload?.body ?? request.body) as BodyInit
  // Streaming request bodies must be declared half-duplex.
  if (upload) init.duplex = 'half'
  // Node's fetch is undici's and honours a dispatcher; browsers ignore unknown fields.
  if (request.dispatcher !== undefined) init.dispatcher = request.dispatcher
  try {
    return await sendAndRead(fetcher, request, init)
  } finally {
    upload?.release(signal?.reason)
  }
}

/**
 * The caller's stream as fetch's body, and `release`, which cancels it when the exchange ended
 * before it was read to the end (aborted, timed out, answered early): fetch stops reading it but
 * does not let it go, so a file or a download feeding it would stay open (node.ts does the same).
 */
function releasing(stream: ReadableStream<Uint8Array>): { readonly body: ReadableStream<Uint8Array>; release(reason: unknown): void } {
  const reader = stream.getReader()
  let ended = false
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await reader.read().catch((error: unknown) => Promise.reject(new BodySourceFailed(error)))
      if (next.done) {
        ended = true
        return controller.close()
      }
      if (!(next.value instanceof Uint8Array)) throw new BodySourceFailed(new TypeError(`a chunk of the body is ${typeof next.value}, not a Uint8Array`))
      controller.enqueue(next.value)
    },
    cancel: (reason) => reader.cancel(reason),
  })
  // Not awaited: a source's cancel may never settle, and the exchange is over either way.
  return { body, release: (reason) => void (ended || reader.cancel(reason).catch(() => {})) }
}

/** Sends `init` through `fetcher` and reads the whole answer. */
async function sendAndRead(fetcher: FetchFunction, request: RawRequest, init: RequestInit): Promise<RawResponse> {
  const response = await fetcher(request.url, init).catch(unexplained)
  // Browsers hide a redirect they did not follow behind an opaque status 0 with no headers.
  if (response.type === 'opaqueredirect') return { status: 302, headers: {}, body: new Uint8Array(0) }
  // Names are wire data: no prototype, so a `__proto__` header is a header (as node:http keeps them).
  const headers: Record<string, string> = Object.create(null)
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  try {
    return { status: response.status, headers, body: await readBody(response, headers, request.maxResponseBytes) }
  } catch (error) {
    throw undecodable(error, response.status, headers) ?? error
  }
}

/** What browsers say of every network failure (Chromium, Firefox, Safari), and nothing more. */
const BARE_NETWORK_ERROR = /^(Failed to fetch|NetworkError when attempting to fetch resource\.|Load failed)$/

/**
 * A browser hides why a request failed behind one bare TypeError, with no cause: the likeliest
 * reasons are said, as the message is all a log keeps. Any other error (Node's fetch gives the
 * reason as the cause, which the retry layer reads) passes as is.
 */
function unexplained(error: unknown): never {
  if (!(error instanceof TypeError) || error.cause !== undefined || !BARE_NETWORK_ERROR.test(error.message)) throw error
  throw new TypeError(`${error.message} (the server is unreachable, or its CORS policy refused the request: the browser console says which)`)
}

/**
 * fetch decodes gzip, deflate and br itself; a body it cannot undo fails the read with zlib's
 * error as the cause (Node; a browser reports a network error, which stays a ConnectionError).
 */
function undecodable(error: unknown, status: number, headers: Record<string, string>): UndecodableBody | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^(Z_|ERR_BROTLI|ERR__ERROR_FORMAT)/.test(code)) return new UndecodableBody(status, headers, `${headers['content-encoding']}: ${e.message}`)
  }
  return undefined
}

/** Reads the whole body, but never more than `limit` bytes of it; cancelling the rest drops the connection. */
async function readBody(response: Response, headers: Record<string, string>, limit: number | undefined): Promise<Uint8Array> {
  if (limit === undefined || response.body === null) return new Uint8Array(await response.arrayBuffer())
  try {
    checkDeclaredLength(response.status, headers, limit)
  } catch (error) {
    await response.body.cancel().catch(() => {})
    throw error
  }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw new ResponseTooLarge(response.status, headers, limit)
    }
    chunks.push(value)
  }
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}
