/**
 * Each layer of the stack on its own, over an in-memory transport (tests/helpers/memory.ts): no
 * sockets, no timers beyond the layer's own. What the layers do over real sockets is covered by
 * retry.test.ts, faults.test.ts, session.test.ts and tests/reliability/.
 */
import { inspect } from 'node:util'
import { describe, expect, it, vi } from 'vitest'
import {
  AbortError,
  call,
  ConnectionError,
  Core,
  ExpiredTokenError,
  hooks,
  retry,
  TimeoutError,
  UpstreamFailureError,
  withDefaults,
  type CoreConfig,
  type Layer,
  type Method,
  type RequestContext,
  type ResponseContext,
  type ErrorContext,
} from '@lexgen/runtime'
import { timeout } from '../../runtime/timeout.js'
import { Client } from '../../generated/client.js'
import { CredentialSession } from '../../generated/session.js'
import { memoryTransport, networkError, type MemoryReply } from '../helpers/memory.js'

const getConvo: Method = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json' }
const sendMessage: Method = { nsid: 'chat.bsky.convo.sendMessage', type: 'procedure', input: 'application/json', output: 'application/json' }
const OK: MemoryReply = { json: { convo: { id: 'c1', rev: '1', members: [], muted: false, unreadCount: 0 } } }
const UNAVAILABLE: MemoryReply = { status: 503, json: { error: 'NotEnoughResources' } }
/** Retries without waiting: the backoff's shape is retry.test.ts's business. */
const NO_WAIT = { baseDelay: 0, maxDelay: 0 }

/** A Core over an in-memory transport answering with `replies[n]` (the last one from then on). */
function coreWith(replies: MemoryReply[], config: Omit<CoreConfig, 'service' | 'transport'> = {}) {
  const memory = memoryTransport((_request, n) => replies[Math.min(n, replies.length - 1)]!)
  return { core: new Core({ service: 'https://pds.example.com', transport: memory.send, ...config }), requests: memory.requests }
}

describe('Core', () => {
  it('composes its stack once, auth outermost, then the layers in the order given', async () => {
    const order: string[] = []
    let composed = 0
    const tag = (name: string): Layer => (next) => {
      composed++
      return (request) => {
        order.push(`${name}:${request.headers.authorization ?? 'none'}`)
        return next(request)
      }
    }
    const { core, requests } = coreWith([OK], { auth: 'tok', layers: [tag('outer'), tag('inner')] })
    for (let i = 0; i < 3; i++) expect((await call(core, getConvo, {})).ok).toBe(true)
    expect(composed).toBe(2)
    expect(order.slice(0, 2)).toEqual(['outer:Bearer tok', 'inner:Bearer tok'])
    expect(requests).toHaveLength(3)
  })

  it('without layers makes one attempt, and refuses per-call options no layer reads', async () => {
    const { core, requests } = coreWith([UNAVAILABLE, OK])
    const result = await call(core, getConvo, {})
    expect(result.ok ? undefined : result.error).toBeInstanceOf(UpstreamFailureError)
    for (const options of [{ timeout: 5 }, { retries: 3 }, { idempotent: true }]) {
      await expect(call(core, getConvo, {}, options)).rejects.toThrow(/option needs a Core with a layer that reads it/)
    }
    expect(requests).toHaveLength(1)
  })

  it('without validation refuses per-call options asking for checks, and a bad mode on any Core; off and false ask for nothing', async () => {
    const { core, requests } = coreWith([OK, OK])
    for (const [options, message] of [
      [{ validate: 'strict' }, /the validate option needs a Core with validation/],
      [{ validate: 'lenient' }, /the validate option needs a Core with validation/],
      [{ validateRequest: true }, /the validateRequest option needs a Core with validation/],
      [{ validate: 'strcit' }, /validate must be 'lenient', 'strict' or 'off', got the string "strcit"/],
    ] as const) {
      await expect(call(core, getConvo, {}, options as never)).rejects.toThrow(message)
    }
    expect(requests).toHaveLength(0)
    expect((await call(core, getConvo, {}, { validate: 'off', validateRequest: false })).ok).toBe(true)
    expect(requests).toHaveLength(1)
  })

  it('keeps the token out of an inspected Core', () => {
    const { core } = coreWith([OK], { auth: 'secret-token-value' })
    expect(inspect(core, { depth: 10 })).not.toContain('secret-token-value')
  })
})

