/**
 * The whole error hierarchy of an XRPC call, in one place.
 *
 *   XrpcError                       every failure a call can return
 *   ├─ XrpcResponseError            the server answered with a non-2xx status
 *   │  ├─ UnexpectedRedirectError     3xx: redirects are never followed
 *   │  ├─ InvalidRequestError         400
 *   │  ├─ AuthenticationRequiredError 401 (ExpiredTokenError, InvalidTokenError by error name)
 *   │  ├─ ForbiddenError              403
 *   │  ├─ NotFoundError               404
 *   │  ├─ PayloadTooLargeError        413
 *   │  ├─ RateLimitExceededError      429
 *   │  ├─ InternalServerError         500 and other 5xx
 *   │  ├─ MethodNotImplementedError   501
 *   │  ├─ UpstreamFailureError        502, 503, 504
 *   │  └─ declaredError(name)         lexicon-declared errors: one class per name, whatever the status
 *   ├─ InvalidResponseError         a 2xx whose body could not be decoded, or checked (the check threw)
 *   ├─ ResponseTooLargeError        a body over `maxResponseBytes`; reading stopped there
 *   ├─ PaginationLoopError          the server repeated a cursor, or sent only empty pages, while paging
 *   ├─ ValidationError              params, input or a 2xx body broke the method's lexicon
 *   │  ├─ RequestValidationError      found before sending: no request was made (status 0)
 *   │  └─ ResponseValidationError     a 2xx body; keeps the raw body's first 64 Ki characters
 *   └─ XrpcTransportError           no response at all (status 0)
 *      ├─ ConnectionError              (error 'SessionFailed': a session manager refused on its own, never retried)
 *      ├─ TimeoutError
 *      └─ AbortError
 *
 *   ConfigurationError              thrown, never in a Result: the runtime cannot send as set up
 */
import { CLASS_KEY, isInstance } from './brand.js'
import { parseRateLimit, parseRetryAfter, type RateLimit } from './rate-limit.js'
import { clip, type Redact } from './redact.js'

/**
 * One broken lexicon constraint: where (`message.facets[0].index.byteStart`) and what (`-1 < minimum 0`).
 * Or, last in a list cut short, how many more were found (`more`, with the path `''`).
 */
export interface ValidationIssue {
  path: string
  message: string
  /** On the issue that ends a list cut short: how many issues it stands for. */
  more?: number
}

/** Everything an error is built from. Headers are RESPONSE headers: request credentials never get here. */
export interface XrpcErrorInit {
  readonly status: number
  /** The XRPC error name, e.g. `InvalidRequest` or a lexicon-declared name such as `ConvoLocked`. */
  readonly error: string
  readonly message: string
  readonly nsid: string
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly attempts?: number | undefined
  readonly cause?: unknown
}

export class XrpcError extends Error {
  /**
   * Its name across copies of the runtime in one process (brand.ts), and its `name`: a bundler's
   * minifier renames classes, which would leave every error called `e` or `u`.
   */
  static readonly '@lexgen/runtime:class': string = 'XrpcError'

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isInstance(this, value)
  }

  /** HTTP status, or 0 when no response arrived. */
  readonly status: number
  readonly error: string
  readonly headers: Readonly<Record<string, string>>
  readonly nsid: string
  /** Attempts made before giving up, including the failing one. */
  readonly attempts: number

  constructor(init: XrpcErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = Object.hasOwn(new.target, CLASS_KEY) && !new.target[CLASS_KEY].startsWith('declared:') ? new.target[CLASS_KEY] : new.target.name
    this.status = init.status
    this.error = init.error
    this.headers = init.headers ?? {}
    this.nsid = init.nsid
    this.attempts = init.attempts ?? 1
  }

  /**
   * What `JSON.stringify` writes (a bot's structured log): the message too, which an Error's own
   * properties leave out, with the fields that say where and how often. The message is redacted.
   */
  toJSON(): Record<string, unknown> {
    // The message is the Error's own, not enumerable: spread, the fields alone would come along.
    return Object.assign<Record<string, unknown>, object>({ name: this.name, message: this.message }, this)
  }
}

export class XrpcResponseError extends XrpcError {
  static override readonly '@lexgen/runtime:class': string = 'XrpcResponseError'
}

