/**
 * Node transport on undici. undici is imported on the first request, not at load,
 * because importing it costs ~80 ms that a CLI which never calls out should not pay.
 */
import type { Dispatcher } from 'undici'
import type { RawRequest, RawResponse, Send } from './types.js'

let undici: Promise<typeof import('undici')> | undefined
let sharedAgent: Dispatcher | undefined

export const send: Send = async (request: RawRequest): Promise<RawResponse> => {
  const { request: undiciRequest, Agent } = await (undici ??= import('undici'))
  // One keep-alive pool for every client that brings no dispatcher of its own.
  const dispatcher = (request.dispatcher as Dispatcher | undefined) ?? (sharedAgent ??= new Agent({ keepAliveTimeout: 10_000 }))
  const response = await undiciRequest(request.url, {
    method: request.method,
    headers: request.headers,
    // undici sends Blobs and (async-iterable) web streams as they are.
    body: request.body as Dispatcher.RequestOptions['body'],
    signal: request.signal,
    dispatcher,
  })
  let body: Uint8Array
  try {
    body = new Uint8Array(await response.body.arrayBuffer())
  } catch (error) {
    // A body left half-read would pin its socket: destroy it before reporting the failure.
    response.body.destroy()
    throw error
  }
  return { status: response.statusCode, headers: flatten(response.headers), body }
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}
