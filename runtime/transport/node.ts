/**
 * Node transport on the built-in `node:http` (and `node:https`): nothing is loaded before the
 * first request (importing the undici package costs ~80 ms on Node 20, more than the request),
 * and a request with keep-alive costs no more CPU than `undici.request`. A caller who brings an
 * undici `dispatcher` is served through it by transport/undici.ts (which imports nothing).
 */
import type { Agent as HttpAgent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex, Readable } from 'node:stream'
import { ACCEPT_ENCODING, decoded } from './decode.js'
import { BodySourceFailed, checkDeclaredLength, joinRepeated, NOT_SENT, ResponseTooLarge, TransportUnavailable, type AttemptSignal, type RawRequest, type RawResponse, type Transport } from './types.js'
import { send as sendThroughDispatcher } from './undici.js'

// Node's built-ins are taken as CommonJS modules, not imported: for `import … from 'node:http'`
// Node builds an ES module facade that reads every export, and on Node 22.5+ `http.WebSocket` and
// its kin are getters that load undici (with tls, http2 and crypto): ~30 ms at import, for
// nothing this transport uses. `process.getBuiltinModule` (Node 20.16+) reads none of them.
// And they are taken when first needed, not at import (node:http and node:stream ~2.5 ms on
// Node 20): a program that only validates, or sends through a dispatcher, never loads them.

/**
 * Sockets each shared Agent opens per origin. Without a limit, 1,000 concurrent calls would open
 * 1,000 sockets and run out of file descriptors under a 1,024 limit; calls beyond it wait for a
 * free socket (within their own timeout). Idle sockets close after 10 s, or earlier when the
 * server's `Keep-Alive: timeout` hint says so (see `keepSocketAlive`).
 */
const SHARED_CONNECTIONS_PER_ORIGIN = 64
const AGENT_OPTIONS = { keepAlive: true, maxSockets: SHARED_CONNECTIONS_PER_ORIGIN }
const IDLE_MS = 10_000
const KEEP_ALIVE_HINT = /^timeout=(\d+)/

/**
 * The Agent's hook for a socket its request is done with: kept when it may be reused, with an
 * idle timeout. Node's Agent does this for its `timeout` option too, but that option also has
 * every request clear the socket's timer and the Agent arm a new one (~5% of a call's CPU here).
 * This sets the timer once per socket: it runs on, reset by traffic, and changes only with the
 * server's hint. The Agent destroys a socket whose timer fires while it is free; one in use is
 * left to the timeout layer.
 */
function keepSocketAlive(duplex: Duplex): boolean {
  const socket = duplex as Socket
  // As Node's Agent does: TCP keep-alive probes, and no hold on the process while idle.
  socket.setKeepAlive(true, 1_000)
  socket.unref()
  // Node's Agent reads the hint from the same place: the response this socket just carried.
  const response = (socket as { _httpMessage?: { res?: IncomingMessage } })._httpMessage?.res
  const hint = KEEP_ALIVE_HINT.exec(String(response?.headers['keep-alive'] ?? ''))?.[1]
  // A second before the server would close it, so a request never races the server's close.
  const idle = hint === undefined ? IDLE_MS : Math.min(IDLE_MS, Number(hint) * 1_000 - 1_000)
  if (idle <= 0) return false
  if (socket.timeout !== idle) socket.setTimeout(idle)
  return true
}

/** `agent` with the idle timeout above. */
function pool<A extends HttpAgent>(agent: A): A {
  agent.keepSocketAlive = keepSocketAlive
  return agent
}

/**
 * node:http or node:https, and its pooled Agent. Its `request` is read at each call, never kept:
 * a test's interceptor (nock, MSW) replaces `http.request` when the test starts, after this module
 * has loaded, and a kept copy would send past it to the real server.
 */
interface Sender {
  readonly agent: HttpAgent
  readonly module: { readonly request: typeof import('node:http').request }
}

let http: Sender | undefined
let https: Sender | undefined
/** Exchanges started and not yet settled, on either Agent. */
let inFlight = 0

// Not an async function: one hands on the exchange's promise two microtask turns later, on every call.
export const send: Transport = (request: RawRequest): Promise<RawResponse> => {
  // A caller's undici Dispatcher keeps its own pool and settings.
  if (request.dispatcher !== undefined) return sendThroughDispatcher(request)
  let target: Origin
  let sender: Sender
  try {
    target = origin(request.url)
    sender = target.secure ? (https ??= loadSender('node:https')) : (http ??= loadSender('node:http'))
  } catch (error) {
    return Promise.reject(error)
  }
  return exchange(sender.module, options(target, sender.agent, request), request)
}

