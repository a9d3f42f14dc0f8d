/**
 * The stack every call goes through, and what flows through it. Types only: the code is one
 * module per step.
 *
 *   call(core, method, args, options)     call.ts      builds the request (URL, headers, body)
 *   └─ core.send, composed once per Core:
 *      auth                               auth.ts      adds the token; hands down what to redact
 *                                         session.ts   …or a session: its PDS, one shared refresh, one replay
 *      your layers, in the order given    retry.ts     sends again when that is safe
 *                                         hooks.ts     reports each attempt
 *                                         timeout.ts   aborts an attempt that takes too long
 *      exchange                           exchange.ts  transport → decode → typed outcome
 *
 * A `Send` resolves to the call's Result: the decoded output, or the typed error the caller will
 * see. It never rejects for HTTP, XRPC or transport failures. Layers see typed outcomes, so a
 * retry decides on the same error class the caller gets, a session replays on `ExpiredToken`,
 * and hooks report the very error object the call returns. `withDefaults` (defaults.ts) is the
 * stack the namespaced `Client` uses.
 */
import type { XrpcError } from './errors.js'
import type { Method } from './method.js'
import type { Result } from './result.js'
import type { RawRequest, Transport } from './transport/types.js'

export interface CallOptions {
  signal?: AbortSignal | undefined
  /** Milliseconds per attempt for this call (timeout layer). */
  timeout?: number | undefined
  /** Overrides the client's `maxResponseBytes` for this call. */
  maxResponseBytes?: number | undefined
  /** Added to (and overriding) the client's headers for this call. */
  headers?: Record<string, string> | Headers | undefined
  /** Overrides the client's proxy for this call; `false` sends none. */
  proxy?: string | false | undefined
  /** Overrides the retry policy for this call; `false` makes exactly one attempt (retry layer). */
  retries?: RetryOption | undefined
  /**
   * Declares this procedure safe to repeat, so it is retried like a query (retry layer). Without
   * it a procedure is retried only when the server provably did not process it.
   */
  idempotent?: boolean | undefined
  /** Overrides the client's response validation for this call. */
  validate?: ValidationMode | undefined
  /** Overrides the client's request validation for this call. */
  validateRequest?: boolean | undefined
}

/** The per-call options only a layer reads: a Core without such a layer refuses them. */
export type LayerOption = 'timeout' | 'retries' | 'idempotent'

/** Checks of the per-call options a layer reads, run before anything is sent (a bad value is a TypeError). */
export type OptionChecks = { readonly [K in LayerOption]?: (value: NonNullable<CallOptions[K]>) => void }

export interface RetryPolicy {
  /** Retries after the first attempt; default 2. */
  limit?: number | undefined
  /** First backoff in ms, doubled per retry; default 500. */
  baseDelay?: number | undefined
  /** Backoff ceiling in ms; default 8000. */
  maxDelay?: number | undefined
  /** A server asking us to wait longer than this (ms) gets its error returned instead; default 60000. */
  maxWait?: number | undefined
}

/** `false` switches retries off; a number sets the limit. */
export type RetryOption = false | number | RetryPolicy

/**
 * How responses are checked. `lenient` matches @atproto/lexicon: it tolerates what lexicon evolution
 * allows (unknown fields, unknown `$type` in open unions, unknown `knownValues`); `strict` rejects those too.
 */
export type ValidationMode = 'lenient' | 'strict' | 'off'

/** One attempt of one call, as it travels down the stack: the HTTP request plus what layers need. */
export interface XrpcRequest extends RawRequest {
  /** The XRPC method: NSID, query or procedure, encodings, declared errors. */
  readonly xrpc: Method
  /** What the caller asked for this call; layers read their own options here. */
  readonly options: CallOptions
  /** 1 for the first attempt; a layer that sends again numbers the next one after the last outcome's. */
  readonly attempt: number
  /** Removes credentials from text that came back, before it reaches an error, hook or result. */
  readonly redact?: ((text: string) => string) | undefined
  /**
   * Sends this request in place of the Core's transport: how an auth that sends by itself (a
   * session manager's `fetchHandler`, with DPoP-bound OAuth tokens) plugs in below the layers.
   */
  readonly transport?: Transport | undefined
  /** Checks a decoded 2xx body: the error to fail the attempt with, or undefined (set when the Core validates). */
  readonly check?: ((value: unknown, response: CheckedResponse) => XrpcError | undefined) | undefined
}

/** What a response check knows about the response it checks; `body` gives its text, redacted and cut to `KEPT_BODY` (redact.ts). */
export interface CheckedResponse {
  readonly nsid: string
  readonly attempts: number
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  body(): string
  /** Removes credentials from wire text the check quotes (the request's `redact`). */
  redact(text: string): string
}

/** A call's outcome: the decoded output, or the typed error (with `attempts` and `status`). */
export type Outcome = Result<unknown, XrpcError>

/** Sends one request down the rest of the stack. Never rejects for HTTP, XRPC or transport failures. */
export type Send = (request: XrpcRequest) => Promise<Outcome>

/** One behaviour wrapped around the rest of the stack, with checks of the per-call options it reads. */
export interface Layer {
  (next: Send): Send
  readonly options?: OptionChecks
}

/** An auth that takes part in sending, such as a session that refreshes its token and replays the call. */
export interface AuthLayer {
  wrap(next: Send): Send
}

/** What `call` consults when a Core validates (validation.ts builds one from generated validators). */
export interface ValidationCheck {
  /** Params, then input, before anything is sent: the error to fail the call with, or undefined. */
  request(method: Method, args: { readonly params?: object; readonly input?: unknown }): XrpcError | undefined
  /** The check for this call's 2xx body, or undefined when it is not checked; throws a TypeError for an unknown mode. */
  response(method: Method, mode: ValidationMode): XrpcRequest['check']
}
