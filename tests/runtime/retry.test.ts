import type { ServerResponse } from 'node:http'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { AbortError, ConnectionError, Core, RateLimitExceededError, UpstreamFailureError, withDefaults } from '@lexgen/runtime'
import { chatBskyConvoGetConvo, chatBskyConvoSendMessage } from '../../generated/index.js'
import { send as fetchTransport } from '../../runtime/transport/fetch.js'
import { eventually } from '../helpers/eventually.js'
import { closedPort } from '../helpers/listen.js'
import { startRawServer, type RawHandler, type RawServer } from '../helpers/raw-server.js'

const JSON_TYPE = { 'content-type': 'application/json' }
const OK_CONVO = JSON.stringify({ convo: { id: 'c1', rev: '1', members: [], muted: false, unreadCount: 0 } })
const SENT = JSON.stringify({ id: 'm1', rev: '1', text: 'hi', sender: { did: 'did:plc:a' }, sentAt: '2026-01-01T00:00:00.000Z' })
const message = { convoId: 'c1', message: { text: 'hi' } }
/** Short backoff so the suite stays fast; the policy's shape is what is under test. */
const FAST = { baseDelay: 10, maxDelay: 40 }

let server: RawServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Answers the n-th request (0-based) with `script[n]`, and the last entry for every later one. */
async function scripted(script: RawHandler[]): Promise<RawServer> {
  let n = 0
  server = await startRawServer((req, res, body) => script[Math.min(n++, script.length - 1)]!(req, res, body))
  return server
}
const reply =
  (status: number, body: string, headers: Record<string, string | string[]> = JSON_TYPE): RawHandler =>
  (_req, res) => {
    res.writeHead(status, headers)
    res.end(body)
  }
const resetAfterReading: RawHandler = (req) => req.socket.destroy()

