/**
 * The response cap and the no-redirect rule beyond the matrix cells: the 16 MiB default is
 * enforced while streaming (memory stays bounded), the per-call override, configuration
 * errors, and every 3xx status on both transports.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, Core, InvalidResponseError, ResponseTooLargeError, UnexpectedRedirectError, XrpcResponseError, type Method, type Transport, withDefaults } from '@lexgen/runtime'
import { send as fetchSend } from '../../runtime/transport/fetch.js'
import { send as nodeSend } from '../../runtime/transport/node.js'
import { send as dispatcherSend } from '../../runtime/transport/undici.js'
import { Agent } from 'undici'
import { ResponseTooLarge, UndecodableBody } from '../../runtime/transport/types.js'
import { eventually } from '../helpers/eventually.js'
import { startFaultServer, type FaultServer } from './support/fault-server.js'
import { settle, trackUnhandledRejections } from './support/guards.js'

const getConvo: Method = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json' }
const sendMessage: Method = { nsid: 'chat.bsky.convo.sendMessage', type: 'procedure', input: 'application/json', output: 'application/json' }
const MiB = 1024 * 1024
let server: FaultServer
let other: FaultServer
/** The undici transport sends through a caller's dispatcher: these tests bring one. */
const agent = new Agent()
const undiciSend: Transport = (request) => dispatcherSend({ ...request, dispatcher: agent })

/** Streams 64 KiB chunks until the client hangs up, or `total` bytes. */
function endless(total: number) {
  return (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const chunk = Buffer.alloc(64 * 1024, 0x78)
    let sent = 0
    const pump = () => {
      while (!res.destroyed && sent < total) {
        sent += chunk.length
        if (!res.write(chunk)) return void res.once('drain', pump)
      }
      if (!res.destroyed) res.end()
    }
    pump()
  }
}

beforeAll(async () => {
  server = await startFaultServer()
  other = await startFaultServer((_req, res) => res.end('{}'))
})
afterAll(async () => {
  await Promise.all([server.close(), other.close(), agent.close()])
})

