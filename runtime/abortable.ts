/**
 * Waiting for something that may not look at the caller's signal: a refresh another call started
 * (session.ts), a session manager's `fetchHandler` that waits for its own refresh (session-manager.ts).
 */
import { onAbort } from './signal.js'

export const ABORTED = Symbol('aborted')

/** What `promise` resolves to, or ABORTED as soon as `signal` aborts (`promise` runs on). */
export function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T | typeof ABORTED> {
  if (!signal) return promise
  return new Promise((resolve, reject) => {
    if (signal.aborted) resolve(ABORTED)
    const stopListening = signal.aborted ? undefined : onAbort(signal, () => resolve(ABORTED))
    // Listened to even after an abort: a promise that fails later is no unhandled rejection.
    promise.then(resolve, reject).finally(() => stopListening?.())
  })
}
