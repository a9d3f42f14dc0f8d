/**
 * Programmer errors: the only failures that throw. Each is a TypeError (or, for a runtime that
 * cannot send where it runs, a ConfigurationError) raised before any request leaves, and none of
 * their messages quotes a credential.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { call, ConfigurationError, ConnectionError, Core, RequestValidationError, retry, type Method, withDefaults } from '@lexgen/runtime'
import { Client, CredentialSession } from '../../generated/index.js'
import { respond, startRawServer, type RawServer } from '../helpers/raw-server.js'

const getConvo: Method = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json' }
let server: RawServer

beforeAll(async () => {
  server = await startRawServer(respond(200, '{}', { 'content-type': 'application/json' }))
})

afterAll(async () => {
  await server.close()
})

describe('Core configuration', () => {
  it.each([
    ['not a URL', 'bsky.social', /Invalid service URL/],
    ['a non-HTTP URL', 'ftp://bsky.social', /protocol must be http or https/],
    ['a URL with credentials', 'https://user:pass@bsky.social', /must not contain credentials/],
    ['a URL with a query', 'https://bsky.social/?x=1', /query or fragment/],
  ])('rejects %s as service', (_label, service, message) => {
    expect(() => new Core(withDefaults({ service }))).toThrow(TypeError)
    expect(() => new Core(withDefaults({ service }))).toThrow(message)
  })

  it.each(['did:web:api.bsky.chat', 'api.bsky.chat#bsky_chat', 'did:web:api.bsky.chat#', 'did:web:api.bsky.chat#bsky chat', 'did:web:x#y\r\nx-evil: 1'])(
    'rejects the malformed proxy %j',
    (proxy) => {
      expect(() => new Core(withDefaults({ service: server.url, proxy }))).toThrow(/Invalid atproto-proxy: expected "did:<method>:<id>#<service>".*, got the string /)
    },
  )

  it.each(['did:web:api.bsky.chat#bsky_chat', 'did:plc:ewvi7nxzyoun6zhxrhs64oiz#atproto_labeler', 'did:web:localhost%3A2584#bsky_chat'])('accepts the proxy %s', (proxy) => {
    expect(new Core(withDefaults({ service: server.url, proxy })).proxy).toBe(proxy)
  })

  it('rejects CR or LF in a header value, and invalid header names', () => {
    expect(() => new Core(withDefaults({ service: server.url, headers: { 'x-ok': 'a\r\nx-injected: 1' } }))).toThrow(/Invalid value for header "x-ok"/)
    expect(() => new Core(withDefaults({ service: server.url, headers: { 'bad name': 'v' } }))).toThrow(/Invalid header name/)
  })

  it('refuses an atproto-proxy header, which the proxy option sets (it was overridden unseen)', () => {
    expect(() => new Core(withDefaults({ service: server.url, headers: { 'Atproto-Proxy': 'did:web:x.example#svc' } }))).toThrow(/atproto-proxy is set by the proxy option/)
  })

  it.each([0, -1, Number.NaN, 2 ** 31])('rejects the timeout %s', (timeout) => {
    expect(() => new Core(withDefaults({ service: server.url, timeout }))).toThrow(/timeout must be a positive number/)
  })

  it('accepts a service with a path prefix and builds URLs under it', async () => {
    const core = new Core(withDefaults({ service: `${server.url}/pds/` }))
    await call(core, getConvo, { params: { convoId: 'c1' } })
    expect(server.requests.at(-1)!.url).toBe('/pds/xrpc/chat.bsky.convo.getConvo?convoId=c1')
  })
})

describe('per-call programmer errors reject before any request', () => {
  const before = () => server.requests.length

  it.each([
    ['a malformed proxy', { proxy: 'not-a-did' }, /Invalid atproto-proxy/],
    ['a header with LF', { headers: { 'x-trace': 'a\nb' } }, /Invalid value for header "x-trace"/],
    ['an atproto-proxy header', { headers: { 'atproto-proxy': 'did:web:x.example#svc' } }, /atproto-proxy is set by the proxy option/],
    ['a bad timeout', { timeout: -5 }, /timeout must be a positive number/],
  ] as const)('%s', async (_label, options, message) => {
    const count = before()
    await expect(call(new Core(withDefaults({ service: server.url })), getConvo, {}, options)).rejects.toThrow(message)
    expect(server.requests.length).toBe(count)
  })

  it('an object where a query parameter should be', async () => {
    const count = before()
    await expect(call(new Core(withDefaults({ service: server.url })), getConvo, { params: { convoId: { id: 1 } } })).rejects.toThrow(TypeError)
    expect(server.requests.length).toBe(count)
  })

  it('a token containing CR/LF, without quoting the token', async () => {
    const count = before()
    const token = 'secret-token\r\nx-injected: 1'
    const error = await call(new Core(withDefaults({ service: server.url, auth: () => token })), getConvo, {}).catch((e: unknown) => e as Error)
    expect(error).toBeInstanceOf(TypeError)
    expect(String(error)).not.toContain('secret-token')
    expect(server.requests.length).toBe(count)
  })
})

describe('a transport that cannot send where it runs is a configuration error: thrown once, never retried', () => {
  it('no global fetch under the fetch transport: a ConfigurationError, one attempt, nothing sent', async () => {
    const { send } = await import('../../runtime/transport/fetch.js')
    const attempts: number[] = []
    const core = new Core(withDefaults({ service: server.url, transport: send, retries: { limit: 3, baseDelay: 1 }, onRequest: (c) => void attempts.push(c.attempt) }))
    const count = server.requests.length
    vi.stubGlobal('fetch', undefined)
    try {
      const error = await call(core, getConvo, {}).catch((e: unknown) => e as Error)
      expect(error).toBeInstanceOf(ConfigurationError)
      expect((error as Error).message).toBe('chat.bsky.convo.getConvo was not sent: there is no global fetch here: pass a `transport` to the Core')
      expect(Object.hasOwn(error as Error, 'cause')).toBe(false) // util.inspect would show `[cause]: undefined`
    } finally {
      vi.unstubAllGlobals()
    }
    expect(attempts).toEqual([1])
    expect(server.requests.length).toBe(count)
  })

  it('node:https that cannot load under the Node transport (it throws, or is missing): a ConfigurationError, one attempt, nothing sent; the next https call loads it again', async () => {
    const attempts: number[] = []
    // Nothing listens on port 1: an https call that gets past loading node:https fails to connect.
    const core = new Core(withDefaults({ service: 'https://127.0.0.1:1', retries: { limit: 3, baseDelay: 1 }, onRequest: (c) => void attempts.push(c.attempt) }))
    const load = process.getBuiltinModule.bind(process)
    const faults = [() => { throw Object.assign(new Error('Node.js is not compiled with OpenSSL crypto support'), { code: 'ERR_NO_CRYPTO' }) }, () => undefined]
    for (const fault of faults) {
      const spy = vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => (id === 'node:https' ? fault() : load(id))) as typeof process.getBuiltinModule)
      try {
        const error = await call(core, getConvo, {}).catch((e: unknown) => e as Error)
        expect(error).toBeInstanceOf(ConfigurationError)
        expect((error as Error).message).toBe('chat.bsky.convo.getConvo was not sent: node:https could not be loaded')
      } finally {
        spy.mockRestore()
      }
    }
    expect(attempts).toEqual([1, 1])
    // Not remembered as broken: with node:https back, the call is sent (and fails to connect).
    const result = await call(core, getConvo, {}, { retries: false })
    expect(result.ok ? undefined : result.error).toBeInstanceOf(ConnectionError)
  })

  it.each([
    ['a dispatcher that is not an undici Dispatcher', { dispatcher: {} }, /dispatcher must be an undici Dispatcher/],
    ['a transport that is not a function', { transport: 'fetch' as never }, /transport must be a function/],
  ])('%s is a TypeError when the Core is built', (_label, config, message) => {
    expect(() => new Core({ service: server.url, ...config })).toThrow(message)
  })

  it('something that is not a Core is a TypeError before any request', async () => {
    await expect(call({ send: () => Promise.resolve({ ok: true }) } as never, getConvo, {})).rejects.toThrow(/core must be a Core/)
  })
})

/**
 * What JavaScript lets through that TypeScript would not: each caught before anything is sent, the
 * same way on every Core, with a message that says what was passed (its type, when that is the
 * mistake) and never a token.
 */
