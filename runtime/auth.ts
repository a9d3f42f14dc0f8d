/**
 * The auth layer: puts the bearer token on the request, and hands down how to redact it, so no
 * text that comes back (an echoed header, an error message, a kept body) carries it into an
 * error, a hook or a result. Core puts it outermost; a session (session.ts) takes its place and
 * uses `withCredential` the same way; an atproto session manager (session-manager.ts) sends the
 * request itself, with credentials this runtime never sees.
 */
import { after, redactor, type Redact } from './redact.js'
import { isHeaderValue, mergeHeaders } from './request.js'
import { isSessionManager, sessionManagerLayer, type SessionManager } from './session-manager.js'
import type { AuthLayer, Layer, XrpcRequest } from './stack.js'

/**
 * A bearer token, a function returning the current one (called before each call and replay), a
 * session, or an atproto session manager (`fetchHandler`: `@atproto/api`'s `CredentialSession`, an OAuth session).
 */
export type AuthSource = string | (() => string | undefined | Promise<string | undefined>) | AuthLayer | SessionManager

/** The layer for `auth`, checking a fixed token once, here, before any request. */
export function authLayer(source: AuthSource): Layer {
  if (typeof source === 'object' && source !== null && typeof (source as AuthLayer).wrap === 'function') return (next) => (source as AuthLayer).wrap(next)
  if (isSessionManager(source)) return sessionManagerLayer(source)
  if (typeof source === 'string') {
    const token = checkedToken(source)
    if (token === undefined) return (next) => next
    const fixed = credential(token)
    return (next) => (request) => next(withCredential(request, fixed))
  }
  if (typeof source !== 'function') throw new TypeError('auth must be a token string, a function returning one, a session, or a session manager with a fetchHandler')
  // A function usually returns the same token for a while: its redactor is made once per token.
  let last: Credential | undefined
  return (next) => async (request) => {
    const token = checkedToken(await source())
    if (token === undefined) return next(request)
    if (last?.token !== token) last = credential(token)
    return next(withCredential(request, last))
  }
}

/**
 * A bearer token with what sending it takes (its `authorization` header) and what keeps it, and
 * `alsoRedacted` (a session's other token), out of text that comes back. Made once per token:
 * building a redactor on every call would cost more than the rest of the auth layer.
 */
export interface Credential {
  readonly token: string
  readonly headers: { readonly authorization: string }
  readonly redact: Redact
}

export function credential(token: string, alsoRedacted?: string): Credential {
  const redact = alsoRedacted === undefined ? redactor(token) : after(redactor(token), redactor(alsoRedacted))
  return { token, headers: { authorization: `Bearer ${token}` }, redact }
}

/** `request` sending `credential`'s token as its bearer, and redacting it from whatever comes back. */
export function withCredential(request: XrpcRequest, { headers, redact }: Credential): XrpcRequest {
  return { ...request, headers: mergeHeaders(request.headers, headers), redact: after(request.redact, redact) }
}

/** `request` redacting `secret` from whatever comes back (redact.ts), as well as what it redacted before. */
export function redacting(request: XrpcRequest, secret: string): XrpcRequest {
  return { ...request, redact: after(request.redact, redactor(secret)) }
}

/** The token to send (`undefined` for none); a TypeError that never quotes it when it could split the request. */
function checkedToken(token: unknown): string | undefined {
  if (token === undefined || token === '') return undefined
  if (!isHeaderValue(token)) {
    throw new TypeError('auth token must be a string of visible ASCII or Latin-1 characters, without CR, LF, NUL or other controls')
  }
  return token
}
