/**
 * Transport on undici, for callers who bring an undici `dispatcher` (a ProxyAgent, a MockAgent,
 * their own pool): transport/node.ts hands those requests here. undici is imported on the first
 * such request, not at load, because importing it costs ~80 ms.
 */
import type { Dispatcher } from 'undici'
import type { Readable } from 'node:stream'
import { ACCEPT_ENCODING, decoded } from './decode.js'
import { checkDeclaredLength, joinRepeated, ResponseTooLarge, type RawRequest, type RawResponse, type Transport } from './types.js'

let undici: Promise<typeof import('undici')> | undefined
/** undici once imported: later requests skip awaiting the import (a microtask per request). */
let loaded: typeof import('undici') | undefined
let sharedAgent: Dispatcher | undefined

/**
 * Sockets the shared Agent opens per origin. undici's default is unlimited: 1,000 concurrent
 * calls would open 1,000 sockets and run out of file descriptors under a 1,024 limit. Calls
 * beyond this wait for a free socket (within their own timeout).
 */
const SHARED_CONNECTIONS_PER_ORIGIN = 64

export const send: Transport = async (request: RawRequest): Promise<RawResponse> => {
  const { request: undiciRequest, Agent } = loaded ?? (loaded = await (undici ??= import('undici')))
  // One keep-alive pool for every client that brings no dispatcher of its own.
  const dispatcher =
    (request.dispatcher as Dispatcher | undefined) ?? (sharedAgent ??= new Agent({ keepAliveTimeout: 10_000, connections: SHARED_CONNECTIONS_PER_ORIGIN }))
  // undici.request never follows redirects: a 3xx comes back as it is (see UnexpectedRedirectError).
  const response = await undiciRequest(request.url, {
    method: request.method,
    // undici.request does not decode bodies: decode.ts does, as fetch would, for the codings asked for.
    headers: request.headers['accept-encoding'] === undefined ? { ...request.headers, 'accept-encoding': ACCEPT_ENCODING } : request.headers,
    // undici sends Blobs and (async-iterable) web streams as they are.
    body: request.body as Dispatcher.RequestOptions['body'],
    // An AbortSignal, or the runtime's EventEmitter-shaped AttemptSignal (undici takes either).
    signal: request.signal as Dispatcher.RequestOptions['signal'],
    dispatcher,
  })
  const status = response.statusCode
  const headers = joinRepeated(response.headers)
  let source: Readable = response.body
  let body: Uint8Array
  try {
    checkDeclaredLength(status, headers, request.maxResponseBytes)
    source = decoded(response.body, status, headers)
    body = await readBody(source, status, headers, request.maxResponseBytes)
  } catch (error) {
    // A body left half-read would pin its socket: destroy it before reporting the failure.
    // Destroying a body nobody reads emits an abort error: listen, or it is an uncaught exception.
    response.body.on('error', () => {}).destroy()
    source.destroy()
    throw error
  }
  return { status, headers, body }
}

/** Reads the whole (decoded) body, but never more than `limit` bytes of it. */
async function readBody(body: Readable, status: number, headers: Record<string, string>, limit: number | undefined): Promise<Uint8Array> {
  // 'data' events rather than `for await`: no async-iterator promise per chunk.
  const joined = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    body.on('data', (chunk: Buffer) => {
      if (failed) return
      size += chunk.byteLength
      if (limit !== undefined && size > limit) {
        failed = true
        // The caller destroys the body (and so drops the connection).
        reject(new ResponseTooLarge(status, headers, limit))
        return
      }
      chunks.push(chunk)
    })
    body.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)))
    body.on('error', reject)
  })
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength)
}
