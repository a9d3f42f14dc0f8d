/**
 * `call()`, the one function every generated method goes through: check the request against the
 * lexicon when the Core validates, build it, send it through the Core's stack (stack.ts), and
 * return the outcome. It resolves to a Result for every HTTP, XRPC and transport failure; it
 * rejects only for programmer errors (a bad option, header or parameter), before any request.
 */
import { classNameOf } from './brand.js'
import { checkMaxResponseBytes, checkValidateMode, Core } from './core.js'
import { ConfigurationError, extendMessage, type XrpcError } from './errors.js'
import type { Method } from './method.js'
import { assertProxy, resolveProxy } from './proxy.js'
import { buildUrl, encodeInput, mergeHeaders, normalizeHeaders } from './request.js'
import { err, type Result } from './result.js'
import { shown } from './shown.js'
import type { CallOptions, LayerOption, XrpcRequest } from './stack.js'

/** The parts of a call a generated method passes on. */
export interface CallArgs {
  // `| undefined`: generated functions pass a left-out argument on as is (exactOptionalPropertyTypes).
  readonly params?: object | undefined
  readonly input?: unknown
}

const LAYER_OPTIONS: readonly LayerOption[] = ['timeout', 'retries', 'idempotent']

/** Makes one XRPC call. Never rejects for HTTP, XRPC or transport failures. */
export async function call<O, E extends XrpcError = XrpcError>(core: Core, method: Method, args: CallArgs, given?: CallOptions | null): Promise<Result<O, E>> {
  checkCore(core)
  const options = callOptions(given)
  checkLayerOptions(core, options)
  checkValidationOptions(core, options)
  const validation = core.validation
  if (validation && (options.validateRequest ?? core.validateRequest)) {
    const invalid = validation.request(method, args)
    if (invalid) return err(invalid as E)
  }
  const check = validation?.response(method, options.validate ?? core.validate)
  const outcome = await core.send(buildRequest(core, method, args, options, check))
  if (!outcome.ok && outcome.error.attempts > 1) tellAttempts(outcome.error)
  return outcome as Result<O, E>
}

/** Adds how many attempts a failure took to its message. */
function tellAttempts(error: XrpcError): void {
  extendMessage(error, ` (after ${error.attempts} attempts)`)
}

/**
 * A Core of this runtime, or of another copy of it in the process that speaks the same protocol
 * (see Core). One from an incompatible copy would be misread: refused, loudly, before sending.
 */
function checkCore(core: Core): void {
  if (core instanceof Core) return
  const proto: unknown = typeof core === 'object' && core !== null ? Object.getPrototypeOf(core) : undefined
  const name = typeof proto === 'object' && proto !== null ? classNameOf(proto) : undefined
  if (typeof name === 'string' && name.startsWith('Core/')) {
    throw new ConfigurationError(
      'this Core comes from another copy of @lexgen/runtime, an incompatible version of it: the generated code and the Core must share one install (`npm ls @lexgen/runtime` shows the copies; `npm dedupe` or matching versions merge them)',
    )
  }
  throw new TypeError('core must be a Core (new Core({ service, auth }))')
}

/**
 * The call options, checked where JavaScript could pass anything: an object (or nothing), and a
 * `signal` that is an AbortSignal. An AbortController, or an object, would fail in whichever layer
 * reads it first, as a network failure or an abort that never happened.
 */
export function callOptions<T extends CallOptions>(options: T | null | undefined): T {
  if (options === undefined || options === null) return {} as T
  if (typeof options !== 'object') throw new TypeError(`call options must be an object ({ signal, timeout, retries, … }), got ${shown(options)}`)
  const { signal } = options
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && typeof signal.addEventListener === 'function' && typeof signal.aborted === 'boolean')) {
    const controller = typeof signal === 'object' && signal !== null && 'abort' in signal && 'signal' in signal
    throw new TypeError(`signal must be an AbortSignal, got ${shown(signal)}${controller ? ' (pass controller.signal)' : ''}`)
  }
  return options
}

/** Options such as `timeout` do nothing without the layer that reads them: refused rather than ignored. */
function checkLayerOptions(core: Core, options: CallOptions): void {
  for (const key of LAYER_OPTIONS) {
    const value = options[key]
    if (value === undefined) continue
    const check = core.optionChecks[key] as ((value: unknown) => void) | undefined
    if (!check) throw new TypeError(`the ${key} option needs a Core with a layer that reads it, such as new Core(withDefaults(config))`)
    check(value)
  }
}

/**
 * `validate` and `validateRequest` ask for checks only a Core with `validation` makes: a bad mode
 * is an error on any Core, and asking a Core without validation to check is refused rather than
 * ignored, as the layer options are ('off' and false ask for nothing, so they pass).
 */
function checkValidationOptions(core: Core, options: CallOptions): void {
  const { validate, validateRequest } = options
  if (validate !== undefined) checkValidateMode(validate)
  if (core.validation) return
  const asks = validate !== undefined && validate !== 'off' ? 'validate' : validateRequest === true ? 'validateRequest' : undefined
  if (asks) throw new TypeError(`the ${asks} option needs a Core with validation, such as new Core({ ...config, validation }) with the generated registry`)
}

/** The first attempt's request: URL, headers (the proxy setting owns `atproto-proxy`, the lexicon `content-type`) and body. */
function buildRequest(core: Core, method: Method, args: CallArgs, options: CallOptions, check: XrpcRequest['check']): XrpcRequest {
  assertProxy(options.proxy)
  const headers = mergeHeaders(core.headers, options.headers && normalizeHeaders(options.headers))
  const proxy = resolveProxy(method.nsid, core.proxy, options.proxy)
  if (proxy === undefined) delete headers['atproto-proxy']
  else headers['atproto-proxy'] = proxy
  const maxResponseBytes = options.maxResponseBytes === undefined ? core.maxResponseBytes : checkMaxResponseBytes(options.maxResponseBytes)
  const { body, contentType } = encodeInput(method, args.input, headers['content-type'])
  if (contentType === undefined) delete headers['content-type']
  else headers['content-type'] = contentType
  return {
    method: method.type === 'query' ? 'GET' : 'POST',
    url: buildUrl(core.service, method.nsid, args.params),
    headers,
    body,
    signal: options.signal,
    dispatcher: core.dispatcher,
    maxResponseBytes: Number.isFinite(maxResponseBytes) ? maxResponseBytes : undefined,
    xrpc: method,
    options,
    attempt: 1,
    check,
    // Present from the start, so a layer setting them replaces a property rather than adding one (see mergeHeaders).
    redact: undefined,
    transport: undefined,
  }
}