describe('maxResponseBytes', () => {
  it('defaults to 16 MiB and stops reading an endless body there, with a typed error', async () => {
    server.reset()
    server.handle(endless(512 * MiB))
    const core = new Core(withDefaults({ service: server.url, retries: false }))
    expect(core.maxResponseBytes).toBe(16 * MiB)
    const heapBefore = process.memoryUsage().arrayBuffers
    const result = await call(core, getConvo, {})
    if (result.ok) throw new Error('expected ResponseTooLargeError')
    expect(result.error).toBeInstanceOf(ResponseTooLargeError)
    expect(result.error).toMatchObject({ status: 200, error: 'ResponseTooLarge', limit: 16 * MiB, attempts: 1 })
    expect(result.error.headers['content-type']).toBe('application/json')
    expect(result.error.message).toBe('chat.bsky.convo.getConvo returned a body over the 16777216-byte limit (maxResponseBytes); it was not read')
    // The server got to write the cap plus what loopback socket buffers hold, not 512 MiB.
    expect(server.bytesWritten).toBeLessThan(16 * MiB + 16 * MiB)
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(64 * MiB)
    expect(await eventually(() => server.busySockets() === 0)).toBe(true)
  })

  it('reads a body of exactly the cap, and rejects one byte more', async () => {
    for (const [size, ok] of [
      [1000, true],
      [1001, false],
    ] as const) {
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(`{"a":"${'y'.repeat(size - 8)}"}`)
      })
      const result = await call(new Core(withDefaults({ service: server.url, retries: false, maxResponseBytes: 1000 })), getConvo, {})
      expect(result.ok, `${size} bytes`).toBe(ok)
    }
  })

  it('applies to error bodies too, and a call can raise or lower it', async () => {
    server.handle((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' })
      res.end('<html>' + 'z'.repeat(100_000) + '</html>')
    })
    const core = new Core(withDefaults({ service: server.url, retries: false, maxResponseBytes: 10_000 }))
    const small = await call(core, getConvo, {})
    expect(small.ok ? undefined : small.error).toBeInstanceOf(ResponseTooLargeError)
    expect(small.ok ? undefined : small.error.status).toBe(500)
    const raised = await call(core, getConvo, {}, { maxResponseBytes: Infinity })
    expect(raised.ok ? undefined : raised.error).toBeInstanceOf(XrpcResponseError)
    const lowered = await call(new Core(withDefaults({ service: server.url, retries: false })), getConvo, {}, { maxResponseBytes: 10 })
    expect(lowered.ok ? undefined : lowered.error).toBeInstanceOf(ResponseTooLargeError)
  })

  it('is never retried: the same body would come back', async () => {
    server.reset()
    server.handle(endless(1 * MiB))
    const result = await call(new Core(withDefaults({ service: server.url, retries: { limit: 3, baseDelay: 1 }, maxResponseBytes: 1024 })), getConvo, {})
    expect(result.ok ? undefined : result.error).toBeInstanceOf(ResponseTooLargeError)
    expect(server.requests).toHaveLength(1)
  })

  // Regression: refusing a body from its content-length destroyed an unread undici body, which
  // emitted its abort error with no listener: an uncaught exception in the caller's process.
  it('refusing a body from its content-length raises no uncaught error', async () => {
    const guard = trackUnhandledRejections()
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' })
      res.end(`"${'a'.repeat(4998)}"`)
    })
    for (let i = 0; i < 5; i++) {
      const result = await call(new Core(withDefaults({ service: server.url, retries: false, maxResponseBytes: 4999 })), getConvo, {})
      expect(result.ok ? undefined : result.error).toBeInstanceOf(ResponseTooLargeError)
    }
    await settle()
    guard.stop()
    expect(guard.seen).toEqual([])
  })

  it.each([-1, 1.5, Number.NaN, '10' as unknown as number])('rejects maxResponseBytes %s before any request', (limit) => {
    expect(() => new Core(withDefaults({ service: server.url, maxResponseBytes: limit }))).toThrow(/maxResponseBytes must be a whole number of bytes >= 0/)
  })

  it.each([
    ['node', nodeSend],
    ['undici', undiciSend],
    ['fetch', fetchSend],
  ] as const)('the %s transport enforces it by itself, content-length or not', async (_name, send) => {
    for (const withLength of [true, false]) {
      server.handle((_req, res) => {
        res.writeHead(200, withLength ? { 'content-length': '5000' } : {})
        res.end('a'.repeat(5000))
      })
      const error = await send({ method: 'GET', url: `${server.url}/xrpc/x.y.z`, headers: {}, signal: new AbortController().signal, maxResponseBytes: 4999 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ResponseTooLarge)
      expect(error).toMatchObject({ status: 200, limit: 4999 })
    }
  })
})

