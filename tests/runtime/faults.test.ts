/**
 * Failures a well-behaved XRPC server never produces, from a bare HTTP server: each status
 * class, HTML and malformed bodies, rate-limit headers, timeouts, aborts, refused connections.
 */
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AbortError,
  AuthenticationRequiredError,
  call,
  ConnectionError,
  Core,
  ExpiredTokenError,
  ForbiddenError,
  InternalServerError,
  InvalidRequestError,
  InvalidResponseError,
  MethodNotImplementedError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitExceededError,
  TimeoutError,
  UpstreamFailureError,
  XrpcError,
  XrpcResponseError,
  XrpcTransportError,
  type BinaryInput,
  type Method,
  withDefaults,
} from '@lexgen/runtime'
import { chatBskyConvoGetConvo } from '../../generated/chat/bsky/convo/getConvo.js'
import { chatBskyConvoSendMessage } from '../../generated/chat/bsky/convo/sendMessage.js'
import { HTML_502, respond, stall, stallMidBody, startRawServer, type RawHandler, type RawServer } from '../helpers/raw-server.js'

const TOKEN = 'raw-server-secret-token.eyJhbGciOiJIUzI1NiJ9.c2lnbmF0dXJl'
const JSON_TYPE = { 'content-type': 'application/json' }
const getConvo: Method = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json' }

const servers: RawServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function serve(handler: RawHandler): Promise<RawServer> {
  const server = await startRawServer(handler)
  servers.push(server)
  return server
}

async function failure(handler: RawHandler, config: { timeout?: number } = {}): Promise<XrpcError> {
  const server = await serve(handler)
  const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: server.url, retries: false, auth: TOKEN, ...config })), { convoId: 'c1' })
  if (result.ok) throw new Error('expected a failure')
  return result.error
}

function expectNoToken(error: XrpcError): void {
  for (const text of [error.message, String(error), error.stack ?? '', inspect(error, { depth: 5 }), JSON.stringify(error)]) {
    expect(text).not.toContain(TOKEN)
  }
}

describe('status classes', () => {
  it.each([
    [400, 'InvalidRequest', InvalidRequestError],
    [401, 'AuthenticationRequired', AuthenticationRequiredError],
    [403, 'Forbidden', ForbiddenError],
    [404, 'NotFound', NotFoundError],
    [413, 'PayloadTooLarge', PayloadTooLargeError],
    [429, 'RateLimitExceeded', RateLimitExceededError],
    [500, 'InternalServerError', InternalServerError],
    [501, 'MethodNotImplemented', MethodNotImplementedError],
    [502, 'UpstreamFailure', UpstreamFailureError],
    [503, 'NotEnoughResources', UpstreamFailureError],
    [504, 'UpstreamTimeout', UpstreamFailureError],
    [507, 'InsufficientStorage', InternalServerError],
  ] as const)('%i %s', async (status, name, ErrorClass) => {
    const error = await failure(respond(status, JSON.stringify({ error: name, message: `it was a ${status}` }), JSON_TYPE))
    expect(error).toBeInstanceOf(ErrorClass)
    expect(error).toBeInstanceOf(XrpcResponseError)
    expect(error).toMatchObject({ status, error: name, message: `it was a ${status}`, nsid: 'chat.bsky.convo.getConvo', attempts: 1 })
    expect(error.headers['content-type']).toBe('application/json')
    expectNoToken(error)
  })

  it('keeps an unclassified status as a plain XrpcResponseError', async () => {
    const error = await failure(respond(418, JSON.stringify({ error: 'Teapot' }), JSON_TYPE))
    expect(error.constructor).toBe(XrpcResponseError)
    expect(error).toMatchObject({ status: 418, error: 'Teapot', message: 'Teapot' })
  })

  it('maps ExpiredToken by name, whatever the status', async () => {
    for (const status of [400, 401]) {
      const error = await failure(respond(status, JSON.stringify({ error: 'ExpiredToken', message: 'Token has expired' }), JSON_TYPE))
      expect(error).toBeInstanceOf(ExpiredTokenError)
      expect(error.status).toBe(status)
    }
  })

  it('parses rate-limit headers and Retry-After on a 429', async () => {
    const reset = Math.floor(Date.now() / 1000) + 60
    const error = await failure(
      respond(429, JSON.stringify({ error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }), {
        ...JSON_TYPE,
        'ratelimit-limit': '3000',
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(reset),
        'ratelimit-policy': '3000;w=300',
        'retry-after': '30',
      }),
    )
    expect(error).toBeInstanceOf(RateLimitExceededError)
    const { rateLimit, retryAfter } = error as RateLimitExceededError
    expect(rateLimit).toEqual({ limit: 3000, remaining: 0, reset: new Date(reset * 1000), policy: '3000;w=300' })
    expect(retryAfter!.getTime()).toBeGreaterThan(Date.now() + 25_000)
    expect(retryAfter!.getTime()).toBeLessThanOrEqual(Date.now() + 30_000)
  })

  it('reads Retry-After as an HTTP date, and tolerates missing rate-limit headers', async () => {
    const when = new Date(Date.now() + 120_000)
    when.setMilliseconds(0)
    const error = (await failure(respond(429, '', { 'retry-after': when.toUTCString() }))) as RateLimitExceededError
    expect(error).toBeInstanceOf(RateLimitExceededError)
    expect(error.retryAfter).toEqual(when)
    expect(error.rateLimit).toEqual({})
  })
})

