/**
 * The retry layer: which failures are sent again, after how long, and the loop that does it.
 *
 * Queries are idempotent, so they retry on transient failures. A procedure such as
 * `sendMessage` retries only when the server provably did not process it (the connection
 * was refused, or a 429 said "not now"), or when the caller marks the call idempotent:
 * a timeout, a reset or a 5xx after the request went out may mean it was delivered.
 * A streamed body is consumed by the first attempt and never sent again.
 */
import { MAX_TIMER_MS } from './deadline.js'
import { AbortError, ConnectionError, extendMessage, RateLimitExceededError, TimeoutError, XrpcError, XrpcResponseError } from './errors.js'
import { parseRetryAfter, type RateLimit } from './rate-limit.js'
import { isOneShotBody } from './request.js'
import { err } from './result.js'
import { shown } from './shown.js'
import { onAbort } from './signal.js'
import type { Layer, RetryOption, RetryPolicy, Send } from './stack.js'

/** Retries failed attempts per `option` (default: 2 retries, backoff 0.5 s doubling to 8 s); a call's `retries` overrides it. */
export function retry(option?: RetryOption): Layer {
  const base = resolveRetryPolicy(option)
  const layer = (next: Send): Send => async (request) => {
    let outcome = await next(request)
    if (outcome.ok || isOneShotBody(request.body)) return outcome
    const { options, xrpc } = request
    const policy = options.retries === undefined ? base : resolveRetryPolicy(options.retries, base)
    const idempotent = xrpc.type === 'query' || options.idempotent === true
    for (let retries = 1; ; retries++) {
      const delay = retryDelay(outcome.error, retries, policy, idempotent)
      if (typeof delay !== 'number') {
        // Returned at once though retries were left: the message says why (`retryAfter` holds the wait).
        if (delay) extendMessage(outcome.error, ` (not retried: the server asked for a wait of ${seconds(delay.asked)}, longer than the ${seconds(Math.min(policy.maxWait, MAX_TIMER_MS))} a retry waits at most, maxWait)`)
        return outcome
      }
      const { attempts } = outcome.error
      try {
        await sleep(delay, options.signal)
      } catch (reason) {
        return err(new AbortError({ nsid: xrpc.nsid, attempts, status: 0, error: 'Aborted', message: `${xrpc.nsid} was aborted while waiting to retry`, cause: reason }))
      }
      outcome = await next({ ...request, attempt: attempts + 1 })
      if (outcome.ok) return outcome
    }
  }
  return Object.assign(layer, { options: { retries: (value: RetryOption) => void resolveRetryPolicy(value), idempotent: checkIdempotent } })
}

const DEFAULTS: Required<RetryPolicy> = { limit: 2, baseDelay: 500, maxDelay: 8_000, maxWait: 60_000 }

function checkIdempotent(value: unknown): void {
  if (typeof value !== 'boolean') throw new TypeError(`idempotent must be true or false, got ${shown(value)}`)
}

function resolveRetryPolicy(option: RetryOption | undefined, fallback?: Required<RetryPolicy>): Required<RetryPolicy> {
  const base = fallback ?? DEFAULTS
  if (option === undefined) return base
  if (option === false) return { ...base, limit: 0 }
  // Anything else would be spread as it is: a string's characters as fields, `true` as nothing at all.
  if (typeof option !== 'number' && (typeof option !== 'object' || option === null || Array.isArray(option))) {
    throw new TypeError(`retries must be false, a number of retries, or { limit, baseDelay, maxDelay, maxWait }, got ${shown(option)}`)
  }
  const unknown = typeof option === 'object' ? Object.keys(option).find((key) => !Object.hasOwn(DEFAULTS, key)) : undefined
  if (unknown !== undefined) throw new TypeError(`retries has no field ${JSON.stringify(unknown)}: it takes limit, baseDelay, maxDelay, maxWait`)
  // A field set to undefined keeps its default, as a left-out one does (RetryPolicy allows both).
  const given = Object.entries({ ...(typeof option === 'number' ? { limit: option } : option) }).filter(([, value]) => value !== undefined)
  const policy: Required<RetryPolicy> = { ...base, ...Object.fromEntries(given) }
  for (const [key, value] of Object.entries(policy)) {
    if (typeof value !== 'number' || !(value >= 0)) throw new TypeError(`retries.${key} must be a number >= 0, got ${shown(value)}`)
  }
  // 1.5 retries is no number of retries (Infinity is: retry until maxWait or the timeout says no).
  if (!Number.isInteger(policy.limit) && policy.limit !== Infinity) throw new TypeError(`retries.limit must be a whole number, got ${policy.limit}`)
  return policy
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504])