describe('retry layer', () => {
  /**
   * The wait the retry layer chose after a 429 with `headers`, at a moment 400 ms into a second,
   * with jitter at its lowest (`random` 0) or highest (1): clocks faked, so nothing waits for real.
   */
  async function waitAfter429(headers: Record<string, string>, jitter = 0): Promise<number | undefined> {
    vi.useFakeTimers({ now: 1_796_517_734_400, toFake: ['setTimeout', 'Date'] })
    const random = vi.spyOn(Math, 'random').mockReturnValue(jitter)
    const timers = vi.spyOn(globalThis, 'setTimeout')
    try {
      const { core } = coreWith([{ status: 429, headers, json: { error: 'RateLimitExceeded' } }, OK], { layers: [retry()] })
      const pending = call(core, getConvo, {})
      await vi.advanceTimersByTimeAsync(400_000)
      await pending
      return timers.mock.calls[0]?.[1]
    } finally {
      timers.mockRestore()
      random.mockRestore()
      vi.useRealTimers()
    }
  }
  const reset = (secondsFromNow: number) => String(Math.floor(1_796_517_734_400 / 1000) + secondsFromNow)

  it('waits a ratelimit-reset out to the end of its second: a PDS sends it rounded down', async () => {
    // Reset names the second 2 s on; the window ends before the next one: 2.6 s from 400 ms into this one.
    expect(await waitAfter429({ 'ratelimit-remaining': '0', 'ratelimit-reset': reset(2) })).toBe(2_600)
  })

  it('backs off rather than retrying at once when the reset has passed (a second 429 naming the same second)', async () => {
    // The default backoff's least: half of 0.5 s.
    expect(await waitAfter429({ 'ratelimit-remaining': '0', 'ratelimit-reset': reset(-1) })).toBe(250)
  })

  it("takes ratelimit-* with room left as no hint: a PDS's own global window, on a 429 of the service it proxied to", async () => {
    // 2961 of 3000 left, 5 minutes to go: waiting them out (or giving up, past maxWait) would be wrong.
    expect(await waitAfter429({ 'ratelimit-limit': '3000', 'ratelimit-remaining': '2961', 'ratelimit-reset': reset(290) })).toBe(250)
  })

  it('spreads calls told the same moment over up to a second after it', async () => {
    // 8 s asked for, and at most a quarter of it, up to a second, on top.
    expect(await waitAfter429({ 'retry-after': '8' }, 1)).toBe(9_000)
    expect(await waitAfter429({ 'retry-after': '2' }, 1)).toBe(2_500)
    // Never past maxWait (60 s by default), which the wait asked for fits.
    expect(await waitAfter429({ 'retry-after': '60' }, 1)).toBe(60_000)
  })

  it('retries a query on 503 and numbers the attempts', async () => {
    const { core, requests } = coreWith([UNAVAILABLE, UNAVAILABLE, OK], { layers: [retry(NO_WAIT)] })
    const result = await call(core, getConvo, {})
    expect(result).toMatchObject({ ok: true, response: { attempts: 3 } })
    expect(requests).toHaveLength(3)
  })

  it('does not repeat a procedure the server may have processed, unless it is idempotent', async () => {
    const once = coreWith([UNAVAILABLE, OK], { layers: [retry(NO_WAIT)] })
    expect((await call(once.core, sendMessage, { input: {} })).ok).toBe(false)
    expect(once.requests).toHaveLength(1)
    const again = coreWith([UNAVAILABLE, OK], { layers: [retry(NO_WAIT)] })
    expect((await call(again.core, sendMessage, { input: {} }, { idempotent: true })).ok).toBe(true)
    expect(again.requests).toHaveLength(2)
  })

  it('repeats a procedure whose connection was refused: it was never sent', async () => {
    const { core, requests } = coreWith([networkError('ECONNREFUSED'), OK], { layers: [retry(NO_WAIT)] })
    expect(await call(core, sendMessage, { input: {} })).toMatchObject({ ok: true, response: { attempts: 2 } })
    expect(requests).toHaveLength(2)
  })

  it('repeats a procedure whose connection timed out before it was made (a TimeoutError), and not one whose answer timed out', async () => {
    const connect = coreWith([networkError('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), OK], { layers: [retry(NO_WAIT)] })
    expect(await call(connect.core, sendMessage, { input: {} })).toMatchObject({ ok: true, response: { attempts: 2 } })
    const headers = coreWith([networkError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'), OK], { layers: [retry(NO_WAIT)] })
    const result = await call(headers.core, sendMessage, { input: {} })
    expect(result).toMatchObject({ ok: false, error: { attempts: 1 } })
    expect(result.ok ? undefined : result.error).toBeInstanceOf(TimeoutError)
  })

  it("repeats a procedure Deno's fetch could not connect for, and not one it sent", async () => {
    // Deno's fetch errors carry no code: hyper's words say whether a connection was ever made.
    const failed = (reason: string) => new TypeError('fetch failed', { cause: new Error(`error sending request for url (https://pds.example.com/xrpc/chat.bsky.convo.sendMessage): ${reason}`) })
    const refused = coreWith([failed('client error (Connect): tcp connect error: Connection refused (os error 111)'), OK], { layers: [retry(NO_WAIT)] })
    expect(await call(refused.core, sendMessage, { input: {} })).toMatchObject({ ok: true, response: { attempts: 2 } })
    const sent = coreWith([failed('client error (SendRequest): connection closed before message completed'), OK], { layers: [retry(NO_WAIT)] })
    expect(await call(sent.core, sendMessage, { input: {} })).toMatchObject({ ok: false, error: { attempts: 1 } })
  })

  it('gives up after the limit, saying how many attempts it made', async () => {
    const { core } = coreWith([networkError('ECONNRESET', 'socket hang up')], { layers: [retry({ ...NO_WAIT, limit: 3 })] })
    const result = await call(core, getConvo, {})
    if (result.ok) throw new Error('expected a failure')
    expect(result.error).toBeInstanceOf(ConnectionError)
    expect(result.error.attempts).toBe(4)
    expect(result.error.message).toBe('chat.bsky.convo.getConvo got no complete answer from https://pds.example.com (the request may have reached it): socket hang up (after 4 attempts)')
  })

  it('takes a per-call policy, checked before anything is sent', async () => {
    const { core, requests } = coreWith([UNAVAILABLE, OK], { layers: [retry(NO_WAIT)] })
    expect((await call(core, getConvo, {}, { retries: false })).ok).toBe(false)
    await expect(call(core, getConvo, {}, { retries: { limit: -1 } })).rejects.toThrow('retries.limit must be a number >= 0, got -1')
    expect(requests).toHaveLength(1)
  })
})

describe('timeout layer', () => {
  it('ends an attempt that takes too long with a TimeoutError, and a retry numbers the next', async () => {
    const { core, requests } = coreWith(['hang', OK], { layers: [retry(NO_WAIT), timeout(20)] })
    expect(await call(core, getConvo, {})).toMatchObject({ ok: true, response: { attempts: 2 } })
    expect(requests).toHaveLength(2)
    const hung = coreWith(['hang'], { layers: [timeout(20)] })
    const result = await call(hung.core, getConvo, {}, { timeout: 10 })
    expect(result.ok ? undefined : result.error).toBeInstanceOf(TimeoutError)
    expect(result.ok ? undefined : result.error.message).toBe('chat.bsky.convo.getConvo timed out after 10 ms')
  })

  it("reports the caller's abort as an AbortError, not a timeout", async () => {
    const { core } = coreWith(['hang'], { layers: [timeout(60_000)] })
    const controller = new AbortController()
    const pending = call(core, getConvo, {}, { signal: controller.signal })
    controller.abort()
    const result = await pending
    expect(result.ok ? undefined : result.error).toBeInstanceOf(AbortError)
    const early = await call(core, getConvo, {}, { signal: AbortSignal.abort() })
    expect(early.ok ? undefined : early.error.message).toBe('chat.bsky.convo.getConvo was aborted before it was sent')
  })

  it('times a call out by a timer of its own: one set during an earlier call may be gone, as in a Cloudflare Worker', async () => {
    // A Worker cancels the timers a request set when that request ends; here, the earlier call's.
    const real = globalThis.setTimeout
    const set: ReturnType<typeof setTimeout>[] = []
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      const timer = real(...args)
      set.push(timer)
      return timer
    }) as typeof setTimeout
    try {
      const first = coreWith([OK], { layers: [timeout(10)] })
      expect(await call(first.core, getConvo, {})).toMatchObject({ ok: true })
      for (const timer of set.splice(0)) clearTimeout(timer)
      const hung = coreWith(['hang'], { layers: [timeout(50)] })
      const settled = await Promise.race([call(hung.core, getConvo, {}), new Promise((resolve) => real(() => resolve('still running after 5 s'), 5_000))])
      expect(settled).toMatchObject({ ok: false, error: { message: 'chat.bsky.convo.getConvo timed out after 50 ms' } })
    } finally {
      globalThis.setTimeout = real
    }
  })
})

describe('auth layer', () => {
  it('sends the token and redacts it from everything that comes back', async () => {
    const token = 'tok.eyJzdWIiOiJkaWQ6cGxjOmEifQ.sig'
    const echo: MemoryReply = { status: 401, headers: { 'x-echo': `Bearer ${token}` }, json: { error: 'InvalidToken', message: `bad token ${token}` } }
    const seen: unknown[] = []
    const { core, requests } = coreWith([echo], { auth: token, layers: [hooks({ onResponse: (c) => seen.push(c), onError: (c) => seen.push(c) })] })
    const result = await call(core, getConvo, {})
    expect(requests[0]!.headers.authorization).toBe(`Bearer ${token}`)
    if (result.ok) throw new Error('expected a failure')
    expect(result.error.message).toBe('bad token [redacted]')
    expect(result.error.headers['x-echo']).toBe('Bearer [redacted]')
    expect(inspect([result, seen], { depth: 10 })).not.toContain(token)
  })

  it('asks a token function before every call, and refuses a token that could split the request', async () => {
    let n = 0
    const { core, requests } = coreWith([OK], { auth: () => `tok-${++n}` })
    await call(core, getConvo, {})
    await call(core, getConvo, {})
    expect(requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2'])
    expect(() => coreWith([OK], { auth: 'tok\r\nx-evil: 1' })).toThrow(/auth token must be a string of visible ASCII/)
  })
})

describe('an auth that sends by itself', () => {
  it("replaces the Core's transport below every layer, as a session manager's fetchHandler would", async () => {
    const manager = memoryTransport(() => OK)
    const { core, requests } = coreWith([UNAVAILABLE], { auth: { wrap: (next) => (request) => next({ ...request, transport: manager.send }) }, layers: [retry(NO_WAIT)] })
    expect(await call(core, getConvo, {})).toMatchObject({ ok: true, response: { attempts: 1 } })
    expect(manager.requests).toHaveLength(1)
    expect(requests).toHaveLength(0)
  })
})

describe('what an error keeps of an answer', () => {
  it('loses any JWT, even with no token of its own to redact, and keeps prose about bearer tokens readable', async () => {
    const { core } = coreWith([{ status: 401, json: { error: 'AuthenticationRequired', message: 'Bearer token required; got eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' } }])
    const result = await call(core, getConvo, {})
    expect(result.ok ? '' : result.error.message).toBe('Bearer token required; got [redacted]')
  })
})

describe('hooks layer', () => {
  it('sees every attempt, and the very error object the call returns', async () => {
    const events: [string, RequestContext | ResponseContext | ErrorContext][] = []
    const { core } = coreWith([UNAVAILABLE, UNAVAILABLE], {
      layers: [retry({ ...NO_WAIT, limit: 1 }), hooks({ onRequest: (c) => events.push(['request', c]), onResponse: (c) => events.push(['response', c]), onError: (c) => events.push(['error', c]) })],
    })
    const result = await call(core, getConvo, {})
    expect(events.map(([kind, c]) => `${kind}${c.attempt}`)).toEqual(['request1', 'response1', 'error1', 'request2', 'response2', 'error2'])
    expect((events.at(-1)![1] as ErrorContext).error).toBe(result.ok ? undefined : result.error)
  })

  it('runs inside the call: a hook that throws rejects it, after the request was sent for onResponse (as the README warns)', async () => {
    const bug = new Error('logger bug')
    const { core, requests } = coreWith([OK], { layers: [hooks({ onResponse: () => { throw bug } })] })
    await expect(call(core, sendMessage, { input: { convoId: 'c1', message: { text: 'hi' } } })).rejects.toBe(bug)
    expect(requests).toHaveLength(1)
  })

  // An async hook is awaited: its rejection, left alone, was an unhandled rejection, which ends a Node process.
  it('awaits an async hook, whose rejection rejects the call as a throw does, and whose wait the call waits for', async () => {
    const bug = new Error('metrics sink down')
    const unhandled: unknown[] = []
    const listen = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', listen)
    try {
      for (const hook of ['onRequest', 'onResponse'] as const) {
        const { core } = coreWith([OK], { layers: [hooks({ [hook]: async () => { throw bug } })] })
        await expect(call(core, getConvo, {}), hook).rejects.toBe(bug)
      }
      const { core } = coreWith([UNAVAILABLE], { layers: [hooks({ onError: async () => { throw bug } })] })
      await expect(call(core, getConvo, {})).rejects.toBe(bug)
      let flushed = false
      const waited = coreWith([OK], { layers: [hooks({ onResponse: async () => { await new Promise((resolve) => setImmediate(resolve)); flushed = true } })] })
      expect((await call(waited.core, getConvo, {})).ok).toBe(true)
      expect(flushed).toBe(true)
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', listen)
    }
  })
})

describe('session layer', () => {
  /** A session whose refreshSession answers once `gate` resolves (at once by default). */
  const session = (expired: Set<string>, refreshes: { count: number }, gate: Promise<unknown> = Promise.resolve()) => {
    const memory = memoryTransport(async (request) => {
      const token = request.headers.authorization?.slice('Bearer '.length)
      if (request.url.endsWith('/xrpc/com.atproto.server.refreshSession')) {
        refreshes.count++
        await gate
        await new Promise((resolve) => setImmediate(resolve)) // let every waiting call pile up
        return { json: { did: 'did:plc:a', handle: 'a.test', accessJwt: `access-${refreshes.count + 1}`, refreshJwt: `refresh-${refreshes.count + 1}` } }
      }
      if (token && expired.has(token)) return { status: 400, json: { error: 'ExpiredToken', message: 'Token has expired' } }
      return OK
    })
    const credentials = new CredentialSession({ service: 'https://pds.example.com', transport: memory.send, retries: false })
    return { credentials, requests: memory.requests }
  }

  it('refreshes once for every call that failed meanwhile, then replays each once, numbered as the next attempt', async () => {
    const refreshes = { count: 0 }
    const { credentials, requests } = session(new Set(['access-1']), refreshes)
    await credentials.resume({ did: 'did:plc:a', handle: 'a.test', accessJwt: 'access-1', refreshJwt: 'refresh-1' })
    const results = await Promise.all(Array.from({ length: 20 }, () => call(credentials.core, getConvo, { params: { convoId: 'c1' } })))
    expect(results.every((r) => r.ok && r.response.attempts === 2)).toBe(true)
    expect(refreshes.count).toBe(1)
    expect(requests.filter((r) => r.headers.authorization === 'Bearer access-2')).toHaveLength(20)
  })

  it('a logout while the refresh is in flight wins: the refreshed tokens are dropped', async () => {
    const refreshes = { count: 0 }
    let open!: () => void
    const { credentials } = session(new Set(['access-1']), refreshes, new Promise<void>((resolve) => (open = resolve)))
    await credentials.resume({ did: 'did:plc:a', handle: 'a.test', accessJwt: 'access-1', refreshJwt: 'refresh-1' })
    const pending = call(credentials.core, getConvo, { params: { convoId: 'c1' } })
    while (refreshes.count === 0) await new Promise((resolve) => setImmediate(resolve))
    await credentials.logout()
    open()
    const result = await pending
    expect(result.ok ? undefined : result.error).toBeInstanceOf(ExpiredTokenError)
    expect(credentials.session).toBeUndefined()
  })
})

describe('withDefaults', () => {
  it('is the stack the Client has: retries, then hooks, then a timeout per attempt', async () => {
    const attempts: number[] = []
    const config = withDefaults({ service: 'https://pds.example.com', retries: NO_WAIT, timeout: 20, onRequest: (c) => attempts.push(c.attempt) })
    const { core } = coreWith(['hang', UNAVAILABLE, OK], config)
    expect(await call(core, getConvo, {})).toMatchObject({ ok: true, response: { attempts: 3 } })
    expect(attempts).toEqual([1, 2, 3])
  })

  it('applied twice adds nothing (a preset handed to a Client, which applies it too): 3 attempts, not 9; what it would drop is a TypeError', async () => {
    const preset = withDefaults({ service: 'https://pds.example.com', retries: NO_WAIT })
    const { core, requests } = coreWith([UNAVAILABLE], withDefaults(preset))
    expect(await call(core, getConvo, {})).toMatchObject({ ok: false, error: { attempts: 3 } })
    expect(requests).toHaveLength(3)
    const memory = memoryTransport(() => UNAVAILABLE)
    await expect(new Client(withDefaults({ service: 'https://pds.example.com', transport: memory.send, retries: NO_WAIT })).chat.bsky.convo.getConvo({ convoId: 'c1' })).rejects.toThrow(
      'after 3 attempts',
    )
    expect(memory.requests).toHaveLength(3)
    expect(() => withDefaults({ ...preset, timeout: 5_000 })).toThrow('withDefaults: this config has its defaults already (from an earlier withDefaults), so timeout would be ignored: give it to the first one')
  })
})
