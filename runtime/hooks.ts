/**
 * The hooks layer: tells the caller about every attempt, for logging and metrics. It sees each
 * attempt after the auth (so a retry or a session's replay shows as its own attempt) and never
 * sees credentials: contexts carry no request headers, response text is already redacted, and so
 * is the URL (a server may echo the token as a cursor, which the next request then sends).
 */
import type { XrpcError } from './errors.js'
import type { MethodType } from './method.js'
import type { Layer } from './stack.js'

/** What hooks see of a request. Never carries credentials or request headers. */
export interface RequestContext {
  readonly nsid: string
  readonly type: MethodType
  /** 1 for the first attempt. */
  readonly attempt: number
  readonly method: 'GET' | 'POST'
  readonly url: string
}

export interface ResponseContext extends RequestContext {
  readonly status: number
  /** Response headers. */
  readonly headers: Readonly<Record<string, string>>
  readonly durationMs: number
}

export interface ErrorContext extends RequestContext {
  readonly error: XrpcError
  readonly durationMs: number
}

/**
 * The hooks. One that returns a promise (an `async` hook, which a `=> void` type takes) is awaited,
 * so that its rejection rejects the call as a throw does: left alone, it was an unhandled rejection,
 * which ends a Node process.
 */
export interface Hooks {
  /** Called before each attempt is sent. */
  onRequest?: ((context: RequestContext) => void) | undefined
  /** Called when an attempt got a response (a status and headers), whatever its status. */
  onResponse?: ((context: ResponseContext) => void) | undefined
  /** Called when an attempt failed: an error status, an undecodable or invalid body, or a transport failure. */
  onError?: ((context: ErrorContext) => void) | undefined
}

export function hooks({ onRequest, onResponse, onError }: Hooks): Layer {
  return (next) => async (request) => {
    const url = request.redact ? request.redact(request.url) : request.url
    const context: RequestContext = { nsid: request.xrpc.nsid, type: request.xrpc.type, attempt: request.attempt, method: request.method, url }
    const started = performance.now()
    await settled(onRequest?.(context))
    const outcome = await next(request)
    const durationMs = performance.now() - started
    const { status, headers } = outcome.ok ? outcome.response : outcome.error
    if (status > 0) await settled(onResponse?.({ ...context, status, headers, durationMs }))
    if (!outcome.ok) await settled(onError?.({ ...context, error: outcome.error, durationMs }))
    return outcome
  }
}

/** A hook's answer: a promise is awaited (its rejection rejects the call); anything else is done. */
function settled(answer: unknown): unknown {
  return typeof (answer as PromiseLike<void> | undefined)?.then === 'function' ? answer : undefined
}
