/**
 * Client configuration and `call()`, the one function every generated method goes through.
 * `call()` resolves to a Result for every HTTP, XRPC and transport failure; it throws (rejects)
 * only for programmer errors such as an invalid configuration, before any request is made.
 */
import { send } from '#transport'
import {
  AbortError,
  ConnectionError,
  InvalidResponseError,
  responseError,
  ResponseTooLargeError,
  TimeoutError,
  XrpcError,
} from './errors.js'
import type { Method, MethodType } from './method.js'
import { assertProxy, resolveProxy } from './proxy.js'
import { buildUrl, decodeError, decodeOutput, decodeText, encodeInput } from './request.js'
import { err, ok, type Result } from './result.js'
import { resolveRetryPolicy, retryDelay, sleep, type RetryOption, type RetryPolicy } from './retry.js'
import type { SessionAuth } from './session.js'
import { Deadline } from './deadline.js'
import { ResponseTooLarge, type RawRequest, type RawResponse } from './transport/types.js'
import {
  assertValidationMode,
  checkRequest,
  outputCheck,
  responseValidationError,
  type ValidationMode,
  type ValidationRegistry,
} from './validation.js'
import type { ValidationIssue } from './validate.js'

const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024

/** A bearer token, or a function returning the current one (called before every attempt). */
export type AuthSource = string | (() => string | undefined | Promise<string | undefined>) | SessionAuth

/** What hooks see of a request. Never carries credentials or request headers. */
export interface RequestContext {
  readonly nsid: string
  readonly type: MethodType
  /** 1 for the first attempt. */
  readonly attempt: number
  readonly method: 'GET' | 'POST'
  readonly url: string
}

export interface ResponseContext extends RequestContext {
  readonly status: number
  /** Response headers. */
  readonly headers: Readonly<Record<string, string>>
  readonly durationMs: number
}

export interface ErrorContext extends RequestContext {
  readonly error: XrpcError
  readonly durationMs: number
}

export interface CoreConfig {
  /** The user's PDS, e.g. `https://bsky.social`. */
  service: string | URL
  auth?: AuthSource
  /** `atproto-proxy` for every call; `false` switches off the default for `chat.*` NSIDs. */
  proxy?: string | false
  /** Sent with every call. */
  headers?: Record<string, string>
  /** Milliseconds per attempt, body included; default 30 s; `Infinity` disables it. */
  timeout?: number
  /** Largest response body read, in bytes; default 16 MiB; `Infinity` disables it. Beyond it: ResponseTooLargeError. */
  maxResponseBytes?: number
  /** An undici `Dispatcher` (Node only); a shared keep-alive Agent is used otherwise. */
  dispatcher?: unknown
  /** Retry policy for every call (see runtime/retry.ts); default 2 retries, backoff 0.5 s doubling to 8 s. */
  retries?: RetryOption
  /** Validators by NSID (the generated `validation`, or only the methods used): installing them switches validation on. */
  validation?: ValidationRegistry
  /** How 2xx bodies are checked when validators are installed: `lenient` (default), `strict` or `off`. */
  validate?: ValidationMode
  /** Check params and input before sending when validators are installed (default true); a failure sends nothing. */
  validateRequest?: boolean
  /** Called before each attempt is sent. */
  onRequest?: (context: RequestContext) => void
  /** Called when an attempt got a response, whatever its status. */
  onResponse?: (context: ResponseContext) => void
  /** Called when an attempt failed: an error status, an undecodable body or a transport failure. */
  onError?: (context: ErrorContext) => void
}

export interface CallOptions {
  signal?: AbortSignal
  /** Overrides the client's timeout for this call. */
  timeout?: number
  /** Overrides the client's `maxResponseBytes` for this call. */
  maxResponseBytes?: number
  /** Added to (and overriding) the client's headers for this call. */
  headers?: Record<string, string>
  /** Overrides the client's proxy for this call; `false` sends none. */
  proxy?: string | false
  /** Overrides the client's retry policy for this call; `false` makes exactly one attempt. */
  retries?: RetryOption
  /**
   * Declares this procedure safe to repeat, so it is retried like a query. Without it a
   * procedure is retried only when the server provably did not process it.
   */
  idempotent?: boolean
  /** Overrides the client's response validation for this call. */
  validate?: ValidationMode
  /** Overrides the client's request validation for this call. */
  validateRequest?: boolean
}

// Kept outside the instance so the token never shows up when a Core is logged or inspected.
const authSources = new WeakMap<Core, AuthSource>()