describe("a JavaScript caller's mistakes", () => {
  const before = () => server.requests.length
  const cores = () => [new Core({ service: server.url }), new Core(withDefaults({ service: server.url })), new Core({ service: server.url, layers: [retry()] })]

  it('a param the lexicon does not declare, or a call option among the params: a RequestValidationError, nothing sent', async () => {
    const count = before()
    const client = new Client({ service: server.url })
    const issuesOf = (promise: Promise<unknown>) => promise.then(() => [], (error: unknown) => (error instanceof RequestValidationError ? error.issues : [String(error)]))
    expect(await issuesOf(client.chat.bsky.convo.listConvos({ limt: 5 } as never))).toEqual([{ path: 'limt', message: 'is not a param of this method (did you mean limit?)' }])
    expect(await issuesOf(client.chat.bsky.convo.getConvo({ convoId: 'c1', convoid: 'x' } as never))).toEqual([{ path: 'convoid', message: 'is not a param of this method (did you mean convoId?)' }])
    expect(await issuesOf(client.chat.bsky.convo.listConvos({ limit: 1, timeout: 1000 } as never))).toEqual([{ path: 'timeout', message: 'is a call option: pass it in the options, after the params' }])
    expect(await issuesOf(client.chat.bsky.convo.getUnreadCounts({ maxPages: 2 } as never))).toEqual([{ path: 'maxPages', message: 'is a call option: pass it in the options, after the params' }])
    expect(server.requests.length).toBe(count)
  })

  it('a signal that is no AbortSignal: one TypeError on every Core, saying what was passed', async () => {
    const count = before()
    for (const core of cores()) {
      await expect(call(core, getConvo, {}, { signal: new AbortController() as never })).rejects.toThrow('signal must be an AbortSignal, got an AbortController (pass controller.signal)')
      await expect(call(core, getConvo, {}, { signal: {} as never })).rejects.toThrow('signal must be an AbortSignal, got an object')
    }
    expect(server.requests.length).toBe(count)
  })

  it.each([
    ['a timeout given as a string', { timeout: '5000' }, 'timeout must be a positive number of milliseconds up to 2147483647 (or Infinity), got the string "5000"'],
    ['retries given as a string (once spread as its characters)', { retries: '10' }, 'retries must be false, a number of retries, or { limit, baseDelay, maxDelay, maxWait }, got the string "10"'],
    ['retries: true', { retries: true }, 'retries must be false, a number of retries, or { limit, baseDelay, maxDelay, maxWait }, got true'],
    ['retries: null', { retries: null }, 'got null'],
    ['a misspelt retries field', { retries: { limt: 5 } }, 'retries has no field "limt": it takes limit, baseDelay, maxDelay, maxWait'],
    ['idempotent as a string', { idempotent: 'yes' }, 'idempotent must be true or false, got the string "yes"'],
    ['headers as an array', { headers: [['x-a', 'b']] }, 'headers must be an object of header names to values (or a Headers), got an array'],
  ])('%s', async (_label, options, message) => {
    const count = before()
    await expect(call(new Core(withDefaults({ service: server.url })), getConvo, {}, options as never)).rejects.toThrow(message)
    expect(server.requests.length).toBe(count)
  })

  it('options that are no object are refused; null is none; a Headers is read as headers', async () => {
    const core = new Core(withDefaults({ service: server.url }))
    await expect(call(core, getConvo, {}, 5000 as never)).rejects.toThrow('call options must be an object ({ signal, timeout, retries, … }), got 5000')
    expect((await call(core, getConvo, {}, null as never)).ok).toBe(true)
    expect((await call(core, getConvo, {}, { headers: new Headers({ 'X-Trace': 'abc' }) })).ok).toBe(true)
    expect(server.requests.at(-1)!.headers['x-trace']).toBe('abc')
  })

  it('a Core built wrong says how to build it, and quotes no token', () => {
    expect(() => new Core(undefined as never)).toThrow('new Core() takes a config object ({ service: "https://bsky.social", auth }), got undefined')
    expect(() => new Client('https://bsky.social' as never)).toThrow('the config is an object ({ service: "https://bsky.social", auth }), not a string')
    expect(() => new Core({ servce: 'https://bsky.social' } as never)).toThrow(/^unknown Core option "servce": a Core takes service, auth, /)
    expect(() => new Core({ service: server.url, timeout: 5000 } as never)).toThrow('unknown Core option "timeout" (timeout is read by withDefaults: new Core(withDefaults({ …, timeout }))')
    expect(() => new Client(new CredentialSession({ service: server.url }) as never)).toThrow('unknown Core option "core" (given a CredentialSession or a Client? pass its core: new Client(session.core))')
    const jwt = 'eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJkaWQ6cGxjOmFsaWNlIn0.c2lnbmF0dXJl'
    const swapped = (() => {
      try {
        new Core({ service: jwt, auth: server.url })
      } catch (error) {
        return String(error)
      }
    })()
    expect(swapped).toBe('TypeError: Invalid service URL: expected e.g. "https://bsky.social", got a string that looks like a token (not shown): service and auth swapped?')
  })
})
