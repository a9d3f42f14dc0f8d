/** The Node transport: keep-alive reuse, bodies always consumed, what goes on the wire, and a caller-supplied (undici) dispatcher. */
import { MockAgent } from 'undici'
import { afterEach, expect, it } from 'vitest'
import { call, Core, InternalServerError, type Method, withDefaults } from '@lexgen/runtime'
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

it('writes Host, the codings it decodes and a body\'s Content-Length as node:http would; streams go chunked', async () => {
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
  ]
  expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true, true, true, true])
  const sent = server.requests.map(({ headers }) => [headers['host'], headers['accept-encoding'], headers['content-length'], headers['transfer-encoding']])
  const host = new URL(server.url).host
  expect(sent).toEqual([
    [host, 'gzip, deflate, br', undefined, undefined],
    [host, 'gzip, deflate, br', String(Buffer.byteLength('{"text":"héllo"}')), undefined],
    [host, 'gzip, deflate, br', '0', undefined],
    [host, 'gzip, deflate, br', '3', undefined],
    [host, 'gzip, deflate, br', undefined, 'chunked'],
    [host, 'identity', undefined, undefined],
  ])
  expect(server.requests[1]!.body).toBe('{"text":"héllo"}')
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

it('never imports undici without a dispatcher: requests go out over node:http', async () => {
  const { execFileSync } = await import('node:child_process')
  const script = [
    "const runtime = await import('@lexgen/runtime');",
    "const core = new runtime.Core({ service: 'http://127.0.0.1:1' });",
    "const cache = (await import('node:module')).createRequire(import.meta.url).cache;",
    "const undiciLoaded = () => Object.keys(cache).some((p) => p.includes('/undici/'));",
    'const before = undiciLoaded();',
    "await runtime.call(core, { nsid: 'com.example.ping', type: 'query' }, {});",
    'console.log(before, undiciLoaded())',
  ].join('\n')
  const out = execFileSync(process.execPath, ['--conditions=lexgen-source', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
  expect(out.trim()).toBe('false false')
})
