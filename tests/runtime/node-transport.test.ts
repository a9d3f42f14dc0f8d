/** The Node transport: keep-alive reuse, bodies always consumed, what goes on the wire, and a caller-supplied (undici) dispatcher. */
import { createServer } from 'node:http'
import { createServer as createNetServer, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { MockAgent } from 'undici'
import { afterEach, expect, it } from 'vitest'
import { AbortError, call, ConnectionError, Core, InternalServerError, PayloadTooLargeError, TimeoutError, type Method, withDefaults } from '@lexgen/runtime'
import { eventually } from '../helpers/eventually.js'
import { closeServer, listen } from '../helpers/listen.js'
import { startRawServer, type RawServer } from '../helpers/raw-server.js'

const getConvo: Method = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json' }
let server: RawServer | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

it('reuses one keep-alive connection across calls, failed ones included', async () => {
  server = await startRawServer((req, res) => {
    const fail = req.url!.includes('fail=1')
    res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' })
    // A body bigger than one chunk, so an unread body would pin the socket.
    res.end(JSON.stringify(fail ? { error: 'InternalServerError', message: 'x'.repeat(100_000) } : { pad: 'y'.repeat(100_000) }))
  })
  const core = new Core(withDefaults({ service: server.url, retries: false }))
  for (let i = 0; i < 20; i++) {
    const result = await call(core, getConvo, { params: { fail: i % 2 } })
    if (i % 2) expect(result.ok ? undefined : result.error).toBeInstanceOf(InternalServerError)
    else expect(result.ok).toBe(true)
  }
  expect(server.requests).toHaveLength(20)
  // A leaked (unread) body would cost a connection per request. The second request may open
  // one more socket when it starts before the first socket is back in the pool.
  expect(server.connections).toBeLessThanOrEqual(2)
})

it('writes Host, the codings it decodes and a body\'s Content-Length as node:http would (and a Blob\'s); streams go chunked', async () => {
  server = await startRawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
  const core = new Core({ service: server.url })
  const procedure = (input?: string): Method => ({ nsid: 'com.example.put', type: 'procedure', ...(input === undefined ? {} : { input }), output: 'application/json' })
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new Uint8Array([1, 2]))
      controller.close()
    },
  })
  const outcomes = [
    await call(core, getConvo, { params: { convoId: 'c1' } }),
    await call(core, procedure('application/json'), { input: { text: 'héllo' } }),
    await call(core, procedure(), {}),
    await call(core, procedure('application/octet-stream'), { input: new Uint8Array([1, 2, 3]) }),
    await call(core, procedure('application/octet-stream'), { input: stream }),
    await call(core, getConvo, {}, { headers: { 'accept-encoding': 'identity' } }),
    await call(core, procedure('application/octet-stream'), { input: new Blob(['four']) }),
  ]
  expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true, true, true, true, true])
  const sent = server.requests.map(({ headers }) => [headers['host'], headers['accept-encoding'], headers['content-length'], headers['transfer-encoding']])
  const host = new URL(server.url).host
  expect(sent).toEqual([
    [host, 'gzip, deflate, br', undefined, undefined],
    [host, 'gzip, deflate, br', String(Buffer.byteLength('{"text":"héllo"}')), undefined],
    [host, 'gzip, deflate, br', '0', undefined],
    [host, 'gzip, deflate, br', '3', undefined],
    [host, 'gzip, deflate, br', undefined, 'chunked'],
    [host, 'identity', undefined, undefined],
    [host, 'gzip, deflate, br', '4', undefined],
  ])
  expect(server.requests[1]!.body).toBe('{"text":"héllo"}')
})

it('does not reuse the connection of a refused upload, which the server may have left unread, so the next call does not wait behind it', async () => {
  // As a PDS refuses a blob over its limit: it reads up to the limit, answers, and reads no more.
  const early = createServer((req, res) => {
    if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength
      if (size < 5 << 20 || res.headersSent) return
      req.pause()
      res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"PayloadTooLarge","message":"request entity too large"}')
    })
  })
  const url = `http://127.0.0.1:${await listen(early)}`
  try {
    const core = new Core({ service: url })
    const upload: Method = { nsid: 'com.atproto.repo.uploadBlob', type: 'procedure', input: '*/*', output: 'application/json' }
    const big = new Uint8Array(6 << 20)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < big.length; at += 64 << 10) controller.enqueue(big.subarray(at, at + (64 << 10)))
        controller.close()
      },
    })
    for (const input of [new Blob([big]), stream, big]) {
      const refused = await call(core, upload, { input })
      expect(refused.ok ? undefined : refused.error).toBeInstanceOf(PayloadTooLargeError)
      // Before, node:http put the socket back with the upload's tail unread by the server: the next call hung, then reset.
      expect((await call(core, getConvo, {})).ok).toBe(true)
    }
  } finally {
    await closeServer(early)
  }
})