/**
 * A 3xx. Redirects are never followed: following one could send the authorization header,
 * the `atproto-proxy` header or a procedure's body to another origin.
 */
export class UnexpectedRedirectError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'UnexpectedRedirectError'

  /** The `Location` the server pointed to, as sent. */
  readonly location?: string

  constructor(init: XrpcErrorInit) {
    const location = init.headers?.location
    super(location === undefined ? init : { ...init, message: `${init.message}; redirect to ${location} not followed` })
    if (location !== undefined) this.location = location
  }
}

export class InvalidRequestError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'InvalidRequestError'
}
export class AuthenticationRequiredError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'AuthenticationRequiredError'
}
export class ExpiredTokenError extends AuthenticationRequiredError {
  static override readonly '@lexgen/runtime:class': string = 'ExpiredTokenError'
}
export class InvalidTokenError extends AuthenticationRequiredError {
  static override readonly '@lexgen/runtime:class': string = 'InvalidTokenError'
}
export class ForbiddenError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'ForbiddenError'
}
export class NotFoundError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'NotFoundError'
}
export class PayloadTooLargeError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'PayloadTooLargeError'
}
export class InternalServerError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'InternalServerError'
}
export class MethodNotImplementedError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'MethodNotImplementedError'
}
export class UpstreamFailureError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'UpstreamFailureError'
}

export class RateLimitExceededError extends XrpcResponseError {
  static override readonly '@lexgen/runtime:class': string = 'RateLimitExceededError'

  /** Parsed from the `ratelimit-limit/-remaining/-reset/-policy` response headers. */
  readonly rateLimit: RateLimit
  /** When the server asked us to come back, from `Retry-After` (seconds or an HTTP date; rate-limit.ts). */
  readonly retryAfter?: Date

  constructor(init: XrpcErrorInit) {
    super(init)
    this.rateLimit = parseRateLimit(this.headers)
    const retryAfter = parseRetryAfter(this.headers['retry-after'])
    if (retryAfter) this.retryAfter = retryAfter
  }
}

/**
 * A 2xx whose body could not be decoded, or that the response check threw on (its `cause` is a
 * redacted copy of the throw); `body` keeps the start of the raw text for debugging.
 */
export class InvalidResponseError extends XrpcError {
  static override readonly '@lexgen/runtime:class': string = 'InvalidResponseError'

  readonly body: string

  constructor(init: XrpcErrorInit & { readonly body: string }) {
    super(init)
    this.body = init.body
  }
}

/**
 * A response body larger than the call's `maxResponseBytes`: the client stopped reading at
 * the limit and dropped the connection, so memory stays bounded. `status` and `headers` are
 * the response's; a procedure that got this far may have been processed.
 */
export class ResponseTooLargeError extends XrpcError {
  static override readonly '@lexgen/runtime:class': string = 'ResponseTooLargeError'

  /** The limit in bytes that was exceeded. */
  readonly limit: number

  constructor(init: XrpcErrorInit & { readonly limit: number }) {
    super(init)
    this.limit = init.limit
  }
}

/**
 * Paging stopped because following the server's cursors would never end: it returned a cursor it
 * had returned before, or kept returning pages with no items and a new cursor. The cursor is not
 * quoted: it is server text, which may be megabytes long or echo a credential.
 */
export class PaginationLoopError extends XrpcError {
  static override readonly '@lexgen/runtime:class': string = 'PaginationLoopError'

  /** Pages read before paging stopped. */
  readonly pages: number

  constructor(nsid: string, pages: number, emptyPages?: number) {
    const why = emptyPages === undefined ? 'a cursor it had already returned' : `${emptyPages} pages in a row with no items`
    super({ status: 0, error: 'PaginationLoop', nsid, message: `${nsid} returned ${why}, after ${pages} page(s); stopped paging to avoid an endless loop` })
    this.pages = pages
  }
}

/** What broke the lexicon, in which part of the call; the message names the first issue. */
export class ValidationError extends XrpcError {
  static override readonly '@lexgen/runtime:class': string = 'ValidationError'

  readonly part: 'params' | 'input' | 'output'
  /**
   * The broken constraints: `path` (`message.facets[0].index.byteStart`) and what is wrong. The
   * first 100 are listed; past them one last issue says how many more there were (its `more`).
   */
  readonly issues: readonly ValidationIssue[]

