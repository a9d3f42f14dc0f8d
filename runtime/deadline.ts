/**
 * Per-attempt deadlines: what aborts an attempt when its time is up or the caller's signal fires.
 */
import { onAbort } from './signal.js'
import type { AttemptSignal } from './transport/types.js'

/**
 * One attempt's abort handle, handed to the transport in place of an AbortSignal: it aborts on
 * the caller's signal or when the attempt's time is up, and remembers which. It has the shape
 * of an EventEmitter (`once`/`removeListener`), which undici.request accepts as its `signal`, so
 * an attempt costs no AbortController and no EventTarget listener; the fetch transport bridges
 * it to an AbortSignal. One consumer (the transport) listens at a time.
 */
export class Deadline implements AttemptSignal {
  aborted = false
  reason: unknown = undefined
  timedOut = false
  private listener: (() => void) | undefined = undefined
  private readonly stopListening: (() => void) | undefined = undefined
  private timer: ReturnType<typeof setTimeout> | undefined = undefined

  constructor(
    readonly timeout: number,
    readonly at: number,
    private readonly caller: AbortSignal | undefined,
  ) {
    if (caller?.aborted) {
      this.aborted = true
      this.reason = caller.reason
      return
    }
    if (Number.isFinite(at)) this.arm()
    // Through signal.ts: a caller's signal shared by many calls in flight gets one listener, not one per call.
    if (caller) this.stopListening = onAbort(caller, () => this.abort(caller.reason))
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

  /**
   * Each attempt has a timer of its own, not one shared by every attempt in flight: a Cloudflare
   * Worker cancels the timers a request set when that request ends, so a shared timer died with
   * the first request, and no call of a later one ever timed out. Never fires before `at`.
   */
  private arm(): void {
    this.timer = setTimeout(() => (performance.now() < this.at ? this.arm() : this.expire()), Math.max(1, Math.ceil(this.at - performance.now())))
  }

  private expire(): void {
    this.timedOut = true
    this.abort(new DOMException(`Timed out after ${this.timeout} ms`, 'TimeoutError'))
  }

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listener = this.listener
    this.listener = undefined
    listener?.()
  }

  clear(): void {
    clearTimeout(this.timer)
    this.stopListening?.()
  }
}
