/**
 * The runtime's `CredentialSession` (and `@atproto/api`'s, as a session manager) under
 * concurrency against a real `@atproto/pds` (tests/e2e/harness.ts). The PDS is reached through a
 * forwarding proxy in front of it that counts what reaches the PDS and can fail a refresh as a
 * network or a gateway would. Access tokens expire as the PDS decides: the clock (`Date`, which the
 * PDS and the chat service in this process read) is moved past their lifetime.
 */
import { createServer, request as httpRequest, type Server } from 'node:http'
import { inspect } from 'node:util'
import { CredentialSession as AtpCredentialSession } from '@atproto/api'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { call, Core, ExpiredTokenError, withDefaults, type Method, type XrpcError } from '../../runtime/index.js'
import { chatBskyConvoGetConvoForMembers } from '../../generated/chat/bsky/convo/getConvoForMembers.js'
import { chatBskyConvoGetMessages } from '../../generated/chat/bsky/convo/getMessages.js'
import { chatBskyConvoListConvos } from '../../generated/chat/bsky/convo/listConvos.js'
import { chatBskyConvoSendMessage } from '../../generated/chat/bsky/convo/sendMessage.js'
import { CredentialSession, type SessionConfig } from '../../generated/session.js'
import type { SessionData, SessionEvent } from '../../runtime/session.js'
import { closeServer, listen } from '../helpers/listen.js'
import { createAccount, startE2e, type Account, type E2e } from './harness.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const REFRESH = 'com.atproto.server.refreshSession'

/**
 * How the front fails a refresh: a reset connection, a gateway's 502 page, or (`echo-*`) an answer
 * quoting the request's `authorization` header in its body and a header, as a 502 page or as the
 * PDS's `ExpiredToken` refusal; or no answer at all (`hang`, until the front closes).
 */
type Failure = 'reset' | '502' | 'echo-502' | 'echo-expired' | 'hang'

/** A forwarding proxy in front of the PDS: it records each request's NSID, and fails the next refresh when told. */
interface Front {
  readonly url: string
  readonly seen: string[]
  failNextRefresh(how: Failure): void
  close(): Promise<void>
}

