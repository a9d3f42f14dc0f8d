/**
 * A session manager as auth: `@atproto/api`'s own `CredentialSession` (the object its `Agent`
 * takes) sending lexgen's calls. Against the peer xrpc-server (its session methods included),
 * and a raw server for what a well-behaved server never does. The PDS end to end is in
 * tests/e2e/pds.test.ts.
 */
import { inspect } from 'node:util'
import { CredentialSession as AtpCredentialSession } from '@atproto/api'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  ChatBskyConvoGetConvo,
  ChatBskyConvoSendMessage,
  chatBskyConvoGetConvo,
  chatBskyConvoSendMessage,
  Client,
  Core,
  validation,
  withDefaults,
} from '../../generated/index.js'
import { BSKY_CHAT_PROXY, InternalServerError, ResponseValidationError, TimeoutError, type RequestContext } from '../../runtime/index.js'
import { seedConvo, type Seeded } from '../helpers/convo-calls.js'
import { respond, stall, startRawServer, type RawServer } from '../helpers/raw-server.js'
import { DEFAULT_ACCOUNT, EXPIRED_TOKEN, startChatServer, type ChatServer } from '../helpers/xrpc-server.js'

let server: ChatServer
let seeded: Seeded
const raws: RawServer[] = []

beforeAll(async () => {
  server = await startChatServer()
})
afterAll(async () => {
  await server.close()
  await Promise.all(raws.map((raw) => raw.close()))
})
beforeEach(() => {
  server.reset()
  seeded = seedConvo(server)
})

/** `@atproto/api`'s CredentialSession, logged in to the peer server. */
async function loggedIn(): Promise<AtpCredentialSession> {
  const manager = new AtpCredentialSession(new URL(server.url))
  await manager.login({ identifier: DEFAULT_ACCOUNT.handle, password: DEFAULT_ACCOUNT.password })
  return manager
}

/** A CredentialSession of `@atproto/api` holding `accessJwt`, sending to a raw server. */
async function rawSession(handler: Parameters<typeof startRawServer>[0], accessJwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkaWQ6cGxjOnZpZXdlciJ9.c2VjcmV0LXNpZ25hdHVyZQ') {
  const raw = await startRawServer(handler)
  raws.push(raw)
  const manager = new AtpCredentialSession(new URL(raw.url))
  manager.session = { did: 'did:plc:viewer', handle: 'viewer.test', accessJwt, refreshJwt: 'refresh-unused', active: true }
  return { raw, manager, accessJwt }
}

