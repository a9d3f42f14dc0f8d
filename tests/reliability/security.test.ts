/**
 * Hostile input at the runtime's edges: the token never shows in anything emitted; header
 * values, names, proxies and service URLs cannot inject headers or requests; query parameters
 * cannot inject other parameters; a method's NSID cannot leave /xrpc/. Property-based parts
 * are seeded (support/seed.ts).
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { call, ConnectionError, Core, InvalidRequestError, InvalidResponseError, PaginationLoopError, RequestValidationError, ResponseValidationError, XrpcError, type Method, type Result, withDefaults } from '@lexgen/runtime'
import { chatBskyConvoGetConvo, chatBskyConvoListConvos, Client, CredentialSession } from '../../generated/index.js'
import { validation } from '../../generated/validation.js'
import { buildUrl } from '../../runtime/request.js'
import { startFaultServer, type FaultServer } from './support/fault-server.js'
import { leaks, renderings, settle, trackUnhandledRejections } from './support/guards.js'
import { PROTOTYPE_NAMES, RAW_CONTROL } from './support/hostile.js'
import { report, runs, SEED } from './support/seed.js'

const TOKEN = 'sec-test-token.eyJzdWIiOiJkaWQ6cGxjOnNlY3JldCJ9.dG9wLXNlY3JldA'
const getConvo: Method = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json' }
const sendMessage: Method = { nsid: 'chat.bsky.convo.sendMessage', type: 'procedure', input: 'application/json', output: 'application/json' }
const JSON_TYPE = { 'content-type': 'application/json' }
let server: FaultServer
const rejections = trackUnhandledRejections()

beforeAll(async () => {
  server = await startFaultServer()
})
afterAll(async () => {
  rejections.stop()
  await server.close()
  expect(rejections.seen).toEqual([])
})

describe('the token is redacted from everything emitted', () => {
  // Each scenario is a server that hands the token back somewhere it could surface.
  const echoes: [string, Parameters<FaultServer['handle']>[0]][] = [
    ['in an error message', (req, res) => (res.writeHead(401, JSON_TYPE), res.end(JSON.stringify({ error: 'InvalidToken', message: `bad ${req.headers.authorization}` })))],
    ['as the XRPC error name', (req, res) => (res.writeHead(400, JSON_TYPE), res.end(JSON.stringify({ error: req.headers.authorization })))],
    ['as the XRPC error name with no message', (req, res) => (res.writeHead(400, JSON_TYPE), res.end(JSON.stringify({ error: `x${req.headers.authorization!.slice(7)}` })))],
    ['in a response header of an error', (req, res) => (res.writeHead(500, { ...JSON_TYPE, 'x-debug-auth': req.headers.authorization! }), res.end('{}'))],
    ['in a response header of a success', (req, res) => (res.writeHead(200, { ...JSON_TYPE, 'www-authenticate': `Bearer realm="x", token="${req.headers.authorization!.slice(7)}"` }), res.end('{}'))],
    ['in the Location of a redirect', (req, res) => (res.writeHead(302, { location: `https://elsewhere.example/?t=${req.headers.authorization!.slice(7)}` }), res.end())],
    ['in the body of an undecodable 200', (req, res) => (res.writeHead(200, { 'content-type': 'text/plain' }), res.end(`you sent ${req.headers.authorization}`))],
    ['in a malformed JSON 200', (req, res) => (res.writeHead(200, JSON_TYPE), res.end(`{"token": "${req.headers.authorization}"`))],
    ['in a rate-limit policy header', (req, res) => (res.writeHead(429, { ...JSON_TYPE, 'ratelimit-policy': req.headers.authorization! }), res.end('{}'))],
    ['then resets the connection', (req) => req.socket.destroy()],
  ]

  it.each(echoes)('when the server echoes it %s', async (_label, handler) => {
    server.handle(handler)
    const emitted: unknown[] = []
    const consoleSpies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...args) => void emitted.push(args)))
    const warnings: unknown[] = []
    const onWarning = (w: unknown) => void warnings.push(w)
    process.on('warning', onWarning)
    try {
      const core = new Core(withDefaults({
        service: server.url,
        auth: TOKEN,
        retries: false,
        onRequest: (c) => void emitted.push(c),
        onResponse: (c) => void emitted.push(c),
        onError: (c) => void emitted.push(c),
      }))
      for (const method of [getConvo, sendMessage]) {
        const result = await call(core, method, method === sendMessage ? { input: { convoId: 'c' } } : { params: { convoId: 'c' } })
        emitted.push(result, core)
        if (!result.ok) emitted.push(result.error, result.error.cause)
      }
      await settle()
    } finally {
      consoleSpies.forEach((spy) => spy.mockRestore())
      process.off('warning', onWarning)
    }
    for (const text of [...emitted, ...warnings].flatMap(renderings)) expect(text).not.toContain(TOKEN)
    expect(emitted.length).toBeGreaterThan(4)
  })
})

describe('the tokens a session answer issues are redacted, though nobody knows them until it is read', () => {
  const JWTS = { accessJwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImFjY2VzcyJ9.bmV3LWFjY2Vzcy1zaWduYXR1cmU', refreshJwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6InJlZnJlc2gifQ.bmV3LXJlZnJlc2gtc2lnbmF0dXJl' }
  const OPAQUE = { accessJwt: 'opaque-access-token-0001', refreshJwt: 'opaque-refresh-token-0001' }
  // Answers whose error keeps the body: two the lenient check refuses (a refresh still renews the
  // session with their tokens, which the server rotated), and one cut inside the refresh token.
  const answers: [string, (tokens: typeof JWTS) => string, boolean][] = [
    ['a handle without a dot', (tokens) => JSON.stringify({ did: 'did:plc:alice', handle: 'alice', ...tokens }), true],
    ['`active` not a boolean', (tokens) => JSON.stringify({ did: 'did:plc:alice', handle: 'alice.test', active: 'yes', ...tokens }), true],
    ['a body cut inside the refresh token', (tokens) => JSON.stringify({ did: 'did:plc:alice', handle: 'alice.test', ...tokens }).slice(0, -8), false],
  ]
  const cases = answers.flatMap(([answer, body, renews]) => [JWTS, OPAQUE].map((tokens) => [`${answer} (${tokens === JWTS ? 'JWTs' : 'opaque tokens'})`, body(tokens), tokens, renews] as const))

  it.each(cases)('%s: neither login(), a refresh nor a direct createSession shows them in an error or a hook context', async (_label, body, tokens, renews) => {
    server.handle((req, res) => {
      const expired = req.url!.includes('getConvo')
      res.writeHead(expired ? 400 : 200, JSON_TYPE)
      res.end(expired ? '{"error":"ExpiredToken"}' : body)
    })
    const contexts: { nsid: string; error?: unknown }[] = []
    const config = { service: server.url, retries: false as const, onResponse: (c: { nsid: string }) => void contexts.push(c), onError: (c: { nsid: string }) => void contexts.push(c) }
    const login = await new CredentialSession(config).login({ identifier: 'alice.test', password: 'hunter2hunter2' }).catch((e: unknown) => e)
    // createSession called directly, on a validating Client: its refused answer is kept in the error too.
    const direct = await new Client(config).com.atproto.server.createSession({ identifier: 'alice.test', password: 'hunter2hunter2' }).catch((e: unknown) => e)
    const refreshing = new CredentialSession(config)
    await refreshing.resume({ did: 'did:plc:alice', handle: 'alice.test', accessJwt: 'old-access', refreshJwt: 'old-refresh' })
    const call = await chatBskyConvoGetConvo(refreshing.core, { convoId: 'c' })

    // Each answer was read, refused, and its body kept, with the tokens out of it.
    expect(login).toBeInstanceOf(XrpcError)
    expect((login as { body: string }).body).toContain('"accessJwt":"[redacted]"')
    expect(direct).toBeInstanceOf(XrpcError)
    expect((direct as { body: string }).body).toContain('"accessJwt":"[redacted]"')
    expect(call.ok ? 'ok' : call.error.error).toBe('ExpiredToken')
    // A renewed session replays the call once (this server refuses every getConvo).
    expect(refreshing.session?.refreshJwt).toBe(renews ? tokens.refreshJwt : 'old-refresh')
    const refused = contexts.filter((c) => c.error !== undefined).map((c) => c.nsid)
    const replayed = renews ? ['chat.bsky.convo.getConvo'] : []
    expect(refused).toEqual(['com.atproto.server.createSession', 'com.atproto.server.createSession', 'chat.bsky.convo.getConvo', 'com.atproto.server.refreshSession', ...replayed])
    for (const text of [login, direct, call, ...contexts].flatMap(renderings)) {
      for (const token of Object.values(tokens)) expect(leaks(text, token), text.slice(0, 300)).toBe(false)
    }
  })
})

describe('a header named with a credential is dropped', () => {
  it('the token (lower-cased, as every transport reads names) and a login password: in no result, error or hook context', async () => {
    const password = 'abcd-efgh-ijkl-mnop'
    // Only values were redacted: the names, and so the secrets, reached results, errors and hooks.
    server.handle((req, res, body) => {
      const secret = req.headers.authorization?.slice(7) ?? (JSON.parse(body) as { password: string }).password
      res.writeHead(req.url!.includes('createSession') ? 401 : 200, { ...JSON_TYPE, [`x-echo-${secret}`]: 'seen', 'x-kept': 'yes' })
      res.end('{}')
    })
    const emitted: unknown[] = []
    const hooked = { onResponse: (c: unknown) => void emitted.push(c), onError: (c: unknown) => void emitted.push(c) }
    const result = await call(new Core(withDefaults({ service: server.url, auth: TOKEN, retries: false, ...hooked })), getConvo, { params: { convoId: 'c' } })
    const session = new CredentialSession({ service: server.url, retries: false, ...hooked })
    const refused: unknown = await session.login({ identifier: 'alice.test', password }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(XrpcError)
    expect(result.ok && result.response.headers).toMatchObject({ 'x-kept': 'yes' })
    for (const headers of [result.ok && result.response.headers, (refused as XrpcError).headers]) {
      expect(Object.keys(headers).filter((name) => name.startsWith('x-echo'))).toEqual([])
    }
    for (const text of [result, refused, ...emitted].flatMap(renderings)) {
      expect(text).not.toContain(TOKEN.toLowerCase())
      expect(text).not.toContain(password)
    }
    expect(emitted).toHaveLength(3) // the call's response; the login's response and error
  })

  it('redaction changes what is reported, never how an answer is read: a password or token that is also a word of a header', async () => {
    // The headers were redacted in place before decoding: `content-type: [redacted]/json` refused a good login.
    server.handle((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.end(req.url!.includes('createSession') ? JSON.stringify({ did: 'did:plc:alice', handle: 'alice.test', accessJwt: 'access', refreshJwt: 'refresh' }) : '{"convo":{}}')
    })
    const session = new CredentialSession({ service: server.url, retries: false })
    await expect(session.login({ identifier: 'alice.test', password: 'application' })).resolves.toMatchObject({ did: 'did:plc:alice' })
    for (const auth of ['Content-Type', 'ent']) {
      const result = await call(new Core({ service: server.url, auth }), getConvo, { params: { convoId: 'c' } })
      expect(result.ok ? result.value : result.error).toEqual({ convo: {} })
      // What it reports is still redacted: the header named with `ent` is left out of the result's headers.
      expect(result.ok && Object.keys(result.response.headers)).not.toContain('content-type')
    }
  })
})

const validating = { validation: validation as never }

describe('the token is redacted before anything is cut', () => {
  /** Every rendering of `values` (and of hook contexts) must be free of the token and of any 12+ character piece of it. */
  function expectNoLeak(values: unknown[]): void {
    for (const text of values.flatMap(renderings)) expect(leaks(text, TOKEN), text.slice(0, 300)).toBe(false)
  }
  const hooked = (contexts: unknown[], extra: object = {}) =>
    new Core(withDefaults({ service: server.url, auth: TOKEN, retries: false, onRequest: (c) => void contexts.push(c), onResponse: (c) => void contexts.push(c), onError: (c) => void contexts.push(c), ...validating, ...extra }))

  it('a cursor echoing the token: the PaginationLoopError and the next request in hook contexts', async () => {
    // Two cursors in turn, each holding the token: the third page gives back the one that fetched the second.
    let pages = 0
    server.handle((_req, res) => (res.writeHead(200, JSON_TYPE), res.end(JSON.stringify({ convos: [], cursor: `${TOKEN}${pages++ % 2}` }))))
    const contexts: unknown[] = []
    const first = await chatBskyConvoListConvos(hooked(contexts), {})
    if (!first.ok) throw first.error
    let error: unknown
    try {
      for await (const _ of first.value) {
        // pages
      }
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PaginationLoopError)
    expectNoLeak([error, ...contexts])
    expect(contexts.length).toBeGreaterThan(2)
  })

  it('a field failing a format or $type check, or an unknown key in strict mode: messages, issues and paths', async () => {
    const convo = { id: 'c1', rev: '1', muted: false, unreadCount: 0, members: [{ did: `did:plc:${TOKEN}%`, handle: TOKEN }], status: TOKEN, [`x${TOKEN}`]: 1 }
    const message = { $type: 'chat.bsky.convo.defs#messageView', id: 'm', rev: '1', sender: { did: 'did:plc:a' }, sentAt: TOKEN, text: 'hi', embed: { $type: `#${TOKEN}` } }
    server.handle((_req, res) => (res.writeHead(200, JSON_TYPE), res.end(JSON.stringify({ convo: { ...convo, lastMessage: message } }))))
    for (const validate of ['lenient', 'strict'] as const) {
      const contexts: unknown[] = []
      const result = await chatBskyConvoGetConvo(hooked(contexts, { validate }), { convoId: 'c1' })
      expect(result.ok ? result.value : result.error).toBeInstanceOf(ResponseValidationError)
      if (result.ok) continue
      const { issues } = result.error as ResponseValidationError
      expect(issues.length).toBeGreaterThanOrEqual(validate === 'strict' ? 5 : 3)
      if (validate === 'strict') expect(issues).toContainEqual({ path: 'convo["x[redacted]"]', message: 'is not a field in the lexicon' })
      expectNoLeak([result.error, issues, ...contexts])
    }
  })

  it("the caller's own token put in a param or the input by mistake (a JWT for a DID): the RequestValidationError, sending nothing", async () => {
    const jwt = 'eyJhbGciOiJFUzI1NksifQ.eyJzdWIiOiJkaWQ6cGxjOmFsaWNlIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg'
    let requests = 0
    server.handle((_req, res) => (requests++, res.writeHead(200, JSON_TYPE), res.end('{}')))
    const client = new Client({ service: server.url, auth: jwt, retries: false })
    for (const mistake of [() => client.chat.bsky.convo.getConvoForMembers({ members: [jwt] }), () => client.chat.bsky.group.addMembers({ convoId: 'c', members: [jwt] })]) {
      const error = await mistake().then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(RequestValidationError)
      expect((error as RequestValidationError).issues[0]!.message).toContain('[redacted]')
      for (const text of renderings(error)) expect(leaks(text, jwt), text.slice(0, 300)).toBe(false)
    }
    expect(requests).toBe(0)
  })

  it('a body or a message cut at 2,048 characters with the token straddling the cut', async () => {
    for (let shift = -20; shift <= 20; shift += 5) {
      const filler = 'x'.repeat(2048 + shift - TOKEN.length / 2)
      server.handle((req, res) =>
        req.method === 'GET'
          ? (res.writeHead(200, { 'content-type': 'text/plain' }), res.end(filler + TOKEN + filler))
          : (res.writeHead(400, JSON_TYPE), res.end(JSON.stringify({ error: 'Bad', message: filler + TOKEN + filler }))),
      )
      const core = new Core(withDefaults({ service: server.url, auth: TOKEN, retries: false }))
      const body = await call(core, getConvo, { params: { convoId: 'c' } })
      const message = await call(core, sendMessage, { input: { convoId: 'c' } })
      expect(body.ok ? body.value : body.error).toBeInstanceOf(InvalidResponseError)
      expectNoLeak([body, message])
      if (!body.ok) expect((body.error as InvalidResponseError).body.length).toBeLessThanOrEqual(2049)
    }
  })

  it('a server error message of 8 MB is kept to 2,048 characters', async () => {
    const huge = 'e'.repeat(8 * 1024 * 1024)
    server.handle((_req, res) => (res.writeHead(400, JSON_TYPE), res.end(JSON.stringify({ error: `Name${huge.slice(0, 1024 * 1024)}`, message: huge }))))
    const result = await call(new Core({ service: server.url, auth: TOKEN }), getConvo, { params: { convoId: 'c' } })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.message.length).toBeLessThanOrEqual(2049)
    expect(result.error.error.length).toBeLessThanOrEqual(2049)
    expect(result.error).toBeInstanceOf(InvalidRequestError)
  })
})