/** A validated client configuration, shared by the standalone functions and the namespaced client. */
export class Core {
  readonly service: URL
  readonly proxy: string | false | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly timeout: number
  readonly maxResponseBytes: number
  readonly dispatcher: unknown
  readonly retries: Required<RetryPolicy>
  readonly validation: ValidationRegistry | undefined
  readonly validate: ValidationMode
  readonly validateRequest: boolean
  readonly onRequest: CoreConfig['onRequest']
  readonly onResponse: CoreConfig['onResponse']
  readonly onError: CoreConfig['onError']

  constructor(config: CoreConfig) {
    this.service = serviceUrl(config.service)
    assertProxy(config.proxy)
    this.proxy = config.proxy
    this.headers = normalizeHeaders(config.headers)
    this.timeout = checkTimeout(config.timeout ?? DEFAULT_TIMEOUT_MS)
    this.maxResponseBytes = checkMaxResponseBytes(config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES)
    this.dispatcher = config.dispatcher
    this.retries = resolveRetryPolicy(config.retries)
    assertValidationMode(config.validate)
    this.validation = config.validation
    this.validate = config.validate ?? 'lenient'
    this.validateRequest = config.validateRequest ?? true
    this.onRequest = config.onRequest
    this.onResponse = config.onResponse
    this.onError = config.onError
    if (config.auth !== undefined) {
      if (typeof config.auth !== 'string' && typeof config.auth !== 'function' && !isSession(config.auth)) {
        throw new TypeError('auth must be a token string, a function returning one, or a session')
      }
      authSources.set(this, config.auth)
    }
  }
}

/** Everything about a call that does not change between attempts. */
interface PreparedCall {
  readonly method: Method
  readonly request: Omit<RawRequest, 'signal'>
  readonly timeout: number
  readonly signal: AbortSignal | undefined
  readonly checkOutput: ((value: unknown) => ValidationIssue[] | undefined) | undefined
}

/** Makes one XRPC call. Never rejects for HTTP, XRPC or transport failures. */
export async function call<O, E extends XrpcError = XrpcError>(
  core: Core,
  method: Method,
  // `| undefined`: generated functions pass a left-out argument on as is (exactOptionalPropertyTypes).
  args: { params?: object | undefined; input?: unknown },
  options: CallOptions = {},
): Promise<Result<O, E>> {
  const invalid = checkRequest(core, method, args, options)
  if (invalid) return err<XrpcError>(invalid) as Result<O, E>
  const prepared = prepare(core, method, args, options)
  const policy = resolveRetryPolicy(options.retries, core.retries)
  const idempotent = method.type === 'query' || options.idempotent === true
  // A stream is consumed by the first attempt; anything else can be sent again as it is.
  const repeatable = !isStream(prepared.request.body)
  const session = authSources.get(core)
  let refreshed = false
  let retries = 0
  for (let attemptNumber = 1; ; attemptNumber++) {
    const sent: { token?: string } = {}
    const result = await attempt(core, prepared, attemptNumber, sent)
    if (result.ok) return result as Result<O, E>
    const error = result.error
    // An expired access token: refresh once (shared by every call that hit it) and replay.
    if (!refreshed && error.error === 'ExpiredToken' && isSession(session) && (await session.refresh(sent.token))) {
      refreshed = true
      continue
    }
    const delay = repeatable ? retryDelay(error, ++retries, policy, idempotent) : undefined
    if (delay === undefined) return withAttempts(result, attemptNumber) as Result<O, E>
    try {
      await sleep(delay, options.signal)
    } catch (reason) {
      const message = `${method.nsid} was aborted while waiting to retry after ${attemptNumber} attempts`
      return err(new AbortError({ nsid: method.nsid, attempts: attemptNumber, status: 0, error: 'Aborted', message, cause: reason })) as Result<O, E>
    }
  }
}

/** Says in the message how many attempts a call made, when it made more than one. */
function withAttempts(result: Result<never, XrpcError>, attempts: number): Result<never, XrpcError> {
  if (!result.ok && attempts > 1) result.error.message += ` (after ${attempts} attempts)`
  return result
}

function isStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (Symbol.asyncIterator in body || typeof (body as ReadableStream).getReader === 'function')
}

function isSession(auth: unknown): auth is SessionAuth {
  return typeof auth === 'object' && auth !== null && typeof (auth as SessionAuth).refresh === 'function'
}

