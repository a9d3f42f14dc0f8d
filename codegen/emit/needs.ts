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
 * - `optional`: sent when the Core has one; the lexicon says the call does not require it.
 * - `unstated`: sent when the Core has one; the lexicon does not say whether it is required.
 */
export type AuthNeed = 'none' | 'refresh' | 'chat' | 'access' | 'optional' | 'unstated'

/**
 * Where the user's PDS sends a call that carries no `atproto-proxy` header, as the reference PDS
 * (@atproto/pds, its pipethrough's `computeProxyTo`) does. `report`: `com.atproto.moderation.createReport`
 * goes to its report service. `ozone`: `tools.ozone.*` goes to the moderation service it is
 * configured with (most of them) or its AppView, never the user's own Ozone. `pds`: anything else it
 * answers itself or forwards to its AppView, which one depending on the PDS's version and setup.
 */
export type DefaultRoute = 'pds' | 'ozone' | 'report'

export interface CallNeeds {
  readonly auth: AuthNeed
  /** The `atproto-proxy` the runtime sends by default, if any. */
  readonly proxy?: string
  /** Where the PDS sends the call when it carries no proxy header. */
  readonly route: DefaultRoute
}

export function callNeeds(nsid: string, description: string | undefined): CallNeeds {
  const proxy = nsid.startsWith('chat.') ? BSKY_CHAT_PROXY : undefined
  return { auth: authNeed(nsid, description ?? ''), ...(proxy ? { proxy } : {}), route: defaultRoute(nsid) }
}

function defaultRoute(nsid: string): DefaultRoute {
  if (nsid === 'com.atproto.moderation.createReport') return 'report'
  return nsid.startsWith('tools.ozone.') ? 'ozone' : 'pds'
}

function authNeed(nsid: string, description: string): AuthNeed {
  if (nsid === 'com.atproto.server.createSession') return 'none'
  if (/\brefreshJwt\b/.test(description)) return 'refresh'
  if (nsid.startsWith('chat.')) return 'chat'
  // "Does not require auth", "Public and does not require auth", "Auth is optional": before "requires auth".
  if (/\bnot require auth|\bauth is optional/i.test(description)) return 'optional'
  return /\brequires auth/i.test(description) ? 'access' : 'unstated'
}

/** The environment variable the examples read the token from. */
export function tokenVariable(auth: AuthNeed): string | undefined {
  return auth === 'none' ? undefined : auth === 'refresh' ? 'ATPROTO_REFRESH_JWT' : 'ATPROTO_ACCESS_JWT'
}
