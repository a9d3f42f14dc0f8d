/**
 * `Core`: a checked client configuration plus its stack (stack.ts), composed here once:
 *
 *   auth ▸ config.layers, in the order given ▸ exchange (the transport, decoding, typed errors)
 *
 * A Core does only what it is given: with no layers a call makes one attempt with no time limit.
 * `withDefaults(config)` (defaults.ts) adds what the namespaced Client has: retries, a 30 s
 * timeout per attempt and hooks. Every check here throws a TypeError before any request.
 */
import { send as defaultTransport } from '#transport'
import { authLayer, type AuthSource } from './auth.js'
import { isInstance } from './brand.js'
import { exchange } from './exchange.js'
import { assertProxy } from './proxy.js'
import { holdsJwt } from './redact.js'
import { normalizeHeaders } from './request.js'
import { isSessionManager, SESSION_SERVICE } from './session-manager.js'
import { shown } from './shown.js'
import type { Layer, OptionChecks, Send, ValidationCheck, ValidationMode } from './stack.js'
import type { Transport } from './transport/types.js'

export interface CoreConfig {
  /**
   * The user's PDS, e.g. `https://bsky.social`. Optional with a session manager as `auth`: it sends
   * to its own PDS (URLs in hooks and errors then read `https://session.invalid/xrpc/…`).
   */
  service?: string | URL | undefined
  auth?: AuthSource | undefined
  /** `atproto-proxy` for every call; `false` switches off the default for `chat.*` NSIDs. */
  proxy?: string | false | undefined
  /** Sent with every call; not `atproto-proxy`, which `proxy` sets (a TypeError). */
  headers?: Record<string, string> | Headers | undefined
  /** Largest response body read, in bytes; default 16 MiB; `Infinity` disables it. Beyond it: ResponseTooLargeError. */
  maxResponseBytes?: number | undefined
  /** An undici `Dispatcher` (Node only): calls then go through undici with its settings. */
  dispatcher?: unknown
  /** Behaviour around every call, outermost first: `retry()`, `hooks({...})`, `timeout(ms)`, or your own. */
  layers?: readonly Layer[] | undefined
  /** What sends the HTTP requests; default node:http in Node, fetch in browsers. */
  transport?: Transport | undefined
  /** Switches validation on: the generated `validation`, or `validating({ [id]: validators })` for some methods. */
  validation?: ValidationCheck | undefined
  /** How 2xx bodies are checked when validation is on: `lenient` (default), `strict` or `off`. */
  validate?: ValidationMode | undefined
  /** Check params and input before sending when validation is on (default true); a failure sends nothing. */
  validateRequest?: boolean | undefined
}

const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024

/** Bumped whenever the Core's fields or the XrpcRequest `call` builds change shape (see `Core`). */
const CALL_PROTOCOL = 1

/** A validated client configuration, shared by the standalone functions and the namespaced client. */
export class Core {
  /**
   * Its name across copies of the runtime in one process (brand.ts), with the version of what
   * `call` hands the stack: a Core works with another copy's functions when that is the same.
   */
  static readonly '@lexgen/runtime:class': string = `Core/${CALL_PROTOCOL}`

  static [Symbol.hasInstance](value: unknown): boolean {
    return isInstance(this, value)
  }

  readonly service: URL
  readonly proxy: string | false | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly maxResponseBytes: number
  readonly dispatcher: unknown
  readonly validation: ValidationCheck | undefined
  readonly validate: ValidationMode
  readonly validateRequest: boolean
  /** Sends one call through auth, the layers and the transport (see stack.ts). */
  readonly send: Send
  /** The per-call options the layers read, with their checks. */
  readonly optionChecks: OptionChecks