describe('content codings: every transport reads what fetch reads', () => {
  const transports = { node: nodeSend, undici: undiciSend, fetch: fetchSend }
  const codings = { gzip: gzipSync, 'x-gzip': gzipSync, br: brotliCompressSync, deflate: deflateSync, 'gzip, br': (text: string) => brotliCompressSync(gzipSync(text)) }
  for (const transport of ['node', 'undici', 'fetch'] as const) {
    it.each(Object.keys(codings))(`asks for gzip, deflate, br and decodes %s (${transport}), error bodies included`, async (coding) => {
      const encode = codings[coding as keyof typeof codings]
      server.handle((_req, res) => {
        res.writeHead(400, { 'content-type': 'application/json', 'content-encoding': coding })
        res.end(encode(JSON.stringify({ error: 'InvalidConvo', message: 'no such convo' })))
      })
      const raw = await transports[transport]({ method: 'GET', url: `${server.url}/xrpc/x.y.z`, headers: {} })
      expect(JSON.parse(new TextDecoder().decode(raw.body))).toEqual({ error: 'InvalidConvo', message: 'no such convo' })
      expect(server.requests.at(-1)!.headers['accept-encoding']).toMatch(/gzip.*deflate.*br|gzip, deflate/)
    })
  }

  // Bodies that stop short of, or run past, the end of their coding: fetch's reading is the rule.
  const text = JSON.stringify({ error: 'InvalidConvo', message: 'no such convo' })
  it.each([
    // An empty 200 (a logout's) failed as an undecodable body on node:http and undici only.
    ['an empty gzip body', 'gzip', Buffer.alloc(0), ''],
    ['a gzip body without its trailer', 'gzip', gzipSync(text).subarray(0, -8), text],
    ['a deflate body without its checksum', 'deflate', deflateSync(text).subarray(0, -4), text],
    ['an empty br body', 'br', Buffer.alloc(0), ''],
    // Regression: the deflate decoder waited for an 'end' that inflate had already emitted: the call never settled.
    ['a deflate body with bytes after its end', 'deflate', Buffer.concat([deflateSync(text), Buffer.from('junk')]), text],
  ])('%s reads as fetch reads it, on every transport', async (_label, coding, bytes, expected) => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-encoding': coding })
      res.end(bytes)
    })
    for (const [name, send] of Object.entries(transports)) {
      const raw = await send({ method: 'GET', url: `${server.url}/xrpc/x.y.z`, headers: {} })
      expect(new TextDecoder().decode(raw.body), name).toBe(expected)
    }
  })

  it('undoes 5 codings; refuses more, as fetch does, without decoding', async () => {
    const gzipped = (times: number) => Array.from({ length: times }).reduce<Buffer>((bytes) => gzipSync(bytes), Buffer.from(text))
    for (const times of [5, 6]) {
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': Array(times).fill('gzip').join(', ') })
        res.end(gzipped(times))
      })
      for (const [name, send] of Object.entries(transports)) {
        const outcome = await send({ method: 'GET', url: `${server.url}/xrpc/x.y.z`, headers: {} }).then((raw) => new TextDecoder().decode(raw.body), (error: unknown) => error)
        // fetch's own refusal is a network error (a ConnectionError in a call).
        if (times === 5) expect(outcome, name).toBe(text)
        else expect(outcome, name).toBeInstanceOf(name === 'fetch' ? Error : UndecodableBody)
      }
    }
    const result = await call(new Core({ service: server.url }), getConvo, {})
    expect(result.ok ? undefined : result.error).toBeInstanceOf(InvalidResponseError)
    expect(result.ok ? undefined : result.error.message).toBe('chat.bsky.convo.getConvo returned a body that could not be decoded (6 content codings listed, more than the 5 fetch undoes)')
  })

  it("a caller's own accept-encoding is sent as it is", async () => {
    server.handle((_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end('{}')))
    await call(new Core({ service: server.url, headers: { 'accept-encoding': 'identity' } }), getConvo, {})
    expect(server.requests.at(-1)!.headers['accept-encoding']).toBe('identity')
  })
})

describe('redirects are never followed', () => {
  const transports = { node: nodeSend, undici: undiciSend, fetch: fetchSend }
  for (const transport of ['node', 'undici', 'fetch'] as const) {
    it.each([301, 302, 303, 307, 308])(`%i to another origin (${transport}) is an UnexpectedRedirectError naming the Location`, async (status) => {
      other.reset()
      server.handle((req, res) => {
        res.writeHead(status, { location: `${other.url}${req.url}` })
        res.end()
      })
      const send = transports[transport]
      const raw = await send({ method: 'POST', url: `${server.url}/xrpc/chat.bsky.convo.sendMessage`, headers: { authorization: 'Bearer secret' }, body: '{}', signal: new AbortController().signal })
      expect(raw.status).toBe(status)
      const result = await call(new Core(withDefaults({ service: server.url, auth: 'secret', retries: false })), sendMessage, { input: { convoId: 'c', message: { text: 'x' } } })
      if (result.ok) throw new Error('expected UnexpectedRedirectError')
      expect(result.error).toBeInstanceOf(UnexpectedRedirectError)
      expect(result.error).toMatchObject({ status, error: 'UnexpectedRedirect', location: `${other.url}/xrpc/chat.bsky.convo.sendMessage` })
      expect(result.error.message).toContain(`redirect to ${other.url}/xrpc/chat.bsky.convo.sendMessage not followed`)
      expect(other.requests).toHaveLength(0)
    })
  }
})