async function startFront(target: string): Promise<Front> {
  const seen: string[] = []
  let failing: Failure | undefined
  const server: Server = createServer((req, res) => {
    const nsid = (req.url ?? '').replace(/^\/xrpc\//, '').split('?')[0] ?? ''
    if (nsid === REFRESH && failing) {
      const how = failing
      failing = undefined
      if (how === 'reset') return void req.socket.destroy()
      if (how === 'hang') return
      const echo = String(req.headers.authorization)
      if (how === 'echo-502') return void res.writeHead(502, { 'content-type': 'text/html', 'x-echo': echo }).end(`<html><body>502 Bad Gateway for ${echo}</body></html>`)
      if (how === 'echo-expired') return void res.writeHead(400, { 'content-type': 'application/json', 'x-echo': echo }).end(JSON.stringify({ error: 'ExpiredToken', message: `Token has expired: ${echo}` }))
      return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>')
    }
    seen.push(nsid)
    const upstream = httpRequest(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  const port = await listen(server)
  return { url: `http://127.0.0.1:${port}`, seen, failNextRefresh: (how) => void (failing = how), close: () => closeServer(server) }
}

let e2e: E2e
let front: Front
let alice: Account
let bob: Account
let convoId: string

beforeAll(async () => {
  e2e = await startE2e()
  front = await startFront(e2e.pds.url)
  alice = await createAccount(e2e.pds.url, 'alice.test')
  bob = await createAccount(e2e.pds.url, 'bob.test')
  const convo = await chatBskyConvoGetConvoForMembers(new Core({ service: e2e.pds.url, auth: alice.accessJwt, proxy: e2e.chat.proxy }), { members: [bob.did] })
  if (!convo.ok) throw convo.error
  convoId = convo.value.convo.id
}, 60_000)

afterAll(async () => {
  await front?.close()
  await e2e?.close()
}, 30_000)

afterEach(() => {
  vi.useRealTimers()
})

/** Moves the clock the PDS and the chat service read by `ms` (timers stay real). */
function timeTravel(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(Date.now() + ms)
}

/** Bob's session through the front, recording what it persists. */
async function bobSession(config: Partial<SessionConfig> = {}) {
  const changes: { data: SessionData | undefined; event: SessionEvent }[] = []
  const session = new CredentialSession({ service: front.url, proxy: e2e.chat.proxy, retries: false, ...config, onSessionChange: (data, event) => void changes.push({ data, event }) })
  await session.login({ identifier: bob.handle, password: bob.password })
  return { session, changes }
}

const refreshes = () => front.seen.filter((nsid) => nsid === REFRESH).length

async function messagesInConvo(): Promise<string[]> {
  const core = new Core({ service: e2e.pds.url, auth: (await createAccountSession(alice)).accessJwt, proxy: e2e.chat.proxy })
  const res = await chatBskyConvoGetMessages(core, { convoId, limit: 100 })
  if (!res.ok) throw res.error
  return res.value.messages.map((m) => (m as { text?: string }).text ?? '')
}

/** A fresh access token for `account` (its stored one may have expired with the clock). */
async function createAccountSession(account: Account): Promise<{ accessJwt: string }> {
  const res = await fetch(`${e2e.pds.url}/xrpc/com.atproto.server.createSession`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identifier: account.handle, password: account.password }) })
  return (await res.json()) as { accessJwt: string }
}

describe("the runtime's CredentialSession against a real PDS", () => {
  it('(what a refresh lost in a Worker relies on) the PDS takes a spent refresh token again, answering with a session as live as the first answer', async () => {
    const { session } = await bobSession()
    const spent = { ...session.session! }
    expect(await session.refresh(spent.accessJwt)).toBe(true)
    const again = await fetch(`${front.url}/xrpc/${REFRESH}`, { method: 'POST', headers: { authorization: `Bearer ${spent.refreshJwt}` } })
    expect(again.status).toBe(200)
    const renewed = (await again.json()) as SessionData
    await session.resume({ ...spent, ...renewed })
    const call = await chatBskyConvoListConvos(session.core)
    if (!call.ok) throw call.error
  })

  it('12 calls in flight when the access token expires (a sendMessage among them): one refresh reaches the PDS, each call is replayed once and succeeds, the message is sent once, the rotated tokens persisted once', async () => {
    const { session, changes } = await bobSession()
    const before = refreshes()
    timeTravel(3 * HOUR)
    const text = `sent once ${Date.now()}`
    const calls = [
      ...Array.from({ length: 11 }, () => chatBskyConvoListConvos(session.core)),
      chatBskyConvoSendMessage(session.core, { convoId, message: { text } }),
    ]
    const outcomes = await Promise.all(calls)
    expect(outcomes.map((o) => (o.ok ? o.response.attempts : (o.error as XrpcError).name))).toEqual(Array(12).fill(2))
    expect(refreshes() - before).toBe(1)
    expect(changes.map((c) => c.event)).toEqual(['create', 'refresh'])
    // What was persisted is the session in use, and its refresh token is the live one: it refreshes again.
    expect(changes[1]!.data).toEqual(session.session)
    expect(changes[1]!.data!.refreshJwt).not.toBe(changes[0]!.data!.refreshJwt)
    expect((await messagesInConvo()).filter((t) => t === text)).toHaveLength(1)
    expect(await session.refresh(session.session!.accessJwt)).toBe(true)
    expect(changes.map((c) => c.event)).toEqual(['create', 'refresh', 'refresh'])
  })

  it('a refresh token the PDS refuses (expired) ends the session once: every waiting call gets an ExpiredTokenError, one refresh is sent, no more after', async () => {
    const { session, changes } = await bobSession()
    const before = refreshes()
    timeTravel(91 * DAY)
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => chatBskyConvoListConvos(session.core)))
    for (const outcome of outcomes) expect(!outcome.ok && outcome.error).toBeInstanceOf(ExpiredTokenError)
    expect(refreshes() - before).toBe(1)
    expect(changes.map((c) => c.event)).toEqual(['create', 'expired'])
    expect(session.session).toBeUndefined()
    const later = await chatBskyConvoListConvos(session.core)
    expect(later.ok).toBe(false)
    expect(refreshes() - before).toBe(1)
  })

  it("calls go to the PDS the account's DID document names, as @atproto/api's do; login, refresh and logout stay on the service (the front, as an entryway)", async () => {
    const { session, changes } = await bobSession()
    // The PDS publishes http://localhost:<port>; the front listens on 127.0.0.1: another origin.
    const official = new AtpCredentialSession(new URL(front.url))
    await official.login({ identifier: bob.handle, password: bob.password })
    expect(session.session!.pdsUrl).toBe(official.pdsUrl!.origin)
    expect(session.session!.pdsUrl).toBe(new URL(e2e.pds.url).origin)
    expect(changes[0]!.data!.pdsUrl).toBe(session.session!.pdsUrl)
    // The same account data as @atproto/api keeps (the PDS's login answer without its DID document), other tokens aside.
    const { accessJwt: _a, refreshJwt: _r, pdsUrl: _p, ...ours } = session.session!
    const { accessJwt: _oa, refreshJwt: _or, ...theirs } = official.session!
    expect(ours).toEqual(theirs)
    const seen = front.seen.length
    const direct = await chatBskyConvoListConvos(session.core)
    if (!direct.ok) throw direct.error
    expect(front.seen.slice(seen)).toEqual([])
    // An expired token: the refresh goes to the service, the replay to the PDS.
    timeTravel(3 * HOUR)
    const replayed = await chatBskyConvoListConvos(session.core)
    if (!replayed.ok) throw replayed.error
    expect(replayed.response.attempts).toBe(2)
    expect(front.seen.slice(seen)).toEqual([REFRESH])
    expect(changes.map((c) => [c.event, c.data?.pdsUrl])).toEqual([['create', session.session!.pdsUrl], ['refresh', session.session!.pdsUrl]])
    // A resumed session goes there too, without asking the server again.
    const resumed = new CredentialSession({ service: front.url, proxy: e2e.chat.proxy, retries: false })
    await resumed.resume(changes[1]!.data!)
    const again = await chatBskyConvoListConvos(resumed.core)
    if (!again.ok) throw again.error
    expect(front.seen.slice(seen)).toEqual([REFRESH])
    await session.logout()
    expect(front.seen.slice(seen)).toEqual([REFRESH, 'com.atproto.server.deleteSession'])
  })

  it('a repo write and a blob upload go to the PDS too (as the hooks see them), which answers them itself; the service sees none', async () => {
    const urls: string[] = []
    const { session } = await bobSession({ onRequest: ({ url }) => void urls.push(url) })
    const createRecord: Method = { nsid: 'com.atproto.repo.createRecord', type: 'procedure', input: 'application/json', output: 'application/json' }
    const getRecord: Method = { nsid: 'com.atproto.repo.getRecord', type: 'query', output: 'application/json' }
    const uploadBlob: Method = { nsid: 'com.atproto.repo.uploadBlob', type: 'procedure', input: '*/*', output: 'application/json' }
    const [seen, sent] = [front.seen.length, urls.length]
    const text = `written at the PDS ${Date.now()}`
    const created = await call(session.core, createRecord, { input: { repo: bob.did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString() } } })
    if (!created.ok) throw created.error
    const uploaded = await call(session.core, uploadBlob, { input: new TextEncoder().encode('a blob') })
    if (!uploaded.ok) throw uploaded.error
    expect(front.seen.slice(seen)).toEqual([])
    expect(urls.slice(sent)).toEqual([`${e2e.pds.url}/xrpc/com.atproto.repo.createRecord`, `${e2e.pds.url}/xrpc/com.atproto.repo.uploadBlob`])
    // Read back from the PDS itself, without the session.
    const rkey = (created.value as { uri: string }).uri.split('/').pop()
    const read = await call(new Core({ service: e2e.pds.url }), getRecord, { params: { repo: bob.did, collection: 'app.bsky.feed.post', rkey } })
    if (!read.ok) throw read.error
    expect((read.value as { value: { text: string } }).value.text).toBe(text)
  })

  for (const how of ['reset', '502'] as const) {
    it(`a refresh that fails on the way (${how === 'reset' ? 'connection reset' : 'a gateway answering 502'}) keeps the session: a later call refreshes again and succeeds`, async () => {
      const { session, changes } = await bobSession()
      timeTravel(3 * HOUR)
      front.failNextRefresh(how)
      const failed = await Promise.all(Array.from({ length: 5 }, () => chatBskyConvoListConvos(session.core)))
      for (const outcome of failed) expect(outcome.ok).toBe(false)
      expect(changes.map((c) => c.event)).toEqual(['create'])
      expect(session.session).toBeDefined()
      const before = refreshes()
      const later = await chatBskyConvoListConvos(session.core)
      if (!later.ok) throw later.error
      expect(refreshes() - before).toBe(1)
      expect(changes.map((c) => c.event)).toEqual(['create', 'refresh'])
      const tokens = [changes[0]!.data!.accessJwt, changes[0]!.data!.refreshJwt, session.session!.accessJwt, session.session!.refreshJwt]
      for (const outcome of failed) {
        const shown = [inspect(!outcome.ok && outcome.error, { depth: 10, showHidden: true }), String(!outcome.ok && outcome.error), JSON.stringify(!outcome.ok && outcome.error)].join('\n')
        for (const token of tokens) expect(shown).not.toContain(token)
      }
    })
  }
})