it("gives binary output as bytes of its own: `value.buffer` holds the body and nothing else (no other call's answer from a shared pool)", async () => {
  server = await startRawServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    // In two pieces, as a body often arrives: node:http joins them in its shared 8 KiB pool.
    res.write(`${req.url!.includes('alice') ? 'alice' : 'bob'}:`)
    res.end('secret bytes')
  })
  const getBlob: Method = { nsid: 'com.atproto.sync.getBlob', type: 'query', output: '*/*' }
  const core = new Core({ service: server.url })
  const [alice, bob] = await Promise.all([call(core, getBlob, { params: { who: 'alice' } }), call(core, getBlob, { params: { who: 'bob' } })])
  for (const result of [alice, bob]) {
    const value = result.ok ? (result.value as Uint8Array) : undefined
    expect(value?.byteOffset).toBe(0)
    expect(value?.buffer.byteLength).toBe(value?.byteLength)
  }
  expect(new TextDecoder().decode(bob.ok ? (bob.value as Uint8Array).buffer : undefined)).toBe('bob:secret bytes')
})

it("says the caller's own upload failed, not that the server could not be reached, when its stream errors", async () => {
  server = await startRawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
  const failing = new ReadableStream<Uint8Array>({
    start: (controller) => controller.enqueue(new Uint8Array(1024)),
    pull: (controller) => controller.error(Object.assign(new Error('disk read failed'), { code: 'EIO' })),
  })
  const upload: Method = { nsid: 'com.atproto.repo.uploadBlob', type: 'procedure', input: '*/*', output: 'application/json' }
  const result = await call(new Core({ service: server.url }), upload, { input: failing })
  expect(result.ok ? undefined : result.error).toBeInstanceOf(ConnectionError)
  expect(result.ok ? undefined : [result.error.error, result.error.message]).toEqual(['RequestBodyFailed', 'com.atproto.repo.uploadBlob: the request body failed while it was sent (disk read failed)'])
})

it('drops the connection of an upload answered before it was written out, a server that stopped reading keeping it open: the stream is let go', async () => {
  // A proxy with a body limit: it answers 413 as the upload starts, reads no more, and keeps the connection.
  const sockets: Socket[] = []
  const proxy = createNetServer((socket) => {
    sockets.push(socket)
    socket.once('data', () => {
      socket.pause()
      socket.write('HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json\r\ncontent-length: 27\r\n\r\n{"error":"PayloadTooLarge"}')
    })
  })
  const url = `http://127.0.0.1:${await listen(proxy)}`
  try {
    const upload: Method = { nsid: 'com.atproto.repo.uploadBlob', type: 'procedure', input: '*/*', output: 'application/json' }
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({ pull: (controller) => controller.enqueue(new Uint8Array(64 << 10)), cancel: () => void (cancelled = true) })
    const refused = await call(new Core({ service: url }), upload, { input: stream })
    expect(refused.ok ? undefined : refused.error).toBeInstanceOf(PayloadTooLargeError)
    // Before, node:http went on waiting to write the rest: the stream stayed locked and the socket
    // held (64 such uploads, bytes or Blobs alike, and every call to the origin timed out).
    expect(await eventually(() => cancelled)).toBe(true)
  } finally {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => proxy.close(resolve))
  }
})

