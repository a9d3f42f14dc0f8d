/**
 * Listening to a caller's AbortSignal: one 'abort' listener per signal, however many calls share it,
 * and `AttemptAbort`, what a transport is handed in its place.
 *
 * A bot hands its shutdown signal to every call. Each call in flight listens to it (its deadline,
 * a retry's backoff, a wait for a refresh, the transport), and Node warns of a "possible
 * EventTarget memory leak" once a signal has more than 10 listeners: 11 concurrent calls did that
 * though every listener was removed when its call ended. Here the first call to listen adds one
 * listener, which tells every call listening; the last to stop listening removes it, so a signal
 * with no call in flight has none of ours.
 */
import type { AttemptSignal } from './transport/types.js'

interface Listeners {
  readonly calls: Set<() => void>
  readonly dispatch: () => void
}

const listening = new WeakMap<AbortSignal, Listeners>()

/**
 * Calls `onAbort` once when `signal` aborts, as `addEventListener('abort', onAbort, { once: true })`
 * would (a signal that has aborted already never calls it); returns what stops listening.
 */
export function onAbort(signal: AbortSignal, onAbort: () => void): () => void {
  let listeners = listening.get(signal)
  if (!listeners) {
    const calls = new Set<() => void>()
    const dispatch = () => {
      listening.delete(signal)
      for (const call of calls) {
        // Each is told, whatever another threw; a throw is reported as a listener's would be.
        try {
          call()
        } catch (error) {
          queueMicrotask(() => {
            throw error
          })
        }
      }
      calls.clear()
    }
    listeners = { calls, dispatch }
    listening.set(signal, listeners)
    signal.addEventListener('abort', dispatch, { once: true })
  }
  // A function of its own: the same `onAbort` may listen for two calls.
  const call = () => onAbort()
  listeners.calls.add(call)
  const { calls, dispatch } = listeners
  return () => {
    if (!calls.delete(call) || calls.size > 0 || listening.get(signal) !== listeners) return
    listening.delete(signal)
    signal.removeEventListener('abort', dispatch)
  }
}

/**
 * One attempt's abort handle, handed to the transport in place of the caller's signal: it aborts
 * when that signal does, listening through `onAbort`, so no transport (nor fetch, which let go of
 * its listener on a caller's signal only once the request was garbage-collected) adds one per
 * call. It has the shape of an EventEmitter (`once`/`removeListener`), which undici.request
 * accepts as its `signal`, so an attempt costs no AbortController and no EventTarget listener; the
 * fetch transport bridges it to an AbortSignal. One consumer (the transport) listens at a time.
 * The timeout layer's Deadline (deadline.ts) is one with a timer.
 */
export class AttemptAbort implements AttemptSignal {
  aborted = false
  reason: unknown = undefined
  private listener: (() => void) | undefined = undefined
  private readonly stopListening: (() => void) | undefined = undefined

  constructor(caller: AbortSignal | undefined) {
    if (caller?.aborted) {
      this.aborted = true
      this.reason = caller.reason
    } else if (caller) {
      this.stopListening = onAbort(caller, () => this.abort(caller.reason))
    }
  }

  on(_event: 'abort', listener: () => void): this {
    this.listener = listener
    return this
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener)
  }

  removeListener(_event: 'abort', listener: () => void): this {
    if (this.listener === listener) this.listener = undefined
    return this
  }

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listener = this.listener
    this.listener = undefined
    listener?.()
  }

  /** Stops following the caller's signal: the attempt has ended. */
  clear(): void {
    this.stopListening?.()
  }
}
