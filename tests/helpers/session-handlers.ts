/**
 * The four `com.atproto.server` session methods, as a PDS answers them: password login, refresh
 * tokens that work once (a used one is revoked), access tokens the chat methods accept, and
 * logout. Served by the peer server in xrpc-server.ts next to the chat methods.
 */
import { AuthRequiredError, XRPCError } from '@atproto/xrpc-server'

export interface Account {
  readonly did: string
  readonly handle: string
  readonly password: string
}

/** Tokens the server has issued and not revoked. */
export class SessionTokens {
  readonly access = new Set<string>()
  readonly refresh = new Set<string>()
  /** Access tokens the chat methods answer `ExpiredToken` to. */
  readonly expired = new Set<string>()
  private serial = 0

  constructor(readonly account: Account) {}

  /** A fresh pair, as createSession and refreshSession return it. */
  issue() {
    const n = ++this.serial
    const tokens = { accessJwt: `access-jwt-${n}.session`, refreshJwt: `refresh-jwt-${n}.session` }
    this.access.add(tokens.accessJwt)
    this.refresh.add(tokens.refreshJwt)
    return { did: this.account.did, handle: this.account.handle, ...tokens, active: true }
  }

  /** Makes every access token issued so far expire, as time would. */
  expireAccessTokens(): void {
    for (const token of this.access) this.expired.add(token)
    this.access.clear()
  }
}

/** Which token a session method takes: none, the access token or the refresh token. */
export type SessionAuth = 'none' | 'access' | 'refresh'

export interface SessionHandler {
  readonly auth: SessionAuth
  handle(tokens: SessionTokens, input: Record<string, unknown>, bearer: string | undefined): unknown
}

export const sessionHandlers: Readonly<Record<string, SessionHandler>> = {
  'com.atproto.server.createSession': {
    auth: 'none',
    handle: (tokens, input) => {
      const { handle, did, password } = tokens.account
      if ((input.identifier !== handle && input.identifier !== did) || input.password !== password) {
        throw new AuthRequiredError('Invalid identifier or password')
      }
      return tokens.issue()
    },
  },
  'com.atproto.server.refreshSession': {
    auth: 'refresh',
    handle: (tokens, _input, bearer) => {
      tokens.refresh.delete(bearer!)
      return tokens.issue()
    },
  },
  'com.atproto.server.deleteSession': {
    auth: 'refresh',
    handle: (tokens, _input, bearer) => {
      tokens.refresh.delete(bearer!)
      return undefined
    },
  },
  'com.atproto.server.getSession': {
    auth: 'access',
    handle: (tokens) => ({ did: tokens.account.did, handle: tokens.account.handle, active: true }),
  },
}

/** Checks the bearer token a session method needs; a refresh token used twice is refused like a PDS refuses it. */
export function checkSessionAuth(tokens: SessionTokens, auth: SessionAuth, bearer: string | undefined, isAccessToken: (token: string) => boolean): void {
  if (auth === 'none') return
  if (bearer === undefined) throw new AuthRequiredError('Authentication Required')
  if (auth === 'refresh' && !tokens.refresh.has(bearer)) throw new XRPCError(400, 'Token has been revoked', 'ExpiredToken')
  if (auth === 'access' && !isAccessToken(bearer)) throw new AuthRequiredError('Token could not be verified', 'InvalidToken')
}
