/**
 * Listening to a caller's AbortSignal: one 'abort' listener per signal, however many calls share it.
 *
 * A bot hands its shutdown signal to every call. Each call in flight listens to it (its deadline,
 * a retry's backoff, a wait for a refresh, the transport), and Node warns of a "possible
 * EventTarget memory leak" once a signal has more than 10 listeners: 11 concurrent calls did that
 * though every listener was removed when its call ended. Here the first call to listen adds one
 * listener, which tells every call listening; the last to stop listening removes it, so a signal
 * with no call in flight has none of ours.
 */

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
