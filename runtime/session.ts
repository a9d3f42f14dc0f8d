/**
 * A credential (password) session: logs in with `com.atproto.server.createSession`, sends the
 * access token, refreshes it with `refreshSession` when a call fails with `ExpiredToken` (once,
 * however many calls failed together), and reports every change of tokens so the app can
 * persist them: a refresh token works once, so losing the new one logs the user out.
 *
 * The server methods are the generated ones, passed in by the generated `CredentialSession`
 * subclass, so the runtime stays independent of any generated client.
 */
import { Core, type CallOptions, type CoreConfig } from './client.js'
import type { XrpcError } from './errors.js'
import type { Result } from './result.js'

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
  onSessionChange?: (session: SessionData | undefined, event: SessionEvent) => void | Promise<void>
}

/** How `Core` talks to a session: the current token, and a single-flight refresh. */
export interface SessionAuth {
  accessToken(): string | undefined
  /** Refreshes unless another call already did; resolves true when a replay may succeed. */
  refresh(failedToken: string | undefined): Promise<boolean>
}

/** Refresh answers that mean the refresh token itself is dead. */
const DEAD_REFRESH = new Set(['ExpiredToken', 'InvalidToken', 'AccountTakedown', 'AuthenticationRequired'])

export class CredentialSession implements SessionAuth {
  /** A `Core` that authenticates with this session: `new Client(session.core)`. */
  readonly core: Core
  /** Calls `com.atproto.server.*` on the PDS itself (never proxied), authenticating with the refresh token. */
  private readonly refreshCore: Core
  private readonly loginCore: Core
  private readonly methods: SessionMethods
  private readonly onSessionChange: CredentialSessionConfig['onSessionChange']
  private current: SessionData | undefined
  private refreshing: Promise<boolean> | undefined

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

  accessToken(): string | undefined {
    return this.current?.accessJwt
  }

  refresh(failedToken: string | undefined): Promise<boolean> {
    if (!this.current) return Promise.resolve(false)
    // Another call refreshed since this one was sent: just replay with the new token.
    if (failedToken !== this.current.accessJwt && !this.refreshing) return Promise.resolve(true)
    return (this.refreshing ??= this.runRefresh().finally(() => {
      this.refreshing = undefined
    }))
  }

  private async runRefresh(): Promise<boolean> {
    const result = await this.methods.refreshSession(this.refreshCore)
    if (result.ok) {
      await this.change(pick(result.value), 'refresh')
      return true
    }
    // A network failure keeps the session for later; a rejected refresh token ends it.
    if (DEAD_REFRESH.has(result.error.error)) await this.change(undefined, 'expired')
    return false
  }

  private async change(session: SessionData | undefined, event: SessionEvent): Promise<void> {
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
