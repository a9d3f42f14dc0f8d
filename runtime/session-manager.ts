/**
 * Auth by an atproto session manager: anything with `fetchHandler(pathname, init)`, the shape
 * `@atproto/api`'s `Agent` takes — its `CredentialSession` (password or app password), or an
 * `OAuthSession` from `@atproto/oauth-client-node` / `-browser` (DPoP-bound tokens). The session
 * adds its own credentials, picks its PDS and refreshes its tokens; this layer hands each attempt
 * to it in place of the Core's transport. Everything above that stays as it is: the proxy header,
 * retries that never repeat a procedure the server may have processed, timeouts, hooks,
 * validation and the typed errors. An attempt ends when its time is up or the caller aborts, even
 * when the session is waiting for a refresh that does not look at the signal.
 *
 * The session's tokens never pass through here, so what could be one in text that comes back (a
 * JWT, an `authorization` value) is redacted before it reaches an error, a hook or a result.
 */
import { ABORTED, unlessAborted } from './abortable.js'
import { after, redactCredentials } from './redact.js'
import { fetchTransport } from './transport/fetch.js'
import { SessionFailed } from './transport/types.js'
import type { Layer } from './stack.js'

/** atproto's session manager interface (`@atproto/api`'s `SessionManager`). */
export interface SessionManager {
  /** Sends `init` to `pathname` (path and query, no origin) on the session's PDS, with its credentials. */
  fetchHandler(pathname: string, init: RequestInit): Promise<Response>
  /** The account's DID, when the session knows it. */
  readonly did?: string | undefined
}

export function isSessionManager(source: unknown): source is SessionManager {
  return typeof source === 'object' && source !== null && typeof (source as SessionManager).fetchHandler === 'function'
}

/**
 * The base URL calls of a Core without `service` are built on: the session decides the origin and
 * gets only the path, so this name (in `.invalid`, which never resolves) only shows in hooks and errors.
 */
export const SESSION_SERVICE = 'https://session.invalid'

/**
 * Whether a failure of `fetchHandler` is its fetch's: a TypeError (what fetch rejects with on the
 * network), a system error's code, or an abort or timeout of the fetch (the session's own signal).
 */
function onNetwork(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof TypeError || typeof (e as { code?: unknown }).code === 'string' || e.name === 'AbortError' || e.name === 'TimeoutError') return true
  }
  return false
}

/** The auth layer for a session manager. */
export function sessionManagerLayer(manager: SessionManager): Layer {
  // The origin is the session's to choose (its PDS, the one its tokens are bound to): it gets the path.
  const transport = fetchTransport(async (url, init) => {
    const { pathname, search } = new URL(url)
    const answer = Promise.resolve().then(() => manager.fetchHandler(pathname + search, init))
    // A session may wait for its own refresh before it fetches, or after an ExpiredToken, without
    // looking at the signal (@atproto/api's does): the attempt's timeout and the caller's signal
    // end the attempt anyway, and an answer that comes later is let go.
    const settled = await unlessAborted(answer, init.signal).catch((error: unknown) => {
      // fetch fails on the network with a TypeError; anything else is the session's own.
      throw onNetwork(error) ? error : new SessionFailed(error)
    })
    if (settled !== ABORTED) {
      // By its shape: a Response of another fetch (undici's, a polyfill's) is no instance of this realm's.
      const response = settled as Partial<Response> | null | undefined
      if (typeof response?.status !== 'number' || typeof response.headers?.forEach !== 'function') {
        throw new SessionFailed(new TypeError(`fetchHandler resolved to ${response === null ? 'null' : typeof response}, not a Response`))
      }
      return settled
    }
    // Its body may not cancel (errored, or locked by a clone being read): that is no one's concern now.
    void answer.then((late) => late?.body?.cancel()).catch(() => undefined)
    throw init.signal!.reason
  })
  return (next) => (request) => {
    // The session owns `authorization`: a header set by hand would make it send that one instead.
    const { authorization: _, ...headers } = request.headers
    return next({ ...request, headers, transport, redact: after(request.redact, redactCredentials) })
  }
}