describe('tokens a failed refresh echoes back', () => {
  for (const how of ['echo-502', 'echo-expired'] as const) {
    it(`appear in no error, hook context or inspected session (${how === 'echo-502' ? 'a gateway page quoting the authorization header' : 'an ExpiredToken refusal quoting it'})`, async () => {
      const seen: unknown[] = []
      const { session, changes } = await bobSession({ onRequest: (c) => void seen.push(c), onResponse: (c) => void seen.push(c), onError: (c) => void seen.push(c) })
      const tokens = [changes[0]!.data!.accessJwt, changes[0]!.data!.refreshJwt]
      timeTravel(3 * HOUR)
      front.failNextRefresh(how)
      const failed = await Promise.all(Array.from({ length: 3 }, () => chatBskyConvoListConvos(session.core)))
      expect(seen.some((c) => (c as { nsid: string }).nsid === REFRESH)).toBe(true)
      const shown = [
        ...failed.flatMap((o) => (o.ok ? [] : [inspect(o.error, { depth: 10, showHidden: true }), String(o.error), JSON.stringify(o.error), o.error.stack ?? ''])),
        ...seen.map((c) => inspect(c, { depth: 10, showHidden: true })),
        inspect(session, { depth: 10, showHidden: true }),
      ].join('\n')
      // The echo reached a hook's error (so this would see a token that got through), redacted.
      expect(shown).toContain('Bearer [redacted]')
      for (const token of tokens) {
        expect(shown).not.toContain(token)
        expect(shown).not.toContain(token.split('.')[2])
      }
      expect(changes.map((c) => c.event)).toEqual(how === 'echo-expired' ? ['create', 'expired'] : ['create'])
    })
  }
})