describe('retries', () => {
  it('retries a 429 after the Retry-After it was given, then succeeds', async () => {
    const s = await scripted([reply(429, JSON.stringify({ error: 'RateLimitExceeded' }), { ...JSON_TYPE, 'retry-after': '1' }), reply(200, OK_CONVO)])
    const started = performance.now()
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url })), { convoId: 'c1' })
    const elapsed = performance.now() - started
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.response.attempts).toBe(2)
    expect(elapsed).toBeGreaterThanOrEqual(1000)
    expect(s.requests).toHaveLength(2)
  })

  it('a query failing twice with 503 then succeeding returns the result with attempts = 3', async () => {
    const s = await scripted([reply(503, '{"error":"NotEnoughResources"}'), reply(503, '{"error":"NotEnoughResources"}'), reply(200, OK_CONVO)])
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url, retries: FAST })), { convoId: 'c1' })
    expect(result).toMatchObject({ ok: true, value: { convo: { id: 'c1' } }, response: { status: 200, attempts: 3 } })
  })

  // Reading the stack fixes its first line (V8 formats it once): a logger in a hook does so, or nothing does before the call ends.
  it.each([
    ['a hook already read', { onError: ({ error }: { error: Error }) => void error.stack }],
    ['nothing read before', {}],
  ])('gives up after the limit and says how many attempts it made, once, in the message and the stack %s', async (_, hooks) => {
    const s = await scripted([reply(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' })])
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url, retries: FAST, ...hooks })), { convoId: 'c1' })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toBeInstanceOf(UpstreamFailureError)
    expect(result.error.attempts).toBe(3)
    expect(result.error.message).toMatch(/\(after 3 attempts\)$/)
    expect(result.error.stack!.split('\n')[0]).toBe(`UpstreamFailureError: ${result.error.message}`)
    expect(inspect(result.error).split('\n')[0]).toBe(`UpstreamFailureError: ${result.error.message}`)
    expect(result.error.message.match(/after 3 attempts/g)).toHaveLength(1)
    expect(s.requests).toHaveLength(3)
  })

  it('never resends a sendMessage whose connection was reset after the server received it', async () => {
    const s = await scripted([resetAfterReading, reply(200, SENT)])
    const result = await chatBskyConvoSendMessage(new Core(withDefaults({ service: s.url, retries: FAST })), message)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toBeInstanceOf(ConnectionError)
    expect(result.ok || result.error).toMatchObject({ unsent: false })
    expect(s.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('retries a procedure that timed out waiting for a free connection (every one of the pool busy): nothing was sent', async () => {
    const held: ServerResponse[] = []
    const s = await scripted([(req, res, body) => (req.method === 'GET' ? void held.push(res) : reply(200, SENT)(req, res, body))])
    const release = () => held.splice(0).forEach((res) => reply(200, OK_CONVO)(undefined as never, res, ''))
    const core = new Core(withDefaults({ service: s.url, retries: FAST, onRequest: (c) => void (c.attempt === 2 && release()) }))
    // Queries the server holds take every connection the pool has for its origin (64).
    const queries = Array.from({ length: 64 }, () => chatBskyConvoGetConvo(core, { convoId: 'c1' }))
    expect(await eventually(() => held.length === 64)).toBe(true)
    const once = await chatBskyConvoSendMessage(core, message, { timeout: 200, retries: false })
    expect(once.ok || once.error).toMatchObject({ name: 'TimeoutError', unsent: true, message: 'chat.bsky.convo.sendMessage timed out after 200 ms, before it was sent' })
    const retried = await chatBskyConvoSendMessage(core, message, { timeout: 200 })
    expect(retried).toMatchObject({ ok: true, response: { attempts: 2 } })
    expect(s.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
    expect((await Promise.all(queries)).every((result) => result.ok)).toBe(true)
  })

  it('does not retry a procedure on a 5xx, unless the call is marked idempotent', async () => {
    const s = await scripted([reply(503, '{"error":"NotEnoughResources"}'), reply(503, '{"error":"NotEnoughResources"}'), reply(200, SENT)])
    const once = await chatBskyConvoSendMessage(new Core(withDefaults({ service: s.url, retries: FAST })), message)
    expect(once.ok).toBe(false)
    expect(s.requests).toHaveLength(1)
    const again = await chatBskyConvoSendMessage(new Core(withDefaults({ service: s.url, retries: FAST })), message, { idempotent: true })
    expect(again.ok).toBe(true)
    expect(s.requests).toHaveLength(3)
  })

  it('retries a procedure on 429: the server said it did not process it', async () => {
    const s = await scripted([reply(429, '{"error":"RateLimitExceeded"}', { ...JSON_TYPE, 'retry-after': '0' }), reply(200, SENT)])
    const result = await chatBskyConvoSendMessage(new Core(withDefaults({ service: s.url, retries: FAST })), message)
    expect(result).toMatchObject({ ok: true, response: { attempts: 2 } })
  })

  it("an abort after the request went out is not unsent, whatever the caller's reason (another call's refused connection)", async () => {
    const refused = await chatBskyConvoSendMessage(new Core({ service: await closedPort() }), message)
    expect(refused.ok || refused.error).toMatchObject({ unsent: true })
    let received = () => {}
    const s = await scripted([() => received()])
    for (const transport of [undefined, fetchTransport]) {
      const arrived = new Promise<void>((resolve) => (received = resolve))
      const controller = new AbortController()
      const pending = chatBskyConvoSendMessage(new Core({ service: s.url, transport }), message, { signal: controller.signal })
      await arrived
      controller.abort(refused.ok ? undefined : refused.error)
      const result = await pending
      expect(result.ok || result.error).toMatchObject({ name: 'AbortError', unsent: false, message: 'chat.bsky.convo.sendMessage was aborted' })
    }
    expect(s.requests).toHaveLength(2)
  })

  it('retries a procedure when the connection was refused: nothing was sent', async () => {
    const result = await chatBskyConvoSendMessage(new Core(withDefaults({ service: await closedPort(), retries: FAST })), message)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toMatchObject({ attempts: 3, unsent: true })
  })

  it('retries: false makes exactly one attempt', async () => {
    const s = await scripted([reply(503, '{"error":"NotEnoughResources"}'), reply(200, OK_CONVO)])
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url, retries: FAST })), { convoId: 'c1' }, { retries: false })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.attempts).toBe(1)
    expect(s.requests).toHaveLength(1)
  })

  it('never retries 400, 401, 403, 404, 413 or 501', async () => {
    for (const status of [400, 401, 403, 404, 413, 501]) {
      const s = await scripted([reply(status, JSON.stringify({ error: 'Nope' })), reply(200, OK_CONVO)])
      const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url, retries: FAST })), { convoId: 'c1' })
      expect(result.ok, `status ${status}`).toBe(false)
      expect(s.requests, `status ${status}`).toHaveLength(1)
      await s.close()
    }
    server = undefined
  })

  it('returns the 429 at once when the server asks for a wait beyond maxWait', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600)
    const s = await scripted([reply(429, '{"error":"RateLimitExceeded"}', { ...JSON_TYPE, 'ratelimit-reset': reset }), reply(200, OK_CONVO)])
    // Waiting the hour asked for would outlast the test: the 429 must come back at once.
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url })), { convoId: 'c1' })
    expect(result.ok ? undefined : result.error).toBeInstanceOf(RateLimitExceededError)
    expect(s.requests).toHaveLength(1)
    // Returned at once with retries left: the message says why, in util.inspect's first line too.
    const error = result.ok ? undefined : result.error
    expect(error?.message).toMatch(/ \(not retried: the server asked for a wait of 360\d s, longer than the 60 s a retry waits at most, maxWait\)$/)
    expect(error?.stack?.split('\n')[0]).toBe(`RateLimitExceededError: ${error?.message}`)
  })

  it('a Retry-After or ratelimit-reset later than a Date can hold: the 429 at once, its dates valid', async () => {
    // They made Invalid Dates and a wait of NaN, which setTimeout runs at once: three requests in a row.
    for (const headers of [{ 'retry-after': '99999999999999' }, { 'ratelimit-reset': '9999999999999' }] as Record<string, string>[]) {
      const s = await scripted([reply(429, '{"error":"RateLimitExceeded"}', { ...JSON_TYPE, ...headers }), reply(200, SENT)])
      const result = await chatBskyConvoSendMessage(new Core(withDefaults({ service: s.url })), message)
      const error = result.ok ? undefined : (result.error as RateLimitExceededError)
      expect(error).toBeInstanceOf(RateLimitExceededError)
      expect((error!.retryAfter ?? error!.rateLimit.reset)!.toISOString()).toBe('+275760-09-13T00:00:00.000Z')
      expect(s.requests).toHaveLength(1)
      await s.close()
    }
    server = undefined
  })

  it('a Retry-After sent twice, joined by the fetch transport ("5, 5"), is 5 s: over a maxWait of 1 s', async () => {
    // V8's Date parser read "5, 5" as May 5, 2001, a wait of 0: the retries went at once.
    const s = await scripted([reply(429, '{"error":"RateLimitExceeded"}', { ...JSON_TYPE, 'retry-after': ['5', '5'] }), reply(200, SENT)])
    const result = await chatBskyConvoSendMessage(new Core(withDefaults({ service: s.url, transport: fetchTransport, retries: { maxWait: 1_000 } })), message)
    expect(result.ok ? undefined : result.error).toBeInstanceOf(RateLimitExceededError)
    expect(result.ok ? undefined : result.error.message).toMatch(/\(not retried: the server asked for a wait of 5 s, longer than the 1 s a retry waits at most, maxWait\)$/)
    expect(s.requests).toHaveLength(1)
  })

  it('a wait longer than a timer can hold (about 24.8 days) is over any maxWait, Infinity too', async () => {
    // setTimeout runs such a delay at once.
    const s = await scripted([reply(429, '{"error":"RateLimitExceeded"}', { ...JSON_TYPE, 'retry-after': String(Math.ceil(2 ** 31 / 1000)) }), reply(200, SENT)])
    const result = await chatBskyConvoSendMessage(new Core(withDefaults({ service: s.url, retries: { maxWait: Infinity } })), message)
    expect(result.ok ? undefined : result.error).toBeInstanceOf(RateLimitExceededError)
    expect(s.requests).toHaveLength(1)
  })

  it('a configured backoff longer than a timer can hold waits the longest a timer holds, not none', async () => {
    const s = await scripted([reply(503, '{"error":"NotEnoughResources"}'), reply(200, OK_CONVO)])
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    // setTimeout runs a delay over 2^31-1 ms at once: the call would retry and succeed before the abort.
    const retries = { baseDelay: 2 ** 33, maxDelay: 2 ** 33, maxWait: Infinity }
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url, retries })), { convoId: 'c1' }, { signal: controller.signal })
    expect(result.ok ? undefined : result.error).toBeInstanceOf(AbortError)
    expect(s.requests).toHaveLength(1)
  })

  it('honours ratelimit-reset when there is no Retry-After', async () => {
    const resetAt = (Math.floor(Date.now() / 1000) + 2) * 1000
    const s = await scripted([reply(429, '{"error":"RateLimitExceeded"}', { ...JSON_TYPE, 'ratelimit-reset': String(resetAt / 1000) }), reply(200, OK_CONVO)])
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url })), { convoId: 'c1' })
    expect(result.ok).toBe(true)
    // The retry waited until the reset time, not the 0.5 s default backoff.
    expect(Date.now()).toBeGreaterThanOrEqual(resetAt - 20)
  })

  it('an abort during the backoff ends the call with an AbortError at once', async () => {
    const s = await scripted([reply(503, '{"error":"NotEnoughResources"}')])
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    // A backoff of 5 to 10 minutes would outlast the test: only the abort can end it.
    const retries = { baseDelay: 600_000, maxDelay: 600_000, maxWait: 600_000 }
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url, retries })), { convoId: 'c1' }, { signal: controller.signal })
    expect(result.ok ? undefined : result.error).toBeInstanceOf(AbortError)
  })

  it('does not retry a streamed body, which cannot be sent twice', async () => {
    const s = await scripted([reply(503, '{"error":"NotEnoughResources"}'), reply(200, '{}')])
    const { call } = await import('@lexgen/runtime')
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('bytes'))
        controller.close()
      },
    })
    const upload = { nsid: 'com.atproto.repo.uploadBlob', type: 'procedure' as const, input: '*/*', output: 'application/json' }
    const result = await call(new Core(withDefaults({ service: s.url, retries: FAST })), upload, { input: stream }, { idempotent: true })
    expect(result.ok).toBe(false)
    expect(s.requests).toHaveLength(1)
  })

  it('a policy field set to undefined keeps its default, as a left-out one does', async () => {
    const s = await scripted([reply(503, '{"error":"NotEnoughResources"}')])
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: s.url, retries: { ...FAST, limit: undefined } })), { convoId: 'c1' })
    expect(result.ok).toBe(false)
    expect(s.requests).toHaveLength(3)
  })

  it('rejects a nonsensical policy before any request', () => {
    expect(() => new Core(withDefaults({ service: 'http://127.0.0.1:1', retries: { limit: -1 } }))).toThrow('retries.limit must be a number >= 0, got -1')
    expect(() => new Core(withDefaults({ service: 'http://127.0.0.1:1', retries: 1.5 }))).toThrow('retries.limit must be a whole number, got 1.5')
  })
})