describe('server text cannot drive a terminal or reorder a log line', () => {
  it("an error's name, message and kept body have their controls escaped; tabs and line feeds stay", async () => {
    const hostile = 'evil \u001b[2J\u001b[31mRED\u001b[0m \u009b31m \u202eabc\r\0'
    server.handle((req, res) => {
      res.writeHead(req.url!.includes('getConvo') ? 400 : 200, JSON_TYPE)
      res.end(req.url!.includes('getConvo') ? JSON.stringify({ error: `Odd\u001b]0;title\u0007`, message: `${hostile}\n\tsecond line` }) : `{"convo": "${hostile.replace(/[\0-\x1f]/g, '')}\u001b`)
    })
    const core = new Core({ service: server.url })
    const refused = await call(core, getConvo, { params: { convoId: 'c' } })
    const garbled = await call(core, { ...getConvo, nsid: 'chat.bsky.convo.listConvos' }, {})
    for (const result of [refused, garbled]) {
      expect(result.ok).toBe(false)
      for (const text of renderings(result.ok ? undefined : result.error)) expect(text).not.toMatch(RAW_CONTROL)
    }
    const error = refused.ok ? undefined : refused.error
    expect(error?.error).toBe('Odd\\u001b]0;title\\u0007')
    expect(error?.message).toBe('evil \\u001b[2J\\u001b[31mRED\\u001b[0m \\u009b31m \\u202eabc\\u000d\\u0000\n\tsecond line')
  })
})