function prepare(core: Core, method: Method, args: { params?: object; input?: unknown }, options: CallOptions): PreparedCall {
  assertProxy(options.proxy)
  const headers: Record<string, string> = { ...core.headers, ...normalizeHeaders(options.headers) }
  // The proxy setting owns `atproto-proxy` (so it is always validated), the lexicon owns `content-type`.
  const proxy = resolveProxy(method.nsid, core.proxy, options.proxy)
  if (proxy === undefined) delete headers['atproto-proxy']
  else headers['atproto-proxy'] = proxy
  const maxResponseBytes = options.maxResponseBytes === undefined ? core.maxResponseBytes : checkMaxResponseBytes(options.maxResponseBytes)
  const { body, contentType } = encodeInput(method, args.input, headers['content-type'])
  if (contentType === undefined) delete headers['content-type']
  else headers['content-type'] = contentType
  return {
    method,
    request: {
      method: method.type === 'query' ? 'GET' : 'POST',
      url: buildUrl(core.service, method.nsid, args.params),
      headers,
      ...(body === undefined ? {} : { body }),
      ...(core.dispatcher === undefined ? {} : { dispatcher: core.dispatcher }),
      ...(Number.isFinite(maxResponseBytes) ? { maxResponseBytes } : {}),
    },
    timeout: options.timeout === undefined ? core.timeout : checkTimeout(options.timeout),
    signal: options.signal,
    checkOutput: outputCheck(core, method, options),
  }
}

/**
 * One attempt, start to finish: the single place a request is sent. It notes in `sent` the
 * token it used, so a refresh can tell whether another call already replaced that token.
 */
async function attempt(
  core: Core,
  prepared: PreparedCall,
  attemptNumber: number,
  sent: { token?: string },
): Promise<Result<unknown, XrpcError>> {
  const { method, request, signal } = prepared
  const { nsid } = method
  const context: RequestContext = { nsid, type: method.type, attempt: attemptNumber, method: request.method, url: request.url }
  const started = performance.now()
  const fail = (error: XrpcError): Result<never, XrpcError> => {
    core.onError?.({ ...context, error, durationMs: performance.now() - started })
    return err(error)
  }
  if (signal?.aborted) {
    return fail(new AbortError({ nsid, attempts: attemptNumber, status: 0, error: 'Aborted', message: `${nsid} was aborted before it was sent`, cause: signal.reason }))
  }

  let token: string | undefined
  try {
    // A plain string token needs no await (one microtask less per attempt).
    const source = authSources.get(core)
    token = typeof source === 'string' || source === undefined ? checkedToken(source) : await resolveAuth(source)
  } catch (error) {
    // A session layer reports a failed refresh as an XrpcError: that is a call outcome, not a bug.
    if (error instanceof XrpcError) return fail(error)
    throw error
  }
  sent.token = token
  const redact = (text: string): string => (token ? text.replaceAll(token, '[redacted]') : text)

  core.onRequest?.(context)
  const deadline = new Deadline(prepared.timeout, performance.now() + prepared.timeout, signal)
  let response: RawResponse
  try {
    response = await send({
      ...request,
      headers: token === undefined ? request.headers : { ...request.headers, authorization: `Bearer ${token}` },
      signal: deadline,
    })
  } catch (cause) {
    const init = { nsid, attempts: attemptNumber, status: 0, cause }
    if (cause instanceof ResponseTooLarge) {
      const message = `${nsid} returned a body over the ${cause.limit}-byte limit (maxResponseBytes); it was not read`
      const headers = redactHeaders(cause.headers, token)
      return fail(new ResponseTooLargeError({ ...init, cause: undefined, status: cause.status, headers, error: 'ResponseTooLarge', message, limit: cause.limit }))
    }
    if (deadline.timedOut) return fail(new TimeoutError({ ...init, error: 'Timeout', message: `${nsid} timed out after ${prepared.timeout} ms` }))
    if (signal?.aborted) return fail(new AbortError({ ...init, error: 'Aborted', message: `${nsid} was aborted` }))
    const reason = redact(describe(cause))
    if (isTimeout(cause)) return fail(new TimeoutError({ ...init, error: 'Timeout', message: `${nsid} timed out: ${reason}` }))
    return fail(new ConnectionError({ ...init, error: 'ConnectionFailed', message: `${nsid} could not reach ${core.service.origin}: ${reason}` }))
  } finally {
    deadline.clear()
  }

  const { status } = response
  // A server (or a debugging proxy) may echo the token back: it must not reach hooks, errors or results.
  const headers = redactHeaders(response.headers, token)
  core.onResponse?.({ ...context, status, headers, durationMs: performance.now() - started })
  if (status < 200 || status >= 300) {
    const { error, message } = decodeError(response)
    const decoded = { ...(error === undefined ? {} : { error: redact(error) }), message: redact(message) }
    return fail(responseError({ status, headers, ...decoded }, nsid, attemptNumber, method.errors))
  }
  const output = decodeOutput(method, response)
  if (!output.ok) {
    return fail(new InvalidResponseError({ nsid, attempts: attemptNumber, status, headers, error: 'InvalidResponse', message: output.reason, body: redact(output.body) }))
  }
  const issues = prepared.checkOutput?.(output.value)
  if (issues) return fail(responseValidationError({ nsid, attempts: attemptNumber, status, headers }, issues, redact(decodeText(response.body))))
  return ok(output.value, { status, headers, attempts: attemptNumber })
}