/**
 * Milliseconds to wait before retrying, or what returns `error` instead: `undefined` when it is not
 * retryable or out of retries, `{ asked }` when the server asked for a longer wait than `maxWait`.
 */
function retryDelay(
  error: XrpcError,
  attempt: number,
  policy: Required<RetryPolicy>,
  idempotent: boolean,
): number | { readonly asked: number } | undefined {
  if (attempt > policy.limit) return undefined
  if (!isRetryable(error, idempotent)) return undefined
  const requested = serverRequestedDelay(error, Date.now())
  // A wait longer than a timer can hold would fire at once: it counts as over any maxWait.
  if (requested !== undefined) {
    if (requested > Math.min(policy.maxWait, MAX_TIMER_MS)) return { asked: requested }
    // Calls limited together are told the same moment: spread over up to a second after it, they
    // do not all come back in one millisecond and use up the window (and their retries) at once.
    // Within maxWait and what a timer holds still.
    return Math.min(requested + Math.random() * Math.min(1_000, requested / 4), policy.maxWait, MAX_TIMER_MS)
  }
  // Bounded by what a timer holds too: a longer backoff (a maxDelay of months) would fire at once.
  const ceiling = Math.min(policy.maxDelay, policy.baseDelay * 2 ** (attempt - 1), MAX_TIMER_MS)
  // "Equal jitter": at least half the backoff, so clients that failed together spread out.
  return ceiling / 2 + Math.random() * (ceiling / 2)
}

/** A wait in whole seconds, rounded up: `3600 s`. */
function seconds(ms: number): string {
  return `${Math.ceil(ms / 1000)} s`
}

function isRetryable(error: XrpcError, idempotent: boolean): boolean {
  if (error instanceof XrpcResponseError) {
    if (error.status === 429) return true
    return idempotent && RETRYABLE_STATUS.has(error.status)
  }
  // A session that refused on its own fails alike however often it is asked.
  if (error.error === 'SessionFailed') return false
  // A refused connection, or a timeout before one was made or free (exchange.ts): the server cannot have seen it.
  if (error instanceof ConnectionError || error instanceof TimeoutError) return idempotent || error.unsent
  return false
}

/**
 * `Retry-After` (seconds or an HTTP date), else a 429's `ratelimit-reset`, as a delay from `now`;
 * undefined when the server asked for nothing, or for a moment already past (the backoff applies).
 */
function serverRequestedDelay(error: XrpcError, now: number): number | undefined {
  const at = error instanceof RateLimitExceededError ? (error.retryAfter ?? windowEnd(error.rateLimit)) : parseRetryAfter(error.headers['retry-after'])
  const delay = at === undefined ? undefined : at.getTime() - now
  return delay !== undefined && delay > 0 ? delay : undefined
}

/**
 * When the window a 429 names ends: only when its limit is used up (`remaining` 0, or not said).
 * A PDS proxying a call puts its own global window on the answer, with room left, whatever the
 * service behind it refused: that window says nothing of this 429. The reset is in whole seconds,
 * rounded down (@atproto/xrpc-server floors it): the window ends within the second after it.
 */
function windowEnd(rateLimit: RateLimit): Date | undefined {
  if (rateLimit.reset === undefined || (rateLimit.remaining !== undefined && rateLimit.remaining > 0)) return undefined
  // Kept within what a Date holds (8.64e15): a reset that far is past any maxWait all the same.
  return new Date(Math.min(rateLimit.reset.getTime() + 1_000, 8.64e15))
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      stopListening?.()
      resolve()
    }, ms)
    const stopListening =
      signal &&
      onAbort(signal, () => {
        clearTimeout(timer)
        reject(signal.reason)
      })
  })
}
