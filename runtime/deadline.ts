/**
 * Per-attempt deadlines: what aborts an attempt when its time is up or the caller's signal
 * fires, sharing one timer across every attempt in flight.
 */
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
  private readonly onCallerAbort: (() => void) | undefined = undefined

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
    if (Number.isFinite(at)) watch(this)
    if (caller) {
      this.onCallerAbort = () => this.abort(caller.reason)
      caller.addEventListener('abort', this.onCallerAbort, { once: true })
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

  /** Called by the shared timer when `at` has passed. */
  expire(): void {
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
    unwatch(this)
    if (this.onCallerAbort) this.caller?.removeEventListener('abort', this.onCallerAbort)
  }
}

/**
 * The deadlines of every attempt in flight share one timer, armed for the earliest of them:
 * starting and finishing an attempt is a Set insert and delete instead of a setTimeout and a
 * clearTimeout. The timer keeps the process alive exactly while some attempt with a finite
 * timeout is in flight (as a timer per attempt did); it never fires an attempt early.
 */
const inFlight = new Set<Deadline>()
let timer: ReturnType<typeof setTimeout> | undefined
let timerAt = Infinity

function watch(deadline: Deadline): void {
  if (inFlight.size === 0) refTimer(true)
  inFlight.add(deadline)
  if (deadline.at < timerAt) armTimer(deadline.at)
}

function unwatch(deadline: Deadline): void {
  if (inFlight.delete(deadline) && inFlight.size === 0) refTimer(false)
}

function armTimer(at: number): void {
  if (timer !== undefined) clearTimeout(timer)
  timerAt = at
  timer = setTimeout(expireDue, Math.max(1, Math.ceil(at - performance.now())))
  if (inFlight.size === 0) refTimer(false)
}

function refTimer(on: boolean): void {
  const handle = timer as { ref?: () => void; unref?: () => void } | undefined
  if (typeof handle === 'object') (on ? handle.ref : handle.unref)?.call(handle)
}

function expireDue(): void {
  timer = undefined
  timerAt = Infinity
  const now = performance.now()
  const due: Deadline[] = []
  let next = Infinity
  for (const deadline of inFlight) {
    if (deadline.at <= now) due.push(deadline)
    else if (deadline.at < next) next = deadline.at
  }
  for (const deadline of due) inFlight.delete(deadline)
  // Re-armed before anything is aborted, so a throwing listener cannot stop the clock.
  if (next !== Infinity) armTimer(next)
  for (const deadline of due) deadline.expire()
}
