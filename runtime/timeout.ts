/**
 * The timeout layer: every attempt gets `ms` milliseconds, body included, after which it ends in
 * a TimeoutError (which the retry layer retries when the call is idempotent). The caller's
 * `signal` aborts it too. A call's `timeout` option overrides `ms` (checked by `call` before
 * anything is sent); `Infinity` means no limit.
 */
import { Deadline, MAX_TIMER_MS } from './deadline.js'
import { AbortError, TimeoutError } from './errors.js'
import { err } from './result.js'
import { shown } from './shown.js'
import type { Layer, Send } from './stack.js'

export function timeout(ms = 30_000): Layer {
  checkTimeout(ms)
  const layer = (next: Send): Send => async (request) => {
    const limit = request.options.timeout ?? ms
    const deadline = new Deadline(limit, performance.now() + limit, request.options.signal)
    try {
      const outcome = await next({ ...request, signal: deadline })
      if (outcome.ok || !deadline.timedOut || !(outcome.error instanceof AbortError)) return outcome
      const { nsid, attempts, unsent } = outcome.error
      const message = `${nsid} timed out after ${limit} ms${unsent ? ', before it was sent' : ''}`
      return err(new TimeoutError({ nsid, attempts, status: 0, error: 'Timeout', message, cause: outcome.error.cause, unsent }))
    } finally {
      deadline.clear()
    }
  }
  return Object.assign(layer, { options: { timeout: checkTimeout } })
}

function checkTimeout(timeout: number): void {
  if (typeof timeout !== 'number' || !(timeout > 0) || (Number.isFinite(timeout) && timeout > MAX_TIMER_MS)) {
    throw new TypeError(`timeout must be a positive number of milliseconds up to ${MAX_TIMER_MS} (or Infinity), got ${shown(timeout)}`)
  }
}
