/**
 * The same runtime over the fetch transport (the `browser` build), swapped in for `#transport`:
 * success, typed errors, timeout, abort, refused connections and streamed bodies.
 */
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { AbortError, BSKY_CHAT_PROXY, call, ConnectionError, Core, fetchTransport, TimeoutError, UpstreamFailureError, type Method, withDefaults } from '@lexgen/runtime'
import { chatBskyConvoGetConvo, InvalidConvoError } from '../../generated/chat/bsky/convo/getConvo.js'
import { eventually } from '../helpers/eventually.js'
import { closeServer, listen } from '../helpers/listen.js'
import { HTML_502, respond, stall, startRawServer, type RawServer } from '../helpers/raw-server.js'
import { startChatServer, TEST_TOKEN, type ChatServer } from '../helpers/xrpc-server.js'

// The runtime's `#transport` resolves to the node:http module in Node: swap in the browser build's.
vi.mock('../../runtime/transport/node.ts', () => import('../../runtime/transport/fetch.js'))

const getConvo: Method = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json' }
let chat: ChatServer
let stalled: RawServer

beforeAll(async () => {
  chat = await startChatServer()
  stalled = await startRawServer(stall)
})

afterAll(async () => {
  await Promise.all([chat.close(), stalled.close()])
})

describe('fetch transport', () => {
  it('is the transport in use', async () => {
    const spy = vi.spyOn(globalThis, 'fetch')
    await chatBskyConvoGetConvo(new Core(withDefaults({ service: chat.url, auth: TEST_TOKEN })), { convoId: 'none' })
    expect(spy).toHaveBeenCalledOnce()
    spy.mockRestore()
  })

  it('sends proxy and auth headers and decodes the output', async () => {
    const convoId = chat.store.getConvoForMembers(['did:plc:other']).convo.id as string
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: chat.url, auth: TEST_TOKEN })), { convoId })
    expect(result).toMatchObject({ ok: true, value: { convo: { id: convoId } }, response: { status: 200 } })
    expect(chat.last('chat.bsky.convo.getConvo')!.headers).toMatchObject({ 'atproto-proxy': BSKY_CHAT_PROXY, authorization: `Bearer ${TEST_TOKEN}` })
  })

  it('maps declared errors and HTML error pages', async () => {
    const declared = await chatBskyConvoGetConvo(new Core(withDefaults({ service: chat.url, auth: TEST_TOKEN })), { convoId: 'none' })
    expect(declared.ok ? undefined : declared.error).toBeInstanceOf(InvalidConvoError)
    const html = await startRawServer(respond(502, HTML_502, { 'content-type': 'text/html' }))
    const result = await call(new Core(withDefaults({ service: html.url, retries: false })), getConvo, {})
    await html.close()
    expect(result.ok ? undefined : result.error).toBeInstanceOf(UpstreamFailureError)
  })

  it('times out and aborts', async () => {
    const core = new Core(withDefaults({ service: stalled.url, timeout: 150, retries: false }))
    const timedOut = await call(core, getConvo, {})
    expect(timedOut.ok ? undefined : timedOut.error).toBeInstanceOf(TimeoutError)
    const aborted = await call(core, getConvo, {}, { signal: AbortSignal.timeout(50), timeout: 10_000 })
    expect(aborted.ok ? undefined : aborted.error).toBeInstanceOf(AbortError)
  })

  it('reports a refused connection with its cause', async () => {
    const gone = await startRawServer(stall)
    await gone.close()
    const result = await call(new Core(withDefaults({ service: gone.url, retries: false })), getConvo, {})
    if (result.ok) throw new Error('expected a connection failure')
    expect(result.error).toBeInstanceOf(ConnectionError)
    expect(result.error.message).toMatch(/ECONNREFUSED/)
    // Node's fetch gives the reason: no guessing added.
    expect(result.error.message).not.toContain('CORS')
  })

  it("names the likely causes only of a browser's bare network error, not of any TypeError fetch throws", async () => {
    const failing = (message: string) => new Core({ service: chat.url, transport: fetchTransport(() => Promise.reject(new TypeError(message))) })
    const bare = await call(failing('Failed to fetch'), getConvo, {})
    expect(bare).toMatchObject({ ok: false, error: { message: `chat.bsky.convo.getConvo got no complete answer from ${chat.url} (the request may have reached it): Failed to fetch (the server is unreachable, or its CORS policy refused the request: the browser console says which)` } })
    const other = await call(failing('Response body object should not be disturbed or locked'), getConvo, {})
    expect(other).toMatchObject({ ok: false, error: { message: `chat.bsky.convo.getConvo got no complete answer from ${chat.url} (the request may have reached it): Response body object should not be disturbed or locked` } })
  })

  it("sends through a fetch of the caller's own (an instrumented one), given as transport: fetchTransport(fetch)", async () => {
    const seen: string[] = []
    const traced = (url: string, init: RequestInit) => (seen.push(`${init.method} ${new URL(url).pathname}`), fetch(url, init))
    const result = await chatBskyConvoGetConvo(new Core({ service: chat.url, auth: TEST_TOKEN, transport: fetchTransport(traced) }), { convoId: 'no-such-convo' })
    expect(result.ok ? undefined : result.error).toBeInstanceOf(InvalidConvoError)
    expect(seen).toEqual(['GET /xrpc/chat.bsky.convo.getConvo'])
  })

  it("lets go of the caller's stream when an upload ends before it is read through: timed out, or answered early", async () => {
    /** An endless upload, recording its cancel. */
    const source = () => {
      const state = { cancelled: false, stream: undefined as unknown as ReadableStream<Uint8Array> }
      state.stream = new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(new Uint8Array(16 << 10)), cancel: () => void (state.cancelled = true) })
      return state
    }
    const upload: Method = { nsid: 'com.example.upload', type: 'procedure', input: '*/*', output: 'application/json' }
    // fetch stopped reading it, but went on holding it: a file or a download feeding it stayed open.
    const slow = source()
    const timedOut = await call(new Core(withDefaults({ service: stalled.url, retries: false, timeout: 300 })), upload, { input: slow.stream })
    expect(timedOut.ok ? undefined : timedOut.error).toBeInstanceOf(TimeoutError)
    expect(await eventually(() => slow.cancelled)).toBe(true)
    const refusing = createServer((_req, res) => res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"PayloadTooLarge"}'))
    const url = `http://127.0.0.1:${await listen(refusing)}`
    try {
      const early = source()
      const refused = await call(new Core({ service: url }), upload, { input: early.stream })
      expect(refused.ok ? undefined : refused.error.status).toBe(413)
      expect(await eventually(() => early.cancelled)).toBe(true)
    } finally {
      await closeServer(refusing)
    }
  })

  it("says the caller's own upload failed, not that the server could not be reached: a stream that errors, or gives what is not bytes", async () => {
    const upload: Method = { nsid: 'com.example.upload', type: 'procedure', input: '*/*', output: 'application/json' }
    const core = new Core({ service: stalled.url })
    const erroring = new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(new Error('disk read failed')) })
    const notBytes = new ReadableStream<unknown>({ pull: (controller) => controller.enqueue('text') }) as unknown as ReadableStream<Uint8Array>
    for (const [input, reason] of [[erroring, 'disk read failed'], [notBytes, 'a chunk of the body is string, not a Uint8Array']] as const) {
      const result = await call(core, upload, { input })
      expect(result.ok ? undefined : [result.error.name, result.error.error, result.error.message]).toEqual(['ConnectionError', 'RequestBodyFailed', `com.example.upload: the request body failed while it was sent (${reason})`])
    }
  })

  it('streams a ReadableStream body', async () => {
    const echo = await startRawServer((_req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(body.toUpperCase())
    })
    const upload: Method = { nsid: 'com.example.upload', type: 'procedure', input: '*/*', output: '*/*' }
    const result = await call<Uint8Array>(new Core(withDefaults({ service: echo.url })), upload, { input: new Blob(['streamed']).stream() })
    await echo.close()
    if (!result.ok) throw result.error
    expect(new TextDecoder().decode(result.value)).toBe('STREAMED')
  })
})