describe("@atproto/api's CredentialSession as the auth of a Core, against a real PDS", () => {
  it('10 calls in flight when the access token expires: the session refreshes, every call succeeds, a sendMessage is sent once', async () => {
    const manager = new AtpCredentialSession(new URL(front.url))
    await manager.login({ identifier: bob.handle, password: bob.password })
    const core = new Core(withDefaults({ auth: manager, proxy: e2e.chat.proxy, retries: false }))
    const before = refreshes()
    timeTravel(3 * HOUR)
    const text = `via @atproto/api once ${Date.now()}`
    const outcomes = await Promise.all([...Array.from({ length: 9 }, () => chatBskyConvoListConvos(core)), chatBskyConvoSendMessage(core, { convoId, message: { text } })])
    for (const outcome of outcomes) if (!outcome.ok) throw outcome.error
    expect((await messagesInConvo()).filter((t) => t === text)).toHaveLength(1)
    expect(inspect(core, { depth: 10 })).not.toContain(manager.session!.accessJwt)
  })
})

describe('a session manager whose refresh never answers', () => {
  it("a call's timeout and its signal still end it (@atproto/api's fetchHandler waits for its refresh without looking at the signal)", async () => {
    const manager = new AtpCredentialSession(new URL(front.url))
    await manager.login({ identifier: bob.handle, password: bob.password })
    const core = new Core(withDefaults({ auth: manager, proxy: e2e.chat.proxy, retries: false, timeout: 1000 }))
    timeTravel(3 * HOUR)
    front.failNextRefresh('hang')
    const timedOut = await chatBskyConvoListConvos(core)
    expect(timedOut.ok ? 'ok' : timedOut.error.name).toBe('TimeoutError')
    // A call made while that refresh is still pending waits for it inside the session: its signal ends it.
    // (Aborted once the session has it: its fetchHandler is watched, not changed.)
    const controller = new AbortController()
    const fetchHandler = manager.fetchHandler.bind(manager)
    manager.fetchHandler = (url, init) => {
      const answer = fetchHandler(url, init)
      controller.abort()
      return answer
    }
    const outcome = await chatBskyConvoListConvos(core, {}, { signal: controller.signal, timeout: Infinity })
    expect(outcome.ok ? 'ok' : outcome.error.name).toBe('AbortError')
  })
})
