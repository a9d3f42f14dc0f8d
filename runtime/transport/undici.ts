/**
 * Transport through a caller's undici `dispatcher` (a ProxyAgent, a MockAgent, their own pool):
 * transport/node.ts hands those requests here. It calls the dispatcher's own `request()`, which
 * every undici Dispatcher has (it is what `undici.request` calls), so the runtime never imports
 * undici: the caller's copy does the work, whichever version it is and however it was bundled. A
 * program bundled whole for Node builds and runs without undici installed.
 */
import type { Dispatcher } from 'undici'
import type { Readable } from 'node:stream'
import { askingForCodings, decoded } from './decode.js'
import { checkDeclaredLength, joinRepeated, ResponseTooLarge, type RawRequest, type RawResponse, type Transport } from './types.js'

export const send: Transport = async (request: RawRequest): Promise<RawResponse> => {
  const dispatcher = request.dispatcher as Dispatcher
  const path = request.url.indexOf('/', request.url.indexOf('//') + 2)
  // The dispatcher never follows redirects: a 3xx comes back as it is (see UnexpectedRedirectError).
  const response = await dispatcher.request({
    origin: request.url.slice(0, path),
    path: request.url.slice(path),
    method: request.method,
    // undici does not decode bodies: decode.ts does, as fetch would, for the codings asked for.
    headers: askingForCodings(request.headers),
    // undici sends Blobs and (async-iterable) web streams as they are.
    body: request.body as Dispatcher.RequestOptions['body'],
    // An AbortSignal, or the runtime's EventEmitter-shaped AttemptSignal (undici takes either).
    signal: request.signal as Dispatcher.RequestOptions['signal'],
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