  constructor(init: XrpcErrorInit & { readonly part: ValidationError['part']; readonly issues: readonly ValidationIssue[] }) {
    super(init)
    this.part = init.part
    this.issues = init.issues
  }
}

/** What a validation error is built from; its `error` name and message follow from the part and the issues. */
export type ValidationErrorInit = Omit<XrpcErrorInit, 'error' | 'message'> & {
  readonly issues: readonly [ValidationIssue, ...ValidationIssue[]]
}

/** Params or input broke the lexicon: found before sending, so no request was made (status 0). */
export class RequestValidationError extends ValidationError {
  static override readonly '@lexgen/runtime:class': string = 'RequestValidationError'

  constructor(init: ValidationErrorInit & { readonly part: 'params' | 'input' }) {
    super({ ...init, error: 'InvalidRequest', message: summary(init.nsid, init.part, init.issues) })
  }
}

/** A 2xx body broke the lexicon. */
export class ResponseValidationError extends ValidationError {
  static override readonly '@lexgen/runtime:class': string = 'ResponseValidationError'

  /**
   * The raw response body for debugging, redacted: its first 65,536 characters, and `…` after
   * them when it was longer (`KEPT_BODY`, redact.ts: a body may be 16 MiB).
   */
  readonly body: string

  constructor(init: ValidationErrorInit & { readonly body: string }) {
    super({ ...init, part: 'output', error: 'InvalidResponse', message: summary(init.nsid, 'output', init.issues) })
    this.body = init.body
  }
}

/**
 * Adds `text` to an error's message, and to its stack's first line, which util.inspect prints. V8
 * writes the stack from the message when it is first read (by a hook, a logger, or here), so it is
 * read before the message changes and its first line replaced.
 */
export function extendMessage(error: Error, text: string): void {
  const stack = error.stack
  const header = `${error.name}: ${error.message}`
  error.message += text
  if (stack?.startsWith(header)) error.stack = `${error.name}: ${error.message}${stack.slice(header.length)}`
}

/** The last issue of a validation that found more than it lists: `count` more, after the first `listed`. */
export function moreIssues(count: number, listed: number): ValidationIssue {
  return { path: '', message: `${count} more ${count === 1 ? 'issue' : 'issues'}, not listed (only the first ${listed} are)`, more: count }
}

/** One line: the NSID, the part, the first issue and how many more. */
function summary(nsid: string, part: string, [first, ...rest]: readonly [ValidationIssue, ...ValidationIssue[]]): string {
  const where = first.path === '' ? '' : `${first.path}: `
  const last = rest[rest.length - 1]
  const count = rest.length + (last?.more === undefined ? 0 : last.more - 1)
  const more = count ? ` (and ${count} more)` : ''
  return `${nsid} ${part} does not match the lexicon: ${where}${first.message}${more}`
}

/**
 * The runtime cannot send at all as it is set up: the transport cannot load where it runs (no
 * `fetch`, a module that will not load). Like a TypeError for a bad option, it is thrown (the
 * call rejects, once, before anything is sent), never returned as a Result, and never retried:
 * trying again would fail the same way, and reporting it as a network failure would send the
 * reader to look for one.
 */
export class ConfigurationError extends Error {
  static readonly '@lexgen/runtime:class': string = 'ConfigurationError'
  override readonly name = 'ConfigurationError'

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isInstance(this, value)
  }
}

/** What a transport error is built from: `unsent` when the request provably never left. */
export interface XrpcTransportErrorInit extends XrpcErrorInit {
  readonly unsent?: boolean | undefined
}

export class XrpcTransportError extends XrpcError {
  static override readonly '@lexgen/runtime:class': string = 'XrpcTransportError'

  /**
   * True when the request provably never reached the server: the connection was refused or could
   * not be made, or the call ended while it waited for one. Sending it again repeats nothing, a
   * procedure included (the retry layer does so); false when it may have been delivered.
   */
  readonly unsent: boolean

  constructor(init: XrpcTransportErrorInit) {
    super(init)
    this.unsent = init.unsent === true
  }
}
export class ConnectionError extends XrpcTransportError {
  static override readonly '@lexgen/runtime:class': string = 'ConnectionError'
}
export class TimeoutError extends XrpcTransportError {
  static override readonly '@lexgen/runtime:class': string = 'TimeoutError'
}
export class AbortError extends XrpcTransportError {
  static override readonly '@lexgen/runtime:class': string = 'AbortError'
}