  constructor(config: CoreConfig) {
    checkConfigKeys(config)
    if (config.service === undefined && !isSessionManager(config.auth)) {
      throw new TypeError('service is required (the PDS URL, e.g. "https://bsky.social"), unless auth is a session manager')
    }
    this.service = serviceUrl(config.service ?? SESSION_SERVICE)
    assertProxy(config.proxy)
    this.proxy = config.proxy
    this.headers = normalizeHeaders(config.headers)
    this.maxResponseBytes = checkMaxResponseBytes(config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES)
    // Calls go through the dispatcher's own request() (transport/undici.ts): anything else is a mistake found now.
    if (config.dispatcher !== undefined && typeof (config.dispatcher as { request?: unknown } | null)?.request !== 'function') {
      throw new TypeError('dispatcher must be an undici Dispatcher (an Agent, Pool, ProxyAgent or MockAgent)')
    }
    this.dispatcher = config.dispatcher
    if (config.transport !== undefined && typeof config.transport !== 'function') throw new TypeError('transport must be a function (request) => Promise<response>')
    this.validation = config.validation
    this.validate = checkValidateMode(config.validate ?? 'lenient')
    this.validateRequest = config.validateRequest ?? true
    const layers = config.layers ?? []
    this.optionChecks = Object.assign({}, ...layers.map((layer) => layer.options))
    // The token lives only in the auth layer's closure: a logged or inspected Core never shows it.
    let send = exchange(config.transport ?? defaultTransport)
    for (let i = layers.length - 1; i >= 0; i--) send = layers[i]!(send)
    this.send = config.auth === undefined ? send : authLayer(config.auth)(send)
  }
}

function serviceUrl(service: string | URL): URL {
  let url: URL
  try {
    url = new URL(service)
  } catch {
    const token = typeof service === 'string' && holdsJwt(service)
    throw new TypeError(`Invalid service URL: expected e.g. "https://bsky.social", got ${shown(service)}${token ? ': service and auth swapped?' : ''}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`Invalid service URL: protocol must be http or https, got ${url.protocol}`)
  // Credentials in the URL would end up in every error message and hook context.
  if (url.username !== '' || url.password !== '') throw new TypeError('Invalid service URL: it must not contain credentials; use `auth`')
  if (url.search !== '' || url.hash !== '') throw new TypeError('Invalid service URL: it must not have a query or fragment')
  // An empty `?` or `#` leaves no query or fragment but stays in the href: drop it, so URLs can be built by appending.
  url.search = ''
  url.hash = ''
  return url
}

const VALIDATE_MODES: readonly string[] = ['lenient', 'strict', 'off']

const CONFIG_KEYS = new Set(['service', 'auth', 'proxy', 'headers', 'maxResponseBytes', 'dispatcher', 'layers', 'transport', 'validation', 'validate', 'validateRequest'])

/** A config object with only keys a Core reads: in JavaScript, a misspelt option would be ignored unseen. */
function checkConfigKeys(config: CoreConfig): void {
  if (typeof config !== 'object' || config === null) throw new TypeError(`new Core() takes a config object ({ service: "https://bsky.social", auth }), got ${shown(config)}`)
  for (const key of Object.keys(config)) {
    if (CONFIG_KEYS.has(key)) continue
    // A string given where the config goes, spread into it by `new Client(url)`: its characters are keys 0, 1, …
    if (key === '0') throw new TypeError('the config is an object ({ service: "https://bsky.social", auth }), not a string')
    const reader = ['retries', 'timeout', 'onRequest', 'onResponse', 'onError'].includes(key) ? ` (${key} is read by withDefaults: new Core(withDefaults({ …, ${key} })))`
      : key === 'onSessionChange' || key === 'refreshTimeout' ? ` (${key} is read by CredentialSession, whose session.core is the Core)`
      : key === 'core' ? ' (given a CredentialSession or a Client? pass its core: new Client(session.core))'
      : ''
    throw new TypeError(`unknown Core option ${JSON.stringify(key)}${reader}: a Core takes ${[...CONFIG_KEYS].join(', ')}`)
  }
}

export function checkValidateMode(mode: ValidationMode): ValidationMode {
  if (!VALIDATE_MODES.includes(mode)) throw new TypeError(`validate must be 'lenient', 'strict' or 'off', got ${shown(mode)}`)
  return mode
}

export function checkMaxResponseBytes(limit: number): number {
  if (typeof limit !== 'number' || !(limit >= 0) || (Number.isFinite(limit) && !Number.isInteger(limit))) {
    throw new TypeError(`maxResponseBytes must be a whole number of bytes >= 0 (or Infinity), got ${shown(limit)}`)
  }
  return limit
}
