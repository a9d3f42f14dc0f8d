/**
 * What calling a method needs beyond its arguments: which token, and which service the user's
 * PDS forwards it to. Lexicons do not say either, so this is the one place that knows; the docs
 * state it and the examples follow it.
 */

/** The runtime's default `atproto-proxy` for `chat.*` (runtime/proxy.ts; tests/docs pins the two together). */
export const BSKY_CHAT_PROXY = 'did:web:api.bsky.chat#bsky_chat'

/**
 * - `none`: the call creates the credentials (login).
 * - `refresh`: the refresh token, not the access token (refreshSession, deleteSession).
 * - `chat`: a session with direct-message access (password, DM app password, OAuth chat scope); the PDS forwards the call with service auth.
 * - `access`: an access token (the lexicon says it requires auth).
 * - `unstated`: sent when the Core has one; the lexicon does not say whether it is required.
 */
export type AuthNeed = 'none' | 'refresh' | 'chat' | 'access' | 'unstated'

export interface CallNeeds {
  readonly auth: AuthNeed
  /** The `atproto-proxy` the runtime sends by default, if any. */
  readonly proxy?: string
}

export function callNeeds(nsid: string, description: string | undefined): CallNeeds {
  const proxy = nsid.startsWith('chat.') ? BSKY_CHAT_PROXY : undefined
  return { auth: authNeed(nsid, description ?? ''), ...(proxy ? { proxy } : {}) }
}

function authNeed(nsid: string, description: string): AuthNeed {
  if (nsid === 'com.atproto.server.createSession') return 'none'
  if (/\brefreshJwt\b/.test(description)) return 'refresh'
  if (nsid.startsWith('chat.')) return 'chat'
  return /\brequires auth/i.test(description) ? 'access' : 'unstated'
}

/** The environment variable the examples read the token from. */
export function tokenVariable(auth: AuthNeed): string | undefined {
  return auth === 'none' ? undefined : auth === 'refresh' ? 'ATPROTO_REFRESH_JWT' : 'ATPROTO_ACCESS_JWT'
}