async function resolveAuth(source: AuthSource | undefined): Promise<string | undefined> {
  return checkedToken(typeof source === 'function' ? await source() : isSession(source) ? source.accessToken() : source)
}

function checkedToken(token: unknown): string | undefined {
  if (token === undefined || token === '') return undefined
  // The message must not quote the token: it is a credential.
  if (typeof token !== 'string' || !HEADER_VALUE.test(token)) {
    throw new TypeError('auth token must be a string of visible ASCII or Latin-1 characters, without CR, LF, NUL or other controls')
  }
  return token
}

/** Redacts in place: a transport's headers object is fresh for every response and nobody else holds it. */
function redactHeaders(headers: Record<string, string>, token: string | undefined): Record<string, string> {
  if (token) {
    for (const name in headers) {
      const value = headers[name]!
      if (value.includes(token)) headers[name] = value.replaceAll(token, '[redacted]')
    }
  }
  return headers
}

// Timeouts raised by the HTTP stack itself (connect, headers, body), not by our deadline.
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])

function isTimeout(cause: unknown): boolean {
  for (let e = cause; e instanceof Error; e = e.cause) {
    if (e.name === 'TimeoutError' || TIMEOUT_CODES.has((e as { code?: unknown }).code as string)) return true
  }
  return false
}

/** The innermost reason a transport gave, e.g. `connect ECONNREFUSED 127.0.0.1:80`. */
function describe(cause: unknown): string {
  let e = cause
  while (e instanceof Error && e.cause instanceof Error) e = e.cause
  return e instanceof Error ? e.message || e.name : String(e)
}

function serviceUrl(service: string | URL): URL {
  let url: URL
  try {
    url = new URL(service)
  } catch {
    throw new TypeError(`Invalid service URL ${JSON.stringify(String(service))}: expected e.g. "https://bsky.social"`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`Invalid service URL: protocol must be http or https, got ${url.protocol}`)
  // Credentials in the URL would end up in every error message and hook context.
  if (url.username !== '' || url.password !== '') throw new TypeError('Invalid service URL: it must not contain credentials; use `auth`')
  if (url.search !== '' || url.hash !== '') throw new TypeError('Invalid service URL: it must not have a query or fragment')
  return url
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/**
 * What RFC 9110 allows in a field value: visible ASCII, obs-text (Latin-1), space and tab.
 * Anything else (CR/LF, NUL, other controls, code points above U+00FF, which some stacks
 * truncate to a byte: U+010A would become LF) is refused before any request.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

/** Lower-cases names and rejects values that could split the request (header injection). */
function normalizeHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const normalized: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`Invalid header name ${JSON.stringify(name)}`)
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
      throw new TypeError(`Invalid value for header "${name}": must be a string of visible ASCII or Latin-1 characters, without CR, LF, NUL or other controls`)
    }
    normalized[name.toLowerCase()] = value
  }
  return normalized
}

function checkMaxResponseBytes(limit: number): number {
  if (typeof limit !== 'number' || !(limit >= 0) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
    throw new TypeError(`maxResponseBytes must be a whole number of bytes >= 0 (or Infinity), got ${String(limit)}`)
  }
  return limit
}

// Timers fire at once beyond this, so larger finite values would time out immediately.
const MAX_TIMER_MS = 2 ** 31 - 1

function checkTimeout(timeout: number): number {
  if (typeof timeout !== 'number' || !(timeout > 0) || (Number.isFinite(timeout) && timeout > MAX_TIMER_MS)) {
    throw new TypeError(`timeout must be a positive number of milliseconds up to ${MAX_TIMER_MS} (or Infinity), got ${String(timeout)}`)
  }
  return timeout
}
