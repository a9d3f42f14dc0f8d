/**
 * Per-attempt deadlines: what aborts an attempt when its time is up or the caller's signal fires.
 */
import { AttemptAbort } from './signal.js'

/** The longest wait a timer takes: beyond it, Node and browsers fire at once, so larger finite values would end a wait immediately. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * One attempt's abort handle (signal.ts) with a time limit: it aborts on the caller's signal or
 * when the attempt's time is up, and remembers which.
 */
export class Deadline extends AttemptAbort {
  timedOut = false
  private timer: ReturnType<typeof setTimeout> | undefined = undefined

  constructor(
    readonly timeout: number,
    readonly at: number,
    caller: AbortSignal | undefined,
  ) {
    super(caller)
    if (!this.aborted && Number.isFinite(at)) this.arm()
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

  override clear(): void {
    clearTimeout(this.timer)
    super.clear()
  }
}
