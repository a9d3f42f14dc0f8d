/**
 * A credential (password) session, and the auth layer of `session.core`: it sends the access
 * token; when a call fails with `ExpiredToken` it refreshes with `refreshSession` (one refresh
 * shared by every call that failed meanwhile) and replays that call once with the new token.
 * Calls go to the PDS the account's DID document names (pds.ts), as @atproto/api's do; login,
 * refresh and logout stay on the service, which issued the tokens (an entryway such as bsky.social).
 * Every change of tokens is reported so the app can persist them: a refresh token works once,
 * so losing the new one logs the user out. A login, resume or logout wins over a refresh still in
 * flight: its outcome is dropped, and the session it renewed revoked on the server; calls of the
 * new session do not wait for it. Refresh is single-flight per session even when it fails: calls
 * that went out with the expired token share one attempt. Session data is checked on the way in (resume, login, refresh): no call is ever
 * sent with a missing or malformed token. A refresh takes `refreshTimeout` at most, and a call waits
 * for one that another call started no longer than that: in a Cloudflare Worker, a refresh dies
 * with the request that started it, and a call of another request then sends a new one.
 *
 * The server methods are the generated ones, passed in by the generated `CredentialSession`
 * subclass, so the runtime stays independent of any generated client.
 */
import { ABORTED, unlessAborted } from './abortable.js'
import { credential, redacting, withCredential, type Credential } from './auth.js'
import { Core, type CoreConfig } from './core.js'
import { MAX_TIMER_MS } from './deadline.js'
import { AbortError, InvalidResponseError, type XrpcError } from './errors.js'
import { after, redactCredentials, redactIssued } from './redact.js'
import { pdsOrigin, pdsProblem } from './pds.js'
import { isHeaderValue, isOneShotBody } from './request.js'
import { err, type Result } from './result.js'
import { shown } from './shown.js'
import type { AuthLayer, CallOptions, Layer, Send, XrpcRequest } from './stack.js'

/** What a session keeps; `createSession` and `refreshSession` outputs fit it. */
export interface SessionData {
  did: string
  handle: string
  accessJwt: string
  refreshJwt: string
  email?: string | undefined
  emailConfirmed?: boolean | undefined
  /** Whether login asks for a code sent by email (`authFactorToken`). */
  emailAuthFactor?: boolean | undefined
  active?: boolean | undefined
  status?: string | undefined
  /**
   * The origin of the PDS the session's DID document names (`https://morel.us-east.host.bsky.network`),
   * when the server sent one: calls of `session.core` go there. Login, refresh and logout stay on
   * `service`, which issued the tokens (an entryway such as `https://bsky.social`).
   */
  pdsUrl?: string | undefined
}

/** Why the session changed: `expired` means the refresh token was rejected and the user must log in again. */
export type SessionEvent = 'create' | 'resume' | 'refresh' | 'expired' | 'logout'

export interface LoginInput {
  /** Handle, DID or email. */
  identifier: string
  password: string
  /** The code from the email, when the server answered `AuthFactorTokenRequired`. */
  authFactorToken?: string | undefined
}

/** The generated `com.atproto.server` functions a session calls. */
export interface SessionMethods {
  createSession(core: Core, input: LoginInput, options?: CallOptions): Promise<Result<SessionData, XrpcError>>
  refreshSession(core: Core, options?: CallOptions): Promise<Result<SessionData, XrpcError>>
  deleteSession(core: Core, options?: CallOptions): Promise<Result<void, XrpcError>>
}

export interface CredentialSessionConfig extends Omit<CoreConfig, 'auth'> {
  /** Called after every change, before the call that caused it goes on; persist `session` here. */
  onSessionChange?: ((session: Readonly<SessionData> | undefined, event: SessionEvent) => void | Promise<void>) | undefined
  /**
   * Milliseconds a refresh may take, retries included (default 30 s): it is aborted then, and a
   * call waiting for a refresh another call started waits no longer than that. In a Cloudflare
   * Worker the refresh dies with the request that started it when that request ends; a call of
   * another request then starts a new one when this time is up.
   */
  refreshTimeout?: number | undefined
}

const REFRESH_TIMEOUT = 30_000
/** How much longer than a refresh's own limit a call waits for it before taking it for lost. */
const LOST_AFTER = 1_000

/** Refresh answers that mean the refresh token itself is dead. */
const DEAD_REFRESH = new Set(['ExpiredToken', 'InvalidToken', 'AccountTakedown', 'AuthenticationRequired'])