it("cancels the caller's stream when an upload ends early (aborted, timed out, refused, not connected), a stalled one too", async () => {
  // Reads what it is sent and never answers, but refuses /refuse at once.
  let received = 0
  const silent = createServer((req, res) => {
    received++
    if (req.url!.includes('refuse')) return void res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"PayloadTooLarge"}')
    req.resume()
  })
  const url = `http://127.0.0.1:${await listen(silent)}`
  const upload = (path: string): Method => ({ nsid: `com.example.${path}`, type: 'procedure', input: '*/*', output: 'application/json' })
  /** A stream that gives chunks until the call ends (or, stalled, one and then waits forever), recording its cancel. */
  const source = (stalled = false) => {
    const state = { cancelled: false, stream: undefined as unknown as ReadableStream<Uint8Array> }
    let chunks = 0
    state.stream = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (stalled && chunks > 0) return new Promise(() => {})
        chunks++
        controller.enqueue(new Uint8Array(16 << 10))
        return undefined
      },
      cancel: () => void (state.cancelled = true),
    })
    return state
  }
  try {
    const cases = [
      { path: 'abort', expected: AbortError, source: source(), core: new Core({ service: url }), abort: true },
      { path: 'stalled', expected: AbortError, source: source(true), core: new Core({ service: url }), abort: true },
      { path: 'timeout', expected: TimeoutError, source: source(), core: new Core(withDefaults({ service: url, retries: false, timeout: 200 })), abort: false },
      { path: 'refuse', expected: PayloadTooLargeError, source: source(), core: new Core({ service: url }), abort: false },
      { path: 'closed', expected: ConnectionError, source: source(), core: new Core({ service: 'http://127.0.0.1:1' }), abort: false },
    ]
    for (const { path, expected, source, core, abort } of cases) {
      const controller = new AbortController()
      const before = received
      const sending = call(core, upload(path), { input: source.stream }, { signal: controller.signal })
      // Aborted once the server has the request: its body is being sent.
      if (abort && (await eventually(() => received > before, Infinity))) controller.abort()
      const result = await sending
      expect(result.ok ? undefined : result.error, path).toBeInstanceOf(expected)
      // Before, the stream was left locked and never cancelled: a file or a download feeding it stayed open.
      expect(await eventually(() => source.cancelled), path).toBe(true)
    }
    // A stream sent whole is not cancelled (checked once its connection is gone, and the request with it).
    let wholeCancelled = false
    const whole = new ReadableStream<Uint8Array>({ start: (controller) => (controller.enqueue(new Uint8Array([1])), controller.close()), cancel: () => void (wholeCancelled = true) })
    const echo = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')))
    const echoUrl = `http://127.0.0.1:${await listen(echo)}`
    try {
      expect((await call(new Core({ service: echoUrl }), upload('whole'), { input: whole })).ok).toBe(true)
    } finally {
      echo.closeAllConnections()
      await closeServer(echo)
    }
    expect(wholeCancelled).toBe(false)
  } finally {
    silent.closeAllConnections()
    await closeServer(silent)
  }
})

it('sends through a caller-supplied dispatcher', async () => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  agent
    .get('https://pds.example.com')
    .intercept({ path: '/xrpc/chat.bsky.convo.getConvo?convoId=c1', method: 'GET', headers: { 'atproto-proxy': 'did:web:api.bsky.chat#bsky_chat' } })
    .reply(200, { convo: { id: 'c1' } }, { headers: { 'content-type': 'application/json' } })
  const result = await call(new Core(withDefaults({ service: 'https://pds.example.com', dispatcher: agent })), getConvo, { params: { convoId: 'c1' } })
  expect(result).toMatchObject({ ok: true, value: { convo: { id: 'c1' } } })
  agent.assertNoPendingInterceptors()
  await agent.close()
})

it('goes through a test interceptor installed after the runtime loaded (nock here; MSW patches the same http.request)', async () => {
  // The runtime was imported at the top of this file; a test suite's interceptor starts later.
  const { default: nock } = await import('nock')
  if (!nock.isActive()) nock.activate()
  try {
    const scope = nock('http://chat.example.invalid').get('/xrpc/chat.bsky.convo.getConvo').query({ convoId: 'c1' }).reply(200, { convo: { id: 'mocked' } })
    const result = await call(new Core(withDefaults({ service: 'http://chat.example.invalid', retries: false })), getConvo, { params: { convoId: 'c1' } })
    expect(result.ok ? result.value : result.error).toEqual({ convo: { id: 'mocked' } })
    scope.done()
  } finally {
    nock.cleanAll()
    nock.restore()
  }
})

it('never imports undici without a dispatcher: requests go out over node:http', async () => {
  const { execFileSync } = await import('node:child_process')
  const script = [
    "const runtime = await import('@lexgen/runtime');",
    "const core = new runtime.Core({ service: 'http://127.0.0.1:1' });",
    "const cache = (await import('node:module')).createRequire(import.meta.url).cache;",
    // The undici package, and the copy inside Node (which Node 22.5+ loads for an ES module
    // import of node:http, to build its facade: the runtime takes node:http with getBuiltinModule).
    "const undiciLoaded = () => Object.keys(cache).some((p) => p.includes('/undici/')) || process.moduleLoadList.some((m) => m.includes('internal/deps/undici'));",
    'const before = undiciLoaded();',
    "await runtime.call(core, { nsid: 'com.example.ping', type: 'query' }, {});",
    'console.log(before, undiciLoaded())',
  ].join('\n')
  const out = execFileSync(process.execPath, ['--conditions=lexgen-source', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
  expect(out.trim()).toBe('false false')
})

it('takes node:http at the first call and node:zlib at the first coded body, not at import; node:http that cannot load is a ConfigurationError, and loads at the next call', async () => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  const { gzipSync } = await import('node:zlib')
  server = await startRawServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"convo":{"id":"c1"}}')))
  const script = [
    "const loaded = () => ['http', 'zlib'].filter((name) => process.moduleLoadList.includes(`NativeModule ${name}`));",
    "const runtime = await import('@lexgen/runtime');",
    'const atImport = loaded();',
    `const core = new runtime.Core({ service: ${JSON.stringify(server.url)} });`,
    "const getConvo = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json' };",
    'const load = process.getBuiltinModule;',
    "process.getBuiltinModule = (id) => { if (id === 'node:http') throw new Error('not here'); return load.call(process, id) };",
    'const refused = await runtime.call(core, getConvo, {}).catch((error) => error);',
    'process.getBuiltinModule = load;',
    'const sent = await runtime.call(core, getConvo, {});',
    'console.log(JSON.stringify({ atImport, refused: [refused.name, refused.message], convo: sent.ok && sent.value.convo.id, after: loaded() }))',
  ].join('\n')
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
  expect(JSON.parse(stdout)).toEqual({
    atImport: [],
    refused: ['ConfigurationError', 'chat.bsky.convo.getConvo was not sent: node:http could not be loaded'],
    convo: 'c1',
    after: ['http', 'zlib'],
  })
  expect(server.requests.length).toBe(1)
})

