/** Browser (and any WHATWG-fetch runtime) transport on the global `fetch`. */
import type { RawRequest, RawResponse, Send } from './types.js'

export const send: Send = async (request: RawRequest): Promise<RawResponse> => {
  const init: RequestInit & { duplex?: 'half'; dispatcher?: unknown } = {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
  }
  if (request.body !== undefined) init.body = request.body as BodyInit
  // Streaming request bodies must be declared half-duplex.
  if (request.body instanceof ReadableStream) init.duplex = 'half'
  // Node's fetch is undici's and honours a dispatcher; browsers ignore unknown fields.
  if (request.dispatcher !== undefined) init.dispatcher = request.dispatcher
  const response = await fetch(request.url, init)
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  return { status: response.status, headers, body: new Uint8Array(await response.arrayBuffer()) }
}