describe('a session manager (fetchHandler) as the auth of a Core', () => {
  it("sends through @atproto/api's CredentialSession: its token, the chat proxy header, no service needed", async () => {
    const manager = await loggedIn()
    const seen: RequestContext[] = []
    const client = new Client({ auth: manager, onRequest: (context) => void seen.push(context) })
    const { convo } = await client.chat.bsky.convo.getConvo({ convoId: seeded.convoId })
    expect(convo.id).toBe(seeded.convoId)
    const request = server.last('chat.bsky.convo.getConvo')!
    expect(request.headers.authorization).toBe(`Bearer ${manager.session!.accessJwt}`)
    expect(request.headers['atproto-proxy']).toBe(BSKY_CHAT_PROXY)
    expect(request.url).toBe(`/xrpc/chat.bsky.convo.getConvo?convoId=${seeded.convoId}`)
    // The session chose the origin; what the Core shows instead never resolves.
    expect(seen.map((c) => c.url)).toEqual([`https://session.invalid/xrpc/chat.bsky.convo.getConvo?convoId=${seeded.convoId}`])
  })

  it('sends to the session’s origin whatever `service` says, with a per-call proxy, and drops an authorization header set by hand', async () => {
    const manager = await loggedIn()
    const core = new Core({ service: 'https://ignored.example/', auth: manager, headers: { authorization: 'Bearer mine' }, proxy: false })
    const result = await chatBskyConvoGetConvo(core, { convoId: seeded.convoId }, { proxy: 'did:web:chat.example#bsky_chat' })
    expect(result.ok).toBe(true)
    const request = server.last('chat.bsky.convo.getConvo')!
    expect(request.headers.authorization).toBe(`Bearer ${manager.session!.accessJwt}`)
    expect(request.headers['atproto-proxy']).toBe('did:web:chat.example#bsky_chat')
  })

  it('maps errors to the typed classes, declared ones included', async () => {
    const core = new Core({ auth: await loggedIn() })
    server.failNext('chat.bsky.convo.sendMessage', { error: 'ConvoLocked', message: 'convo is locked' })
    const locked = await chatBskyConvoSendMessage(core, { convoId: seeded.convoId, message: { text: 'hi' } })
    expect(!locked.ok && locked.error).toBeInstanceOf(ChatBskyConvoSendMessage.ConvoLockedError)
    const missing = await chatBskyConvoGetConvo(core, { convoId: 'no-such-convo' })
    expect(!missing.ok && missing.error).toBeInstanceOf(ChatBskyConvoGetConvo.InvalidConvoError)
  })

  it('retries a query on a 503 but never repeats a procedure the server may have processed', async () => {
    const core = new Core(withDefaults({ auth: await loggedIn(), retries: { limit: 2, baseDelay: 1, maxDelay: 1 } }))
    server.failNext('chat.bsky.convo.getConvo', { status: 503, error: 'Unavailable' })
    const query = await chatBskyConvoGetConvo(core, { convoId: seeded.convoId })
    expect(query.ok && query.response.attempts).toBe(2)

    const before = server.requests.filter((r) => r.nsid === 'chat.bsky.convo.sendMessage').length
    server.failNext('chat.bsky.convo.sendMessage', { status: 500, error: 'InternalServerError' })
    const sent = await chatBskyConvoSendMessage(core, { convoId: seeded.convoId, message: { text: 'once' } })
    expect(!sent.ok && sent.error).toBeInstanceOf(InternalServerError)
    expect(server.requests.filter((r) => r.nsid === 'chat.bsky.convo.sendMessage').length - before).toBe(1)
  })

  it("lets the session refresh an expired token and replay (a refused call is safe to send again): delivered once", async () => {
    const manager = await loggedIn()
    manager.session = { ...manager.session!, accessJwt: EXPIRED_TOKEN }
    const core = new Core(withDefaults({ auth: manager, retries: false }))
    const sent = await chatBskyConvoSendMessage(core, { convoId: seeded.convoId, message: { text: 'after refresh' } })
    if (!sent.ok) throw sent.error
    expect(manager.session?.accessJwt).not.toBe(EXPIRED_TOKEN)
    const messages = server.store.as(DEFAULT_ACCOUNT.did).getMessages(seeded.convoId).messages as { text?: string }[]
    expect(messages.filter((m) => m.text === 'after refresh')).toHaveLength(1)
  })

  // An OAuth session that was revoked rejects fetchHandler with its own error: no server was reached
  // through it, and asking again fails alike. It read as "could not reach https://session.invalid",
  // and was asked three times.
  it("says a session that failed on its own (a revoked OAuth session) failed, and asks it once; one that gives no Response likewise", async () => {
    class TokenRevokedError extends Error {
      override name = 'TokenRevokedError'
    }
    for (const [fetchHandler, reason] of [
      [async () => { throw new TokenRevokedError('The session was revoked') }, 'The session was revoked'],
      [() => { throw new TokenRevokedError('thrown, not rejected') }, 'thrown, not rejected'],
      [async () => undefined as unknown as Response, 'fetchHandler resolved to undefined, not a Response'],
    ] as const) {
      let asked = 0
      const core = new Core(withDefaults({ auth: { did: 'did:plc:abc', fetchHandler: (...args: Parameters<typeof fetchHandler>) => (asked++, fetchHandler(...args)) } }))
      const result = await chatBskyConvoGetConvo(core, { convoId: 'c1' })
      expect(result.ok ? undefined : [result.error.constructor.name, result.error.error, result.error.message]).toEqual(['ConnectionError', 'SessionFailed', `chat.bsky.convo.getConvo was not sent: the session failed (${reason})`])
      expect(asked).toBe(1)
    }
    // Its fetch failing on the network, or aborted by the session's own signal, is the fetch's: retried, as any query is.
    for (const [fetchHandler, error] of [
      [() => fetch('http://127.0.0.1:1/'), 'ConnectionFailed'],
      [async () => { throw new DOMException('The operation was aborted', 'AbortError') }, 'ConnectionFailed'],
      [async () => { throw new DOMException('The operation timed out', 'TimeoutError') }, 'Timeout'],
    ] as const) {
      let fetched = 0
      const offline = new Core(withDefaults({ retries: { limit: 1, baseDelay: 1 }, auth: { fetchHandler: () => (fetched++, fetchHandler()) } }))
      const result = await chatBskyConvoGetConvo(offline, { convoId: 'c1' })
      expect(result.ok ? undefined : [result.error.error, fetched]).toEqual([error, 2])
    }
  })

  it('times an attempt out through the session', async () => {
    const { manager } = await rawSession(stall)
    const core = new Core(withDefaults({ auth: manager, timeout: 200, retries: false }))
    const result = await chatBskyConvoGetConvo(core, { convoId: 'c' })
    expect(!result.ok && result.error).toBeInstanceOf(TimeoutError)
  })

  it('lets go of an answer that comes after the attempt ended, even one whose body will not cancel (errored, or locked): no unhandled rejection', async () => {
    const erroredBody = () => new Response(new ReadableStream({ start: (controller) => controller.error(new Error('connection reset mid-body')) }))
    const lockedBody = () => {
      const response = new Response('{}')
      response.body!.getReader()
      return response
    }
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => void rejections.push(reason)
    process.on('unhandledRejection', onRejection)
    try {
      for (const late of [erroredBody(), lockedBody()]) {
        let answer!: (response: Response) => void
        // A session waiting for its own refresh without looking at the signal, as @atproto/api's does.
        const manager = { fetchHandler: () => new Promise<Response>((resolve) => (answer = resolve)) }
        const controller = new AbortController()
        const pending = chatBskyConvoGetConvo(new Core({ auth: manager }), { convoId: 'c' }, { signal: controller.signal })
        controller.abort()
        expect(await pending).toMatchObject({ ok: false, error: { error: 'Aborted' } })
        answer(late)
        // Unhandled rejections are reported once the microtasks have run, before the next macrotask.
        await new Promise((resolve) => setTimeout(resolve, 0))
        await new Promise((resolve) => setImmediate(resolve))
      }
    } finally {
      process.off('unhandledRejection', onRejection)
    }
    expect(rejections).toEqual([])
  })

  it('validates responses the session brings back', async () => {
    const { manager } = await rawSession(respond(200, JSON.stringify({ convo: { id: 42 } }), { 'content-type': 'application/json' }))
    const result = await chatBskyConvoGetConvo(new Core({ auth: manager, validation }), { convoId: 'c' })
    expect(!result.ok && result.error).toBeInstanceOf(ResponseValidationError)
  })

  it('never lets a token the server echoes reach an error, its headers or inspect output', async () => {
    const { raw, manager, accessJwt } = await rawSession((req, res) => {
      const auth = req.headers.authorization ?? ''
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `${auth}, error="invalid_token"`, 'x-echo': auth })
      res.end(JSON.stringify({ error: 'InvalidToken', message: `token ${auth} is not valid` }))
    })
    const result = await chatBskyConvoGetConvo(new Core({ auth: manager }), { convoId: 'c' })
    expect(raw.requests[0]?.headers.authorization).toBe(`Bearer ${accessJwt}`)
    if (result.ok) throw new Error('expected a failure')
    const error = result.error
    expect(error.status).toBe(401)
    for (const text of [error.message, String(error), JSON.stringify(error.headers), inspect(error, { depth: 5 })]) {
      expect(text).not.toContain(accessJwt)
      expect(text).not.toContain(accessJwt.split('.')[2])
    }
    expect(error.message).toBe('token Bearer [redacted] is not valid')
    expect(error.headers['www-authenticate']).toBe('Bearer [redacted], error="invalid_token"')
  })

  it('refuses a Core with neither service nor session manager', () => {
    expect(() => new Core({ auth: 'token' } as never)).toThrow(/service is required/)
  })
})