/** node:http or node:https, taken on the first call to such an origin. A runtime without it cannot send at all, which no retry mends. */
function loadSender(name: 'node:http' | 'node:https'): Sender {
  let module: typeof import('node:http') | typeof import('node:https') | undefined
  try {
    module = process.getBuiltinModule(name)
  } catch (error) {
    throw new TransportUnavailable(`${name} could not be loaded`, error)
  }
  if (module === undefined) throw new TransportUnavailable(`${name} could not be loaded`)
  return { agent: pool(new module.Agent(AGENT_OPTIONS)), module }
}

function options(target: Origin, agent: HttpAgent, request: RawRequest): RequestOptions {
  return { hostname: target.hostname, port: target.port, path: request.url.slice(target.href.length) || '/', method: request.method, headers: headerList(target, request), agent }
}

/**
 * The request's headers as `[name, value, …]`, which node:http writes out at once, checking each,
 * rather than storing them one by one with `setHeader` first (~5% of a call's CPU). For a list it
 * adds neither `Host` nor, as it writes them before the body is known, `Content-Length`: both are
 * added here as node:http would write them (and a Blob's size; streams go chunked).
 */
function headerList(target: Origin, { method, headers, body }: RawRequest): string[] {
  const list: string[] = []
  for (const name of Object.keys(headers)) list.push(name, headers[name]!)
  if (headers['host'] === undefined) list.push('host', target.host)
  // Bodies are decoded as fetch decodes them, so the same codings are asked for (decode.ts).
  if (headers['accept-encoding'] === undefined) list.push('accept-encoding', ACCEPT_ENCODING)
  const length = method === 'GET' ? undefined : byteLength(body)
  if (length !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) list.push('content-length', String(length))
  return list
}

/** A body this small is read whole by any server before it answers (it arrives in one piece). */
const SMALL_BODY = 64 << 10

function byteLength(body: RawRequest['body']): number | undefined {
  if (body === undefined) return 0
  if (typeof body === 'string') return Buffer.byteLength(body)
  if (body instanceof Uint8Array) return body.byteLength
  // A Blob's size is known: declared, a server can refuse one over its limit before it is sent.
  return body instanceof Blob ? body.size : undefined
}

interface Origin {
  readonly href: string
  readonly secure: boolean
  readonly host: string
  readonly hostname: string
  readonly port: string
}

/** Origins parsed so far: the runtime builds every URL from a service URL, so there are few. */
const origins = new Map<string, Origin>()

/** The origin of `url` (scheme, host and port), parsed once per origin rather than once per request. */
function origin(url: string): Origin {
  const end = url.indexOf('/', url.indexOf('//') + 2)
  const href = end < 0 ? url : url.slice(0, end)
  let found = origins.get(href)
  if (!found) {
    const parsed = new URL(href)
    // IPv6 literals come bracketed in a URL and bare in a hostname option.
    const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname
    found = { href, secure: parsed.protocol === 'https:', host: parsed.host, hostname, port: parsed.port }
    if (origins.size >= 64) origins.clear()
    origins.set(href, found)
  }
  return found
}