describe('bodies that are not XRPC JSON', () => {
  it('maps an HTML 502 page from a proxy by its status, with a readable message', async () => {
    const error = await failure(respond(502, HTML_502, { 'content-type': 'text/html' }))
    expect(error).toBeInstanceOf(UpstreamFailureError)
    expect(error).toMatchObject({ status: 502, error: 'UpstreamFailure' })
    expect(error.message).toBe('HTTP 502 with a non-XRPC body (text/html)')
  })

  it('maps a malformed JSON error body by its status', async () => {
    const error = await failure(respond(500, '{"error": "Internal', JSON_TYPE))
    expect(error).toBeInstanceOf(InternalServerError)
    expect(error).toMatchObject({ status: 500, error: 'InternalServerError', message: 'HTTP 500 with a malformed JSON body' })
  })

  it('maps a plain-text 413 by its status', async () => {
    const error = await failure(respond(413, 'request entity too large', { 'content-type': 'text/plain' }))
    expect(error).toBeInstanceOf(PayloadTooLargeError)
    expect(error.error).toBe('PayloadTooLarge')
  })

  it('reports malformed JSON on a 2xx as InvalidResponse, keeping the raw body', async () => {
    const error = await failure(respond(200, '{"convo": {"id": ', JSON_TYPE))
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect(error).toMatchObject({ status: 200, error: 'InvalidResponse', body: '{"convo": {"id": ' })
  })

  it('reports a wrong content-type on a 2xx as InvalidResponse, truncating a long body', async () => {
    const error = await failure(respond(200, `<html>${'x'.repeat(10_000)}</html>`, { 'content-type': 'text/html' }))
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect(error.message).toMatch(/text\/html/)
    expect((error as InvalidResponseError).body.length).toBeLessThan(2100)
  })

  it('redacts the token should a server echo it back', async () => {
    const echo: RawHandler = (req, res) => {
      res.writeHead(401, JSON_TYPE)
      res.end(JSON.stringify({ error: 'InvalidToken', message: `bad token in ${req.headers.authorization}` }))
    }
    const error = await failure(echo)
    expect(error.message).toBe('bad token in Bearer [redacted]')
    expectNoToken(error)
  })
})

