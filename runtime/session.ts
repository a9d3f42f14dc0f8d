/**
 * A credential (password) session, and the auth layer of `session.core`: it sends the access
 * token; when a call fails with `ExpiredToken` it refreshes with `refreshSession` (one refresh
 * shared by every call that failed meanwhile) and replays that call once with the new token.
 * Every change of tokens is reported so the app can persist them: a refresh token works once,
 * so losing the new one logs the user out. A login, resume or logout wins over a refresh still
 * in flight: its outcome is dropped.
 *
 * The server methods are the generated ones, passed in by the generated `CredentialSession`
 * subclass, so the runtime stays independent of any generated client.
 */
import { checkedToken, withToken } from './auth.js'
import { Core, type CoreConfig } from './core.js'
import type { XrpcError } from './errors.js'
import type { Result } from './result.js'
import type { AuthLayer, CallOptions, Send } from './stack.js'

/** What a session keeps; `createSession` and `refreshSession` outputs fit it. */
export interface SessionData {
  did: string
  handle: string
  accessJwt: string
  refreshJwt: string
  email?: string
  emailConfirmed?: boolean
  active?: boolean
  status?: string
}

/** Why the session changed: `expired` means the refresh token was rejected and the user must log in again. */
export type SessionEvent = 'create' | 'resume' | 'refresh' | 'expired' | 'logout'

export interface LoginInput {
  /** Handle, DID or email. */
  identifier: string
  password: string
  /** The code from the email, when the server answered `AuthFactorTokenRequired`. */
  authFactorToken?: string
}

/** The generated `com.atproto.server` functions a session calls. */
export interface SessionMethods {
  createSession(core: Core, input: LoginInput, options?: CallOptions): Promise<Result<SessionData, XrpcError>>
  refreshSession(core: Core, options?: CallOptions): Promise<Result<SessionData, XrpcError>>
  deleteSession(core: Core, options?: CallOptions): Promise<Result<void, XrpcError>>
}

export interface CredentialSessionConfig extends Omit<CoreConfig, 'auth'> {
  /** Called after every change, before the call that caused it goes on; persist `session` here. */
  onSessionChange?: ((session: SessionData | undefined, event: SessionEvent) => void | Promise<void>) | undefined
}

/** Refresh answers that mean the refresh token itself is dead. */
const DEAD_REFRESH = new Set(['ExpiredToken', 'InvalidToken', 'AccountTakedown', 'AuthenticationRequired'])

export class CredentialSession implements AuthLayer {
  /** A `Core` that authenticates with this session: `new Client(session.core)`. */
  readonly core: Core
  /** Calls `com.atproto.server.*` on the PDS itself (never proxied), authenticating with the refresh token. */
  private readonly refreshCore: Core
  private readonly loginCore: Core
  private readonly methods: SessionMethods
  private readonly onSessionChange: CredentialSessionConfig['onSessionChange']
  private current: SessionData | undefined
  private refreshing: Promise<boolean> | undefined
  /** Counts session changes, so a refresh can tell that a login, resume or logout happened while it ran. */
  private generation = 0

  constructor(config: CredentialSessionConfig, methods: SessionMethods) {
    const { onSessionChange, ...coreConfig } = config
    this.methods = methods
    this.onSessionChange = onSessionChange
    this.core = new Core({ ...coreConfig, auth: this })
    this.loginCore = new Core({ ...coreConfig, proxy: false })
    this.refreshCore = new Core({ ...coreConfig, proxy: false, auth: () => this.current?.refreshJwt })
  }

  get session(): SessionData | undefined {
    return this.current
  }

  /** Logs in; rejects with the typed error (e.g. `AuthFactorTokenRequired`) when the server refuses. */
  async login(input: LoginInput, options?: CallOptions): Promise<SessionData> {
    const result = await this.methods.createSession(this.loginCore, input, options)
    if (!result.ok) throw result.error
    await this.change(pick(result.value), 'create')
    return this.current!
  }

  /** Picks up a session stored earlier; an expired access token is refreshed on the first call. */
  async resume(session: SessionData): Promise<void> {
    await this.change(pick(session), 'resume')
  }

  /** Revokes the session on the server and forgets it here. */
  async logout(options?: CallOptions): Promise<void> {
    if (!this.current) return
    const result = await this.methods.deleteSession(this.refreshCore, options)
    // A refresh token the server no longer knows is as logged out as it gets.
    if (!result.ok && !DEAD_REFRESH.has(result.error.error)) throw result.error
    await this.change(undefined, 'logout')
  }

  /** The auth layer of `core`: the access token on every call, and one refresh and replay on `ExpiredToken`. */
  wrap(next: Send): Send {
    return async (request) => {
      const token = checkedToken(this.current?.accessJwt)
      const outcome = await next(token === undefined ? request : withToken(request, token))
      if (outcome.ok || outcome.error.error !== 'ExpiredToken' || !(await this.refresh(token))) return outcome
      const renewed = checkedToken(this.current?.accessJwt)
      if (renewed === undefined) return outcome
      return next(withToken({ ...request, attempt: outcome.error.attempts + 1 }, renewed))
    }
  }

  /**
   * Refreshes the tokens after `failedToken` was refused, unless they changed since (another
   * call's refresh, a new login): one refresh at a time. Resolves true when a replay may succeed.
   */
  refresh(failedToken: string | undefined): Promise<boolean> {
    if (!this.current) return Promise.resolve(false)
    // The tokens changed since this call was sent (another call's refresh, a new login): just replay.
    if (failedToken !== this.current.accessJwt && !this.refreshing) return Promise.resolve(true)
    return (this.refreshing ??= this.runRefresh().finally(() => {
      this.refreshing = undefined
    }))
  }

  private async runRefresh(): Promise<boolean> {
    const generation = this.generation
    const result = await this.methods.refreshSession(this.refreshCore)
    // A login, resume or logout while the refresh was in flight wins: its tokens stay.
    if (generation !== this.generation) return this.current !== undefined
    if (result.ok) {
      await this.change(pick(result.value), 'refresh')
      return true
    }
    // A network failure keeps the session for later; a rejected refresh token ends it.
    if (DEAD_REFRESH.has(result.error.error)) await this.change(undefined, 'expired')
    return false
  }

  private async change(session: SessionData | undefined, event: SessionEvent): Promise<void> {
    this.generation++
    this.current = session
    await this.onSessionChange?.(session, event)
  }
}

/** Keeps what a session needs and drops the rest (the DID document can be large). */
function pick(data: SessionData): SessionData {
  const { did, handle, accessJwt, refreshJwt, email, emailConfirmed, active, status } = data
  return Object.fromEntries(
    Object.entries({ did, handle, accessJwt, refreshJwt, email, emailConfirmed, active, status }).filter(([, v]) => v !== undefined),
  ) as unknown as SessionData
}