export class CredentialSession implements AuthLayer {
  /** A `Core` that authenticates with this session: `new Client(session.core)`. */
  readonly core: Core
  /** The configuration of the Cores that call `com.atproto.server.*` on the PDS itself (never proxied). */
  private readonly coreConfig: Omit<CoreConfig, 'auth'>
  private readonly methods: SessionMethods
  private readonly onSessionChange: CredentialSessionConfig['onSessionChange']
  private readonly refreshTimeout: number
  // The tokens live in #private fields (this one and the three below), which util.inspect and
  // JSON.stringify never show: a logged session must not print its tokens, as a logged Core does not.
  /** Replaced (never changed in place) by every change: a refresh or logout tells by identity that one happened while it ran. */
  #current: SessionData | undefined
  /**
   * The refresh in flight, and the refresh token it spends: one per token, since a refresh token
   * may work once. A refresh for a session that was since replaced may still be in flight.
   */
  #refreshing: Refreshing | undefined
  /** Refreshes started so far: a call that fails after one it did not wait for shares its outcome. */
  private refreshes = 0
  /** The last refresh started: the refresh token it spent, and how many refreshes had started before it. */
  #lastTry: { readonly token: string; readonly after: number } | undefined
  /** Counts the changes that start or end a session (all but refreshes), so a logout can tell a login happened while it ran. */
  private logins = 0
  /** The access credential of the last session that authorized a call (auth.ts). */
  #access: { readonly session: SessionData; readonly credential: Credential } | undefined
  /** How the URLs `session.core` builds begin: what a call to the session's PDS replaces. */
  private readonly xrpcPrefix: string

  constructor(config: CredentialSessionConfig, methods: SessionMethods) {
    const { onSessionChange, refreshTimeout = REFRESH_TIMEOUT, ...coreConfig } = config
    // A timer fires at once beyond 2^31 - 1 ms.
    if (typeof refreshTimeout !== 'number' || !(refreshTimeout > 0) || refreshTimeout > MAX_TIMER_MS - LOST_AFTER) {
      throw new TypeError(`refreshTimeout must be a positive number of milliseconds up to ${MAX_TIMER_MS - LOST_AFTER}, got ${shown(refreshTimeout)}`)
    }
    this.methods = methods
    this.onSessionChange = onSessionChange
    this.refreshTimeout = refreshTimeout
    this.coreConfig = { ...coreConfig, proxy: false }
    this.core = new Core({ ...coreConfig, auth: this })
    this.xrpcPrefix = `${this.core.service.href.replace(/\/+$/, '')}/xrpc/`
    // What util.inspect shows: who is logged in, and where. Without it, inspect with `showHidden` and
    // `getters` calls the `session` getter and prints the tokens. Set here, not as a class member
    // keyed by Symbol.for(): a computed key keeps the class in every bundle, used or not.
    Object.defineProperty(this, Symbol.for('nodejs.util.inspect.custom'), {
      value: (_depth: number, options: object, inspect: (value: unknown, options: object) => string) => {
        const current = this.#current
        const who = current && { did: current.did, handle: current.handle, ...(current.pdsUrl === undefined ? {} : { pdsUrl: current.pdsUrl }) }
        return `CredentialSession ${inspect({ service: this.core.service.href, session: who }, options)}`
      },
    })
  }

  /** The current session (frozen: it is the live one), or undefined when logged out. */
  get session(): Readonly<SessionData> | undefined {
    return this.#current
  }

  /** Logs in; rejects with the typed error (e.g. `AuthFactorTokenRequired`) when the server refuses. */
  async login(input: LoginInput, options?: CallOptions): Promise<Readonly<SessionData>> {
    // The password (and the emailed code) go out in the body: whatever comes back is redacted of them.
    const secrets = [input.password, input.authFactorToken].filter((secret): secret is string => typeof secret === 'string' && secret !== '')
    const loginCore = new Core({ ...this.coreConfig, auth: { wrap: (next) => (request) => next(issuing(secrets.reduce(redacting, request))) } })
    const result = await this.methods.createSession(loginCore, input, options)
    if (!result.ok) throw result.error
    const problem = sessionProblem(result.value)
    if (problem) {
      const { status, headers, attempts } = result.response
      throw new InvalidResponseError({ nsid: 'com.atproto.server.createSession', status, headers, attempts, error: 'InvalidResponse', message: `the server's session ${problem}`, body: '' })
    }
    const answer = result.value as SessionData & { didDoc?: unknown }
    await this.change(pick(answer, pdsOrigin(answer.didDoc, answer.did, this.core.service)), 'create')
    return this.#current!
  }

