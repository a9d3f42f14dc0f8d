/**
 * An in-memory Transport: answers each request from a function and records what it was sent, so
 * every layer of the runtime can be tested without a socket. A reply is a status with a JSON
 * body (and headers), `hang` (an exchange that ends only when its signal aborts), or an Error to
 * fail with as a transport would.
 */
import type { RawRequest, RawResponse, Transport } from '@lexgen/runtime'

export type MemoryReply = { status?: number; headers?: Record<string, string>; json?: unknown; text?: string } | 'hang' | Error

export interface MemoryTransport {
  readonly send: Transport
  /** Every request received, in order. */
  readonly requests: RawRequest[]
}

/** `reply(request, n)`: n is the 0-based index of the request. */
export function memoryTransport(reply: (request: RawRequest, n: number) => MemoryReply | Promise<MemoryReply>): MemoryTransport {
  const requests: RawRequest[] = []
  const send: Transport = async (request) => {
    const n = requests.push(request) - 1
    const answer = await reply(request, n)
    if (answer instanceof Error) throw answer
    if (answer === 'hang') return hang(request)
    const text = answer.text ?? (answer.json === undefined ? '' : JSON.stringify(answer.json))
    const headers = { ...(answer.json === undefined ? {} : { 'content-type': 'application/json' }), ...answer.headers }
    const response: RawResponse = { status: answer.status ?? 200, headers, body: new TextEncoder().encode(text) }
    return response
  }
  return { send, requests }
}

/** Never answers; rejects with the signal's reason once it aborts, as the real transports do. */
function hang(request: RawRequest): Promise<never> {
  return new Promise((_resolve, reject) => {
    const signal = request.signal
    if (!signal) return
    if (signal.aborted) return reject(signal.reason)
    const onAbort = () => reject(signal.reason)
    if ('addEventListener' in signal) signal.addEventListener('abort', onAbort, { once: true })
    else signal.once('abort', onAbort)
  })
}

/** A transport failure the way node:http reports one, with its error code. */
export function networkError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code })
}
