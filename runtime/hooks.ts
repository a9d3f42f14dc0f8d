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
    let pending = onRequest?.(context)
    if (isPromise(pending)) await pending
    const outcome = await next(request)
    const durationMs = performance.now() - started
    const { status, headers } = outcome.ok ? outcome.response : outcome.error
    pending = status > 0 ? onResponse?.({ ...context, status, headers, durationMs }) : undefined
    if (isPromise(pending)) await pending
    pending = outcome.ok ? undefined : onError?.({ ...context, error: outcome.error, durationMs })
    if (isPromise(pending)) await pending
    return outcome
  }
}

/** A hook's answer that is a promise: awaited (its rejection rejects the call); a plain hook's costs no turn. */
function isPromise(answer: unknown): answer is PromiseLike<unknown> {
  return typeof (answer as PromiseLike<unknown> | undefined)?.then === 'function'
}