describe('transport failures', () => {
  it('times out a stalled server within the limit', async () => {
    const started = performance.now()
    const error = await failure(stall, { timeout: 200 })
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toBeInstanceOf(XrpcTransportError)
    expect(error).toMatchObject({ status: 0, error: 'Timeout', message: 'chat.bsky.convo.getConvo timed out after 200 ms' })
    expect(error.cause).toBeDefined()
    expect(elapsed).toBeGreaterThanOrEqual(190)
  })

  it('times out a body that stops half-way', async () => {
    const error = await failure(stallMidBody, { timeout: 200 })
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.message).toBe('chat.bsky.convo.getConvo timed out after 200 ms')
  })

  it('lets a call set its own timeout', async () => {
    const server = await serve(stall)
    // The Core's own timeout would outlast the test's: only the call's can end it.
    const core = new Core(withDefaults({ service: server.url, retries: false, timeout: 600_000 }))
    const result = await call(core, getConvo, { params: { convoId: 'c1' } }, { timeout: 100 })
    expect(result.ok ? undefined : result.error).toBeInstanceOf(TimeoutError)
    expect(result.ok ? undefined : result.error.message).toBe('chat.bsky.convo.getConvo timed out after 100 ms')
  })

  it('aborts on the caller signal, promptly, keeping the reason as cause', async () => {
    const server = await serve(stall)
    const controller = new AbortController()
    const reason = new Error('user navigated away')
    setTimeout(() => controller.abort(reason), 50)
    // No timeout that could end the call before the test's own: only the abort can.
    const result = await call(new Core(withDefaults({ service: server.url, retries: false, timeout: 600_000 })), getConvo, { params: { convoId: 'c1' } }, { signal: controller.signal })
    if (result.ok) throw new Error('expected an abort')
    expect(result.error).toBeInstanceOf(AbortError)
    expect(result.error).toMatchObject({ status: 0, error: 'Aborted' })
    expect(result.error.cause).toBe(reason)
  })

  it('does not send anything when the signal is already aborted', async () => {
    const server = await serve(respond(200, '{}', JSON_TYPE))
    const result = await call(new Core(withDefaults({ service: server.url, retries: false })), getConvo, {}, { signal: AbortSignal.abort() })
    expect(result.ok ? undefined : result.error).toBeInstanceOf(AbortError)
    expect(server.requests).toHaveLength(0)
  })

  it('reports a refused connection as ConnectionError with the original cause', async () => {
    const server = await startRawServer(stall)
    await server.close()
    const result = await call(new Core(withDefaults({ service: server.url, retries: false, auth: TOKEN })), getConvo, {})
    if (result.ok) throw new Error('expected a connection failure')
    expect(result.error).toBeInstanceOf(ConnectionError)
    expect(result.error).toMatchObject({ status: 0, error: 'ConnectionFailed', headers: {} })
    expect(result.error.message).toMatch(/ECONNREFUSED/)
    expect((result.error.cause as { code?: string }).code).toBe('ECONNREFUSED')
    expectNoToken(result.error)
  })

  it('reports a connection reset mid-response as ConnectionError', async () => {
    const error = await failure((req) => req.socket.destroy())
    expect(error).toBeInstanceOf(ConnectionError)
  })
})