describe('a transport error keeps no bytes from the wire', () => {
  it('a malformed header echoing the token: no link of the ConnectionError cause chain holds it', async () => {
    // node:http's parser error kept the bytes it choked on (`rawPacket`), token included.
    server.handle((req) => req.socket.end(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-echo: ${req.headers.authorization}\x01\r\n\r\n{}`))
    const result = await call(new Core({ service: server.url, auth: TOKEN }), getConvo, { params: { convoId: 'c' } })
    expect(result.ok ? result.value : result.error).toBeInstanceOf(ConnectionError)
    const text = (value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : String(value))
    let links = 0
    for (let e = result.ok ? undefined : result.error.cause; e instanceof Error; e = e.cause, links++) {
      for (const key of Reflect.ownKeys(e)) expect(text(e[key as keyof Error]), String(key)).not.toContain(TOKEN)
    }
    expect(links).toBeGreaterThan(0)
  })
})

describe('names from the wire are never looked up through a prototype', () => {
  it.each(PROTOTYPE_NAMES)('a 400 named %j is an InvalidRequestError in both call styles', async (name) => {
    server.handle((_req, res) => (res.writeHead(400, JSON_TYPE), res.end(JSON.stringify({ error: name, message: 'no' }))))
    const result = await chatBskyConvoGetConvo(new Core({ service: server.url }), { convoId: 'c' })
    expect(result.ok ? result.value : result.error).toBeInstanceOf(InvalidRequestError)
    expect(result.ok ? undefined : result.error.error).toBe(name)
    const thrown = await new Client({ service: server.url, retries: false }).chat.bsky.convo.getConvo({ convoId: 'c' }).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(InvalidRequestError)
  })

  it.each(PROTOTYPE_NAMES)('a refreshSession answer named %j: the waiting calls get their ExpiredToken error, the session stays', async (name) => {
    server.handle((req, res) => {
      res.writeHead(400, JSON_TYPE)
      res.end(JSON.stringify({ error: req.url!.includes('refreshSession') ? name : 'ExpiredToken', message: 'no' }))
    })
    const session = new CredentialSession({ service: server.url, retries: false })
    await session.resume({ did: 'did:plc:a', handle: 'a.test', accessJwt: 'access', refreshJwt: 'refresh' })
    const results = await Promise.all([1, 2, 3].map(() => chatBskyConvoGetConvo(session.core, { convoId: 'c' })))
    expect(results.map((r) => (r.ok ? 'ok' : r.error.error))).toEqual(['ExpiredToken', 'ExpiredToken', 'ExpiredToken'])
    expect(session.session?.refreshJwt).toBe('refresh')
  })
})

/** Characters that matter for header syntax, plus ordinary text and non-Latin-1. */
const headerChar = fc.constantFrom('a', 'Z', '0', ' ', '\t', '\r', '\n', '\0', '\x01', '\x0b', '\x7f', ':', ';', ',', '"', '\x80', 'é', '\xff', 'Ā', '\u010a', '\u2028', '😀', '\ud800')
const headerText = fc.string({ unit: headerChar, maxLength: 12 })
/** What RFC 9110 allows in a field value: visible ASCII, obs-text, space and tab. */
const validValue = (value: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value)
const owsTrimmed = (value: string) => value.replace(/^[\t ]+|[\t ]+$/g, '')

describe('no header injection through anything a user passes', () => {
  /** Makes one call and says what happened: a TypeError before sending, or what the server received. */
  async function attempt(build: () => Core, options: Parameters<typeof call>[3] = {}): Promise<'rejected' | import('node:http').IncomingHttpHeaders> {
    const before = server.requests.length
    let result: Result<unknown, XrpcError>
    try {
      result = await call(build(), getConvo, { params: { convoId: 'c' } }, options)
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError)
      expect(server.requests.length).toBe(before)
      return 'rejected'
    }
    if (!result.ok) throw new Error(`expected a TypeError or a request, got ${result.error.name}: ${result.error.message}`)
    expect(server.requests.length).toBe(before + 1)
    const { headers } = server.requests.at(-1)!
    expect(headers).not.toHaveProperty('x-injected')
    return headers
  }

  it('header values, on the Core and per call: invalid ones are a TypeError before sending, valid ones arrive intact', async () => {
    server.handle((_req, res) => (res.writeHead(200, JSON_TYPE), res.end('{}')))
    let cases = 0
    let rejected = 0
    await fc.assert(
      fc.asyncProperty(headerText, fc.boolean(), async (raw, perCall) => {
        cases++
        const value = `v${raw}x-injected: 1`
        const outcome = perCall
          ? await attempt(() => new Core(withDefaults({ service: server.url, retries: false })), { headers: { 'x-fuzz': value } })
          : await attempt(() => new Core(withDefaults({ service: server.url, retries: false, headers: { 'x-fuzz': value } })))
        if (outcome === 'rejected') {
          rejected++
          expect(validValue(value)).toBe(false)
        } else {
          expect(validValue(value)).toBe(true)
          expect(Buffer.from(outcome['x-fuzz'] as string, 'latin1')).toEqual(Buffer.from(owsTrimmed(value), 'latin1'))
        }
      }),
      { seed: SEED, numRuns: runs(300) },
    )
    report('header values', { cases, rejected, failures: 0 })
  })

  it('header names: only RFC 9110 tokens are accepted', async () => {
    let cases = 0
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('a', 'B', '-', '_', '.', ' ', ':', '\r', '\n', '\0', '(', '@', 'é', '!'), minLength: 0, maxLength: 8 }), async (name) => {
        cases++
        const isToken = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)
        const outcome = await attempt(() => new Core(withDefaults({ service: server.url, retries: false, headers: { [name]: 'v' } })))
        expect(outcome === 'rejected').toBe(!isToken)
        if (outcome !== 'rejected') expect(outcome[name.toLowerCase()]).toBe('v')
      }),
      { seed: SEED, numRuns: runs(150) },
    )
    report('header names', { cases, failures: 0 })
  })

  it('the token, from a string or a function: invalid characters are a TypeError that does not quote it', async () => {
    let cases = 0
    await fc.assert(
      fc.asyncProperty(headerText, fc.boolean(), async (raw, asFunction) => {
        cases++
        const token = `tok${raw}x-injected: 1`
        let outcome: Awaited<ReturnType<typeof attempt>>
        try {
          outcome = await attempt(() => new Core(withDefaults({ service: server.url, retries: false, auth: asFunction ? () => token : token })))
        } catch (error) {
          throw new Error(`unexpected ${String(error)}`)
        }
        if (outcome === 'rejected') expect(validValue(token) && !/[\0\r\n]/.test(token)).toBe(false)
        else expect(outcome.authorization).toBe(owsTrimmed(`Bearer ${token}`))
      }),
      { seed: SEED, numRuns: runs(200) },
    )
    report('auth token values', { cases, failures: 0 })
  })

  it('atproto-proxy: anything but did:<method>:<id>#<service> is refused, on the Core and per call', async () => {
    let cases = 0
    const proxyChar = fc.constantFrom('d', 'i', 'w', 'e', 'b', ':', '#', '_', '.', '%', '-', ' ', '\r', '\n', '\0', 'é', '/', '?')
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: proxyChar, maxLength: 10 }), fc.boolean(), async (tail, perCall) => {
        cases++
        const proxy = `did:web:api.bsky.chat${tail}`
        const outcome = perCall
          ? await attempt(() => new Core(withDefaults({ service: server.url, retries: false })), { proxy })
          : await attempt(() => new Core(withDefaults({ service: server.url, retries: false, proxy })))
        const wellFormed = /^did:[a-z]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]#[A-Za-z0-9._~-]+$/.test(proxy)
        expect(outcome === 'rejected').toBe(!wellFormed)
        if (outcome !== 'rejected') expect(outcome['atproto-proxy']).toBe(proxy)
      }),
      { seed: SEED, numRuns: runs(150) },
    )
    report('atproto-proxy values', { cases, failures: 0 })
  })

  it('service URLs: a TypeError, or every request goes to the configured origin under its path', async () => {
    let cases = 0
    const urlChar = fc.constantFrom('a', '/', '.', '..', '%2e', '%0d%0a', '\r', '\n', '\t', ' ', '#', '?', '@', ':', '\\', 'é', 'x-injected: 1')
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: urlChar, maxLength: 8 }), async (suffix) => {
        cases++
        const service = `${server.url}/${suffix}`
        const before = server.requests.length
        let core: Core
        try {
          core = new Core(withDefaults({ service, retries: false }))
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError)
          return
        }
        expect(core.service.origin).toBe(server.url)
        const result = await call(core, getConvo, { params: { convoId: 'c' } })
        expect(result.ok).toBe(true)
        expect(server.requests.length).toBe(before + 1)
        const { url, headers } = server.requests.at(-1)!
        expect(headers).not.toHaveProperty('x-injected')
        expect(new URL(server.url + url).pathname.endsWith('/xrpc/chat.bsky.convo.getConvo')).toBe(true)
        expect(new URL(server.url + url).searchParams.get('convoId')).toBe('c')
      }),
      { seed: SEED, numRuns: runs(150) },
    )
    report('service URLs', { cases, failures: 0 })
  })
})

describe('query parameters cannot inject other parameters', () => {
  const paramChar = fc.constantFrom('a', 'b', '&', '=', '#', '?', '%', '%26', '+', ' ', '/', '\\', '\r', '\n', '\0', '[]', 'é', '😀', '\ud800', '\udc00')
  const paramText = fc.string({ unit: paramChar, maxLength: 10 })
  const scalar = fc.oneof(paramText, fc.integer(), fc.double(), fc.boolean(), fc.constant(undefined))
  const params = fc.dictionary(fc.oneof(paramText, fc.constantFrom('__proto__', 'constructor', 'cursor')), fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxKeys: 5 })

  /** Lone surrogates cannot be UTF-8 encoded: URL encoding turns them into U+FFFD, as String#toWellFormed does. */
  const wellFormed = (text: string) => (text as string & { toWellFormed(): string }).toWellFormed()
  const expected = (input: Record<string, unknown>) =>
    Object.entries(input).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined).map((v) => [wellFormed(name), typeof v === 'string' ? wellFormed(v) : String(v)]),
    )

  it('every name and value round-trips exactly, and nothing else appears', () => {
    let cases = 0
    fc.assert(
      fc.property(params, (input) => {
        cases++
        const url = new URL(buildUrl(new URL('https://pds.example.com/base/'), 'chat.bsky.convo.listConvos', input))
        expect(url.origin).toBe('https://pds.example.com')
        expect(url.pathname).toBe('/base/xrpc/chat.bsky.convo.listConvos')
        expect(url.hash).toBe('')
        expect([...url.searchParams]).toEqual(expected(input))
      }),
      { seed: SEED, numRuns: runs(2_000) },
    )
    report('query parameters (buildUrl)', { cases, failures: 0 })
  })

  it('and the server receives them that way', async () => {
    server.handle((_req, res) => (res.writeHead(200, JSON_TYPE), res.end('{}')))
    const core = new Core(withDefaults({ service: server.url, retries: false }))
    let cases = 0
    await fc.assert(
      fc.asyncProperty(params, async (input) => {
        cases++
        const result = await call(core, getConvo, { params: input })
        expect(result.ok).toBe(true)
        expect([...new URL(server.requests.at(-1)!.url, server.url).searchParams]).toEqual(expected(input))
      }),
      { seed: SEED, numRuns: runs(150) },
    )
    report('query parameters (on the wire)', { cases, failures: 0 })
  })
})

describe('a method NSID cannot leave /xrpc/', () => {
  it.each(['../../admin', 'chat.bsky.convo.getConvo/../../../admin', 'a.b.c/..', 'a.b.c?admin=1', 'a.b.c#x', '%2e%2e/admin', 'a.b.c\r\nx-injected: 1', '', '.', 'a..b', '/etc/passwd', 'a.b.c/d', 'a.b.c\\..\\x'])(
    'refuses %j before any request',
    async (nsid) => {
      server.handle((_req, res) => (res.writeHead(200, JSON_TYPE), res.end('{}')))
      const before = server.requests.length
      await expect(call(new Core(withDefaults({ service: server.url, retries: false })), { ...getConvo, nsid }, {})).rejects.toThrow(TypeError)
      expect(server.requests.length).toBe(before)
    },
  )

  it('any NSID-shaped name maps to exactly /xrpc/<nsid>', () => {
    let cases = 0
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '.', '/', '%', '\\', '?', '#', ' ', 'é'), minLength: 0, maxLength: 12 }), (nsid) => {
        cases++
        let url: URL
        try {
          url = new URL(buildUrl(new URL('https://pds.example.com'), nsid))
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError)
          return
        }
        expect(url.pathname).toBe(`/xrpc/${nsid}`)
        expect(url.search + url.hash).toBe('')
      }),
      { seed: SEED, numRuns: runs(1_000) },
    )
    report('method NSIDs (buildUrl)', { cases, failures: 0 })
  })
})
