/**
 * The auth layer: puts the bearer token on the request, and hands down how to redact it, so no
 * text that comes back (an echoed header, an error message, a kept body) carries it into an
 * error, a hook or a result. Core puts it outermost; a session (session.ts) takes its place and
 * uses `withToken` the same way; an atproto session manager (session-manager.ts) sends the
 * request itself, with credentials this runtime never sees.
 */
import { redactor } from './redact.js'
import { isHeaderValue } from './request.js'
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
    return (next) => (request) => next(token === undefined ? request : withToken(request, token))
  }
  if (typeof source !== 'function') throw new TypeError('auth must be a token string, a function returning one, a session, or a session manager with a fetchHandler')
  return (next) => async (request) => {
    const token = checkedToken(await source())
    return next(token === undefined ? request : withToken(request, token))
  }
}

/** `request` sending `token` as its bearer, and redacting it from whatever comes back. */
export function withToken(request: XrpcRequest, token: string): XrpcRequest {
  return { ...redacting(request, token), headers: { ...request.headers, authorization: `Bearer ${token}` } }
}

/** `request` redacting `secret` from whatever comes back (redact.ts), as well as what it redacted before. */
export function redacting(request: XrpcRequest, secret: string): XrpcRequest {
  return { ...request, redact: redactor(secret, request.redact) }
}

/** The token to send (`undefined` for none); a TypeError that never quotes it when it could split the request. */
export function checkedToken(token: unknown): string | undefined {
  if (token === undefined || token === '') return undefined
  if (!isHeaderValue(token)) {
    throw new TypeError('auth token must be a string of visible ASCII or Latin-1 characters, without CR, LF, NUL or other controls')
  }
  return token
}