function exchange(via: Sender['module'], options: RequestOptions, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const { signal, maxResponseBytes: limit } = request
    if (signal?.aborted) return reject(signal.reason)
    let settled = false
    let req: ClientRequest | undefined
    let body: Readable | undefined
    let responded = false
    // Before a socket is given to the request, or while it connects, nothing of it has left: a call
    // that ends waiting for a free connection (all of the pool's busy) can be sent again safely.
    const stopListening = signal ? listen(signal, () => fail(req?.socket && !req.socket.connecting ? signal.reason : notSent(signal.reason))) : undefined
    inFlight++
    /** Ends the exchange once: false when it had ended already. */
    function settle(): boolean {
      if (settled) return false
      settled = true
      inFlight--
      stopListening?.()
      return true
    }
    function fail(error: unknown): void {
      if (!settle()) return
      // Drops the connection: a half-read or half-written exchange must not go back to the pool.
      req?.destroy()
      body?.destroy()
      reject(error)
    }
    function start(): void {
      if (settled) return
      try {
        // Redirects are never followed: node:http hands a 3xx back as it is (see UnexpectedRedirectError).
        req = via.request(options, onResponse)
      } catch (error) {
        return fail(error)
      }
      req.on('error', fail)
      // A 101 not asked for: node:http hands the socket to an 'upgrade' listener; with none it
      // destroys the socket and emits neither 'response' nor 'error', only 'close'.
      req.on('upgrade', (_response: IncomingMessage, socket: Duplex) => {
        socket.destroy()
        fail(new Error('the server switched protocols (101) though no upgrade was asked for'))
      })
      // The backstop: a request that closes before any response was handed over has none coming.
      req.on('close', () => {
        if (!responded) fail(new Error('the connection closed before a response arrived'))
      })
      writeBody(req, request.body, fail)
    }
    // Alone, a request goes at once. With others in flight, it is written with the rest started in
    // this turn of the event loop, after them (as undici does): the server is woken once for the
    // lot rather than once per request, each wake-up a context switch on a busy machine (~15% of
    // 32 concurrent calls' CPU here).
    if (inFlight > 1) setImmediate(start)
    else start()

    function onResponse(response: IncomingMessage): void {
      responded = true
      const status = response.statusCode ?? 0
      // A server refusing an upload (a 413 over its limit) may stop reading it and keep the
      // connection open with the rest unread: the next request on it would wait behind those bytes
      // (the kernel took them, so the upload looks sent). Such a connection is closed, not reused;
      // one whose upload is not even written out yet is destroyed once the answer is read (below).
      if (status >= 300 && req && (byteLength(request.body) ?? Infinity) > SMALL_BODY) req.shouldKeepAlive = false
      const headers = joinRepeated(response.headers)
      try {
        checkDeclaredLength(status, headers, limit)
        // What is counted and kept is the decoded body.
        body = decoded(response, status, headers)
      } catch (error) {
        return fail(error)
      }
      const chunks: Buffer[] = []
      let size = 0
      body.on('data', (chunk: Buffer) => {
        if (settled) return
        size += chunk.byteLength
        if (limit !== undefined && size > limit) return fail(new ResponseTooLarge(status, headers, limit))
        chunks.push(chunk)
      })
      body.on('end', () => {
        if (!settle()) return
        const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)
        resolve({ status, headers, body: new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength) })
        // Answered before the upload was written out (a 413 from a server that stopped reading and
        // keeps the connection open): node:http would wait for the rest forever, holding the socket
        // (64 such and every call to the origin times out) and the caller's stream. It is dropped.
        if (req && !req.writableFinished) req.destroy()
      })
      // The connection closed before the body was complete: said so, not as node:http's `aborted`,
      // which reads as the caller's abort (a 200 and its headers had come).
      const cut = () => Object.assign(new Error('the connection closed before the response body was complete'), { code: 'ECONNRESET' })
      const failed = (error: Error) => fail(response.complete ? error : cut())
      body.on('error', body === response ? failed : fail)
      if (body !== response) response.on('error', failed)
      response.on('close', () => {
        if (!response.complete) fail(cut())
      })
    }
  })
}

/** What an exchange aborted before any of its request left rejects with (see NOT_SENT). */
function notSent(reason: unknown): Error {
  return Object.assign(new Error('aborted before it was sent', { cause: reason }), { code: NOT_SENT })
}

/** Calls `onAbort` once when `signal` aborts; returns the unsubscribe. */
function listen(signal: AbortSignal | AttemptSignal, onAbort: () => void): () => void {
  if ('addEventListener' in signal) {
    signal.addEventListener('abort', onAbort, { once: true })
    return () => signal.removeEventListener('abort', onAbort)
  }
  signal.once('abort', onAbort)
  return () => signal.removeListener('abort', onAbort)
}

function writeBody(req: ClientRequest, body: RawRequest['body'], fail: (error: unknown) => void): void {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    req.end(body)
    return
  }
  // Blobs and web streams are piped: they can be larger than memory.
  const source = readerStream((body instanceof Blob ? body.stream() : body).getReader())
  source.on('error', (error) => fail(new BodySourceFailed(error))).pipe(req)
  // An upload that ends early (aborted, timed out, refused, the connection lost) stops reading.
  req.once('close', () => source.destroy())
}

/**
 * A Readable over a web stream's reader which, destroyed before the end, cancels the stream: what
 * feeds it (a file, a download being passed on) is let go. `Readable.from` would not cancel a
 * stream whose read is pending (a stalled download), and did not cancel one at all here.
 */
function readerStream(reader: ReadableStreamDefaultReader<Uint8Array>): Readable {
  return new (process.getBuiltinModule('node:stream').Readable)({
    read() {
      reader.read().then(({ done, value }) => void this.push(done ? null : value), (error: unknown) => this.destroy(error as Error))
    },
    destroy(error, callback) {
      // Not awaited: a source's cancel may never settle, and the request is over either way.
      reader.cancel(error ?? undefined).catch(() => {})
      callback(error)
    },
  })
}