describe('bodies on the wire', () => {
  const upload: Method = { nsid: 'com.example.upload', type: 'procedure', input: '*/*', output: 'application/json' }
  const echo: RawHandler = (req, res, body) => {
    res.writeHead(200, JSON_TYPE)
    res.end(JSON.stringify({ contentType: req.headers['content-type'] ?? null, body }))
  }

  it('sends JSON input with content-type application/json', async () => {
    const server = await serve(respond(200, JSON.stringify({ id: 'm1', rev: '1', text: 'hi', sender: { did: 'did:plc:a' }, sentAt: '2024-01-01T00:00:00Z' }), JSON_TYPE))
    const result = await chatBskyConvoSendMessage(new Core(withDefaults({ service: server.url, retries: false })), { convoId: 'c1', message: { text: 'hi' } })
    expect(result.ok).toBe(true)
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/xrpc/chat.bsky.convo.sendMessage', body: '{"convoId":"c1","message":{"text":"hi"}}' })
    expect(server.requests[0]!.headers['content-type']).toBe('application/json')
  })

  it.each([
    ['a Uint8Array', (): BinaryInput => new TextEncoder().encode('bytes!'), {}, 'application/octet-stream'],
    ['a string with a caller content-type', (): BinaryInput => 'text!', { 'Content-Type': 'text/plain' }, 'text/plain'],
    ['a typed Blob', (): BinaryInput => new Blob(['blob!'], { type: 'image/png' }), {}, 'image/png'],
    ['a ReadableStream', (): BinaryInput => new Blob(['stream!']).stream(), {}, 'application/octet-stream'],
  ] as const)('sends %s as raw bytes', async (_label, input, headers, contentType) => {
    const server = await serve(echo)
    const result = await call<{ contentType: string; body: string }>(new Core(withDefaults({ service: server.url, retries: false })), upload, { input: input() }, { headers })
    if (!result.ok) throw result.error
    expect(result.value.contentType).toBe(contentType)
    expect(result.value.body).toMatch(/^[a-z]+!$/)
  })

  it('uses the declared encoding for a concrete non-JSON input', async () => {
    const server = await serve(echo)
    const car: Method = { nsid: 'com.example.importRepo', type: 'procedure', input: 'application/vnd.ipld.car', output: 'application/json' }
    const result = await call<{ contentType: string }>(new Core(withDefaults({ service: server.url, retries: false })), car, { input: new Uint8Array([1, 2, 3]) })
    expect(result.ok && result.value.contentType).toBe('application/vnd.ipld.car')
  })

  it('sends neither body nor content-type when the lexicon declares no input', async () => {
    const server = await serve(respond(200, ''))
    const noInput: Method = { nsid: 'com.example.ping', type: 'procedure' }
    const result = await call(new Core(withDefaults({ service: server.url, retries: false })), noInput, {}, { headers: { 'content-type': 'application/json' } })
    expect(result).toMatchObject({ ok: true, value: undefined, response: { status: 200 } })
    expect(server.requests[0]!.headers).not.toHaveProperty('content-type')
    expect(server.requests[0]!.body).toBe('')
  })

  it('decodes a non-JSON output as bytes', async () => {
    const server = await serve(respond(200, 'CAR-BYTES', { 'content-type': 'application/vnd.ipld.car' }))
    const getRepo: Method = { nsid: 'com.example.getRepo', type: 'query', output: 'application/vnd.ipld.car' }
    const result = await call<Uint8Array>(new Core(withDefaults({ service: server.url, retries: false })), getRepo, {})
    if (!result.ok) throw result.error
    expect(result.value).toBeInstanceOf(Uint8Array)
    expect(new TextDecoder().decode(result.value)).toBe('CAR-BYTES')
  })

  it('ignores any body when the lexicon declares no output', async () => {
    const server = await serve(respond(200, 'not json at all', { 'content-type': 'text/plain' }))
    const result = await call(new Core(withDefaults({ service: server.url, retries: false })), { nsid: 'com.example.fire', type: 'procedure' }, {})
    expect(result).toMatchObject({ ok: true, value: undefined })
  })
})

describe('hooks', () => {
  it('see every attempt with nsid, type and attempt, and response or error details', async () => {
    const server = await serve(respond(404, JSON.stringify({ error: 'NotFound' }), JSON_TYPE))
    const events: [string, Record<string, unknown>][] = []
    const core = new Core(withDefaults({
      service: server.url,
      auth: TOKEN,
      onRequest: (c) => {
        events.push(['request', { ...c }])
      },
      onResponse: (c) => {
        events.push(['response', { ...c }])
      },
      onError: (c) => {
        events.push(['error', { ...c }])
      },
    }))
    await call(core, getConvo, { params: { convoId: 'c1' } })
    expect(events.map(([kind]) => kind)).toEqual(['request', 'response', 'error'])
    const base = { nsid: 'chat.bsky.convo.getConvo', type: 'query', attempt: 1, method: 'GET', url: `${server.url}/xrpc/chat.bsky.convo.getConvo?convoId=c1` }
    expect(events[0]![1]).toEqual(base)
    expect(events[1]![1]).toMatchObject({ ...base, status: 404 })
    expect(events[2]![1].error).toBeInstanceOf(NotFoundError)
    expect(inspect(events, { depth: 10 })).not.toContain(TOKEN)
  })
})