  /** Picks up a session stored earlier; an expired access token is refreshed on the first call. */
  async resume(session: SessionData): Promise<void> {
    const problem = sessionProblem(session) ?? savedPdsProblem(session.pdsUrl, this.core.service)
    if (problem) throw new TypeError(`resume() needs a session as onSessionChange reported it: ${problem}`)
    await this.change(pick(session, session.pdsUrl === undefined ? undefined : new URL(session.pdsUrl).origin), 'resume')
  }

  /**
   * Revokes the session on the server and forgets it here. A refresh in flight is not waited for:
   * the session it brings back is revoked in turn (here, or by runRefresh if it ends after the
   * logout), so none outlives the logout. A login or resume that finishes meanwhile came later: it stays.
   * The session is forgotten even when the server cannot be told (offline, a 500): a sign-out must
   * work offline. That error is what it resolves to, as the server may keep the refresh token alive
   * until it expires; undefined when revoked. Aborted by `options.signal`, it rejects and keeps the session.
   */
  async logout(options?: CallOptions): Promise<XrpcError | undefined> {
    let revoked = this.#current
    if (!revoked) return undefined
    const logins = this.logins
    const result = await this.methods.deleteSession(this.coreWith(revoked), options)
    if (!result.ok && result.error instanceof AbortError && options?.signal?.aborted) throw result.error
    // A refresh token the server no longer knows is as logged out as it gets.
    const unrevoked = !result.ok && !DEAD_REFRESH.has(result.error.error) ? result.error : undefined
    // A refresh that finished meanwhile renewed the session being logged out: that goes too, and
    // so does a renewal that finished while that was revoked.
    while (logins === this.logins && this.#current && this.#current !== revoked) {
      revoked = this.#current
      await this.methods.deleteSession(this.coreWith(revoked)).catch(() => undefined)
    }
    if (logins === this.logins) await this.change(undefined, 'logout')
    return unrevoked
  }

  /**
   * The auth layer of `core`: the access token on every call, and one refresh and replay on
   * `ExpiredToken` (not of a streamed body, which the failed attempt used up: its ExpiredTokenError
   * is returned once the session is renewed, so the caller can send a new stream).
   */
  wrap(next: Send): Send {
    return async (request) => {
      const session = this.#current
      const refreshes = this.refreshes
      const outcome = await next(this.authorize(this.routed(request, session), session, 'accessJwt'))
      if (outcome.ok || outcome.error.error !== 'ExpiredToken') return outcome
      // The refresh is the session's: a call aborted meanwhile stops waiting, the refresh goes on for the others.
      const { signal } = request.options
      const refreshed = await unlessAborted(this.refreshAfter(session?.accessJwt, refreshes), signal)
      if (refreshed === ABORTED) {
        const { nsid } = request.xrpc
        return err(new AbortError({ nsid, attempts: outcome.error.attempts, status: 0, error: 'Aborted', message: `${nsid} was aborted while waiting for the session to refresh`, cause: signal?.reason }))
      }
      if (!refreshed) return outcome
      const renewed = this.#current
      // A call is replayed only as the account it was made by: an app that switched accounts
      // meanwhile (a login or resume) must not send one user's message as another's.
      if (!renewed || renewed.did !== session?.did) return outcome
      // A streamed upload was read by the attempt that failed: replayed, it would send nothing.
      if (isOneShotBody(request.body)) return outcome
      return next(this.authorize(this.routed({ ...request, attempt: outcome.error.attempts + 1 }, renewed), renewed, 'accessJwt'))
    }
  }

  /**
   * Refreshes the tokens after `failedToken` was refused, unless they changed since (another
   * call's refresh, a new login). Resolves true when a replay may succeed.
   */
  refresh(failedToken: string | undefined): Promise<boolean> {
    return this.refreshAfter(failedToken, this.refreshes)
  }