it('sends https over node:https, loaded on the first https call, one kept-alive TLS connection for sequential calls', async () => {
  const { execFile } = await import('node:child_process')
  const { createServer } = await import('node:https')
  const { readFileSync } = await import('node:fs')
  const { promisify } = await import('node:util')
  // A self-signed certificate for 127.0.0.1, trusted by the child through NODE_EXTRA_CA_CERTS: TLS
  // is verified as for any server, nothing switched off.
  const cert = new URL('../helpers/tls/cert.pem', import.meta.url)
  const tls = createServer({ key: readFileSync(new URL('../helpers/tls/key.pem', import.meta.url)), cert: readFileSync(cert) }, (req, res) => {
    const convoId = new URL(req.url!, 'https://x').searchParams.get('convoId')
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ convo: { id: convoId } }))
  })
  let connections = 0
  tls.on('secureConnection', () => connections++)
  const port = await listen(tls)
  try {
    const script = [
      "const runtime = await import('@lexgen/runtime');",
      "const loaded = () => process.moduleLoadList.includes('NativeModule https');",
      'const before = loaded();',
      'const core = new runtime.Core({ service: process.env.SERVICE });',
      "const getConvo = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json' };",
      'const ids = [];',
      "for (const convoId of ['c1', 'c2']) { const r = await runtime.call(core, getConvo, { params: { convoId } }); ids.push(r.ok ? r.value.convo.id : String(r.error)); }",
      'console.log(JSON.stringify({ before, after: loaded(), ids }))',
    ].join('\n')
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: fileURLToPath(cert), SERVICE: `https://127.0.0.1:${port}` }
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=lexgen-source', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env })
    expect(JSON.parse(stdout)).toEqual({ before: false, after: true, ids: ['c1', 'c2'] })
    expect(connections).toBe(1)
  } finally {
    await closeServer(tls)
  }
})

// A connection lost once the request was sent is not "could not reach": a procedure may have been
// processed, and a caller told the server was unreachable would send the message again.
it('says a request that may have reached the server may have been processed, and a body cut short as such', async () => {
  const sendMessage: Method = { nsid: 'chat.bsky.convo.sendMessage', type: 'procedure', input: 'application/json', output: 'application/json' }
  server = await startRawServer((req, res) => {
    if (req.url!.includes('sendMessage')) return void req.socket.destroy() // processed, then the connection dropped
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
    res.write('{"convo":{"', () => res.socket!.destroy()) // once the status, headers and start have left
  })
  const core = new Core({ service: server.url })
  const sent = await call(core, sendMessage, { input: { convoId: 'c1', message: { text: 'hi' } } })
  expect(sent.ok ? undefined : [sent.error.constructor.name, sent.error.message, (sent.error as ConnectionError).unsent]).toEqual([
    'ConnectionError',
    `chat.bsky.convo.sendMessage got no complete answer from ${server.url} (the request may have reached it): socket hang up`,
    false,
  ])
  const cut = await call(core, getConvo, {})
  expect(cut.ok ? undefined : cut.error.message).toBe(`chat.bsky.convo.getConvo got no complete answer from ${server.url} (the request may have reached it): the connection closed before the response body was complete`)
  // Refused outright: provably never sent, and said so.
  const port = new URL(server.url).port
  await server.close()
  server = undefined
  const refused = await call(core, getConvo, {})
  expect(refused.ok ? undefined : [refused.error.message.startsWith(`chat.bsky.convo.getConvo could not reach http://127.0.0.1:${port}: `), (refused.error as ConnectionError).unsent]).toEqual([true, true])
})