/** Constructor of one lexicon-declared error, narrowing `error` to its name. */
export type DeclaredError<N extends string> = new (init: XrpcErrorInit) => XrpcResponseError & { readonly error: N }

/** Constructor of any lexicon-declared error class: what a method's `errors` map holds, by XRPC error name. */
export type DeclaredErrorClass = new (init: XrpcErrorInit) => XrpcResponseError

// One class per name, so `instanceof` agrees across the methods that declare the same error.
const declaredErrors = new Map<string, DeclaredError<string>>()

/** The class for a lexicon-declared error name; generated modules call this once per declared error. */
export function declaredError<N extends string>(name: N): DeclaredError<N> {
  let cls = declaredErrors.get(name)
  if (!cls) {
    // A method may declare a token error by name (refreshSession does): it stays an ExpiredTokenError too.
    const Base = name === 'ExpiredToken' ? ExpiredTokenError : name === 'InvalidToken' ? InvalidTokenError : XrpcResponseError
    cls = class extends Base {
      // Declared errors of the same name are one class in every copy too.
      static override readonly '@lexgen/runtime:class': string = `declared:${name}`

      declare readonly error: N
    }
    Object.defineProperty(cls, 'name', { value: `${name}Error` })
    declaredErrors.set(name, cls)
  }
  return cls as DeclaredError<N>
}

/** What the runtime read from an error response, before choosing its class. */
export interface ErrorResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** The XRPC `error` field, when the body carried one. */
  readonly error?: string
  readonly message: string
}

/**
 * Chooses the class for an error response: a lexicon-declared error of the method first,
 * then the token errors by name (servers send ExpiredToken as 400 as well as 401), then the status.
 * The name is kept redacted and cut short, like every text from the wire (redact.ts).
 */
export function responseError(
  response: ErrorResponse,
  nsid: string,
  attempts: number,
  declared?: Readonly<Record<string, DeclaredErrorClass>>,
  redact?: Redact,
): XrpcResponseError {
  const { status, headers, message } = response
  const error = response.error === undefined ? defaultErrorName(status) : clip(response.error, redact)
  const init: XrpcErrorInit = { status, error, message, nsid, headers, attempts }
  // The name comes from the wire: looked up as an own key only (`constructor` is on every object).
  const Declared = response.error !== undefined && declared && Object.hasOwn(declared, response.error) ? declared[response.error] : undefined
  if (Declared) return new Declared(init)
  if (error === 'ExpiredToken') return new ExpiredTokenError(init)
  if (error === 'InvalidToken') return new InvalidTokenError(init)
  const StatusClass = statusClass(status)
  return new StatusClass(init)
}

function statusClass(status: number): typeof XrpcResponseError {
  if (status >= 300 && status < 400) return UnexpectedRedirectError
  switch (status) {
    case 400: return InvalidRequestError
    case 401: return AuthenticationRequiredError
    case 403: return ForbiddenError
    case 404: return NotFoundError
    case 413: return PayloadTooLargeError
    case 429: return RateLimitExceededError
    case 501: return MethodNotImplementedError
    case 502:
    case 503:
    case 504: return UpstreamFailureError
    default: return status >= 500 ? InternalServerError : XrpcResponseError
  }
}

// The names the XRPC spec gives each status, for bodies that carry none (an HTML error page).
const statusNames: Readonly<Record<number, string>> = {
  400: 'InvalidRequest',
  401: 'AuthenticationRequired',
  403: 'Forbidden',
  404: 'NotFound',
  406: 'NotAcceptable',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  429: 'RateLimitExceeded',
  500: 'InternalServerError',
  501: 'MethodNotImplemented',
  502: 'UpstreamFailure',
  503: 'NotEnoughResources',
  504: 'UpstreamTimeout',
}

function defaultErrorName(status: number): string {
  if (status >= 300 && status < 400) return 'UnexpectedRedirect'
  return statusNames[status] ?? (status >= 500 ? 'InternalServerError' : status >= 400 ? 'InvalidRequest' : 'InvalidResponse')
}