  /**
   * `refresh` for a call sent when `refreshesBefore` refreshes had started: a refresh of its
   * session started after it went out and failed is its answer too. One try per expired token.
   */
  private refreshAfter(failedToken: string | undefined, refreshesBefore: number): Promise<boolean> {
    const current = this.#current
    if (!current) return Promise.resolve(false)
    // The current session's refresh, started by any call: its outcome is this call's too.
    if (this.#refreshing?.token === current.refreshJwt) return this.waitFor(this.#refreshing, failedToken, refreshesBefore)
    if (failedToken !== current.accessJwt) return Promise.resolve(true)
    if (this.#lastTry?.token === current.refreshJwt && this.#lastTry.after >= refreshesBefore) return Promise.resolve(false)
    this.#lastTry = { token: current.refreshJwt, after: this.refreshes++ }
    const refreshing: Refreshing = {
      token: current.refreshJwt,
      until: performance.now() + this.refreshTimeout,
      done: this.runRefresh(current).finally(() => {
        if (this.#refreshing === refreshing) this.#refreshing = undefined
      }),
    }
    this.#refreshing = refreshing
    return refreshing.done
  }

  /**
   * The outcome of a refresh another call started, or, when it has not ended a moment after its
   * own limit, a new refresh: in a Cloudflare Worker a refresh dies with the request that started
   * it (workerd cancels what an ended request left pending, and drops the continuations of its
   * promises), and would strand this call and every later one. The timer is this call's own, so
   * it fires in this call's request. (The refresh token a lost refresh spent still works: a PDS
   * takes a spent one again for a grace period, answering with the same next token.)
   */
  private waitFor(refreshing: Refreshing, failedToken: string | undefined, refreshesBefore: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const lost = () => {
        if (this.#refreshing === refreshing) {
          this.#refreshing = undefined
          if (this.#lastTry?.token === refreshing.token) this.#lastTry = undefined
        }
        resolve(this.refreshAfter(failedToken, refreshesBefore))
      }
      const timer = setTimeout(lost, Math.max(1, Math.ceil(refreshing.until + LOST_AFTER - performance.now())))
      // It rejects when onSessionChange throws: every call that waited for it gets that error.
      refreshing.done.then(resolve, reject).finally(() => clearTimeout(timer))
    })
  }

  private async runRefresh(session: SessionData): Promise<boolean> {
    // The answer as it arrived, before its lexicon check and below the caller's layers. The refresh
    // token sent is spent once the server answers, so the tokens the answer rotated are kept even
    // when the call fails after that: an answer the check refuses (a server on a newer lexicon), or
    // a hook that throws (a logger that fails). Dropped, they would end the session at the next refresh.
    let answered: unknown
    const keep: Layer = (next) => (request) =>
      next({
        ...request,
        check: (value, response) => {
          answered = value
          return request.check?.(value, response)
        },
      })
    let result: Result<SessionData, XrpcError> | undefined
    let thrown: { readonly error: unknown } | undefined
    try {
      result = await this.methods.refreshSession(this.coreWith(session, keep), { signal: AbortSignal.timeout(this.refreshTimeout) })
    } catch (error) {
      thrown = { error }
    }
    const value = result?.ok ? result.value : answered
    const renewed = value !== undefined && !sessionProblem(value) ? this.renewal(session, value as SessionData & { didDoc?: unknown }) : undefined
    // The tokens are kept (or revoked, below) first; the call then fails as the hook made it fail.
    const outcome = (kept: boolean) => (thrown ? Promise.reject(thrown.error) : kept)
    // A login, resume or logout while the refresh was in flight wins: its tokens stay, and the
    // session this refresh renewed is revoked rather than left alive on the server. (Resuming the
    // very session being refreshed changes nothing: its refresh token is spent either way.)
    if (this.#current?.refreshJwt !== session.refreshJwt) {
      if (renewed) await this.methods.deleteSession(this.coreWith(renewed)).catch(() => undefined)
      return outcome(this.#current !== undefined)
    }
    if (renewed && renewed.did !== session.did) {
      // Tokens of another account: the session asked for is gone (its refresh token is spent), and
      // the other one is revoked rather than kept or left alive.
      await this.methods.deleteSession(this.coreWith(renewed)).catch(() => undefined)
      await this.change(undefined, 'expired')
      return outcome(false)
    }
    if (renewed) {
      await this.change(renewed, 'refresh')
      return outcome(true)
    }
    // A network failure (or an answer that is no session) keeps the session for later; a rejected refresh token ends it.
    if (result && !result.ok && DEAD_REFRESH.has(result.error.error)) await this.change(undefined, 'expired')
    return outcome(false)
  }

  /** The session a refresh answer renews `session` into: its PDS from the answer's DID document, or the known one when it sent none. */
  private renewal(session: SessionData, answer: SessionData & { didDoc?: unknown }): SessionData {
    return pick(answer, answer.didDoc === undefined ? session.pdsUrl : pdsOrigin(answer.didDoc, answer.did, this.core.service))
  }

  /**
   * `request` sent to `session`'s PDS instead of the service, when its DID document names another
   * origin (same path under it).
   */
  private routed(request: XrpcRequest, session: SessionData | undefined): XrpcRequest {
    const pds = session?.pdsUrl
    if (pds === undefined || pds === this.core.service.origin || !request.url.startsWith(this.xrpcPrefix)) return request
    return { ...request, url: `${pds}/xrpc/${request.url.slice(this.xrpcPrefix.length)}` }
  }

  private async change(session: SessionData | undefined, event: SessionEvent): Promise<void> {
    if (event !== 'refresh') this.logins++
    this.#current = session
    // The replaced session's tokens are not kept.
    this.#access = undefined
    await this.onSessionChange?.(session, event)
  }

  /**
   * `request` sending one of `session`'s tokens, and redacting both from whatever comes back: the
   * server issued them, so it can echo either.
   */
  private authorize(request: XrpcRequest, session: SessionData | undefined, bearer: 'accessJwt' | 'refreshJwt'): XrpcRequest {
    if (!session) return request
    if (bearer === 'refreshJwt') return withCredential(request, credential(session.refreshJwt, session.accessJwt))
    // Every call sends the access token: its credential is made once per session.
    if (this.#access?.session !== session) this.#access = { session, credential: credential(session.accessJwt, session.refreshJwt) }
    return withCredential(request, this.#access.credential)
  }

  /**
   * A Core of this session's configuration that authenticates as `session` with its refresh
   * token, and redacts the tokens a refresh issues.
   */
  private coreWith(session: SessionData, innermost?: Layer): Core {
    const layers = innermost ? [...(this.coreConfig.layers ?? []), innermost] : this.coreConfig.layers
    return new Core({ ...this.coreConfig, layers, auth: { wrap: (next) => (request) => next(issuing(this.authorize(request, session, 'refreshJwt'))) } })
  }
}

/** A refresh in flight: the refresh token it spends, when it gives up, and whether it renewed the session. */
interface Refreshing {
  readonly token: string
  readonly until: number
  readonly done: Promise<boolean>
}

/**
 * `request` of a call whose answer issues tokens (createSession, refreshSession). The texts an
 * error keeps are redacted of them for every call (exchange.ts); this also takes them out of
 * the answer's headers and hook contexts, and of a transport failure's cause.
 */
function issuing(request: XrpcRequest): XrpcRequest {
  return { ...request, redact: after(after(request.redact, redactCredentials), redactIssued) }
}

/**
 * What is wrong with saved or received session data, or undefined: it needs a DID and a handle,
 * and two tokens that can go in a header. The tokens are never quoted.
 */
function sessionProblem(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return 'it is not an object'
  const { did, handle, accessJwt, refreshJwt } = data as Partial<Record<keyof SessionData, unknown>>
  if (typeof did !== 'string' || !did.startsWith('did:')) return 'did must be a DID string'
  if (typeof handle !== 'string') return 'handle must be a string'
  for (const [name, token] of [['accessJwt', accessJwt], ['refreshJwt', refreshJwt]] as const) {
    if (typeof token !== 'string' || token === '') return `${name} must be a non-empty string`
    if (!isHeaderValue(token)) return `${name} has characters a header cannot carry`
  }
  return undefined
}

/** What is wrong with a saved session's `pdsUrl`, or undefined. */
function savedPdsProblem(pdsUrl: unknown, service: URL): string | undefined {
  if (pdsUrl === undefined) return undefined
  const problem = typeof pdsUrl === 'string' ? pdsProblem(pdsUrl, service) : 'must be a string'
  return problem && `pdsUrl ${problem}`
}

/** The optional fields a session keeps, when of their type: an answer the lexicon check refused may still renew a session (runRefresh). */
const OPTIONAL_FIELDS = { email: 'string', emailConfirmed: 'boolean', emailAuthFactor: 'boolean', active: 'boolean', status: 'string' } as const

/**
 * Keeps what a session needs and drops the rest (the DID document can be large), with `pdsUrl`
 * as given: never one a server's answer holds, which could send the tokens anywhere. Frozen: the
 * object is the live session, handed to `onSessionChange` and `session.session`, and a store or a
 * logger that blanked a token or moved `pdsUrl` in it would change what the next call sends, and where.
 */
function pick(data: SessionData, pdsUrl: string | undefined): SessionData {
  const { did, handle, accessJwt, refreshJwt } = data
  const kept: SessionData = { did, handle, accessJwt, refreshJwt }
  for (const [name, type] of Object.entries(OPTIONAL_FIELDS) as [keyof typeof OPTIONAL_FIELDS, string][]) {
    if (typeof data[name] === type) Object.assign(kept, { [name]: data[name] })
  }
  if (pdsUrl !== undefined) kept.pdsUrl = pdsUrl
  return Object.freeze(kept)
}
