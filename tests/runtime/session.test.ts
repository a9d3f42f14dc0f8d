import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { inspect } from 'node:util'
import { getPdsEndpoint } from '@atproto/common-web'
import { jsonToLex } from '@atproto/lexicon'
import { AuthRequiredError, createServer, XRPCError } from '@atproto/xrpc-server'
import { Agent } from 'undici'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AbortError, call, ExpiredTokenError, type CallOptions, type Method, type SessionData, type SessionEvent } from '@lexgen/runtime'
import { Client, CredentialSession, ChatBskyConvoGetUnreadCounts, chatBskyConvoGetUnreadCounts } from '../../generated/index.js'
import { closeServer, listen } from '../helpers/listen.js'
import { loadLexicons } from '../helpers/xrpc-server.js'
import { pdsOrigin } from '../../runtime/pds.js'

const DID = 'did:plc:alice'
/** The self-signed certificate of tests/helpers/tls, which the https tests trust explicitly. */
const TLS_CERT = new URL('../helpers/tls/cert.pem', import.meta.url)

/**
 * A PDS-like auth server built from the lexicons: password login, one-time refresh tokens
 * (a used one is revoked, as a PDS does), expiring access tokens, and one chat method.
 */
async function startAuthServer() {
  const state = { refreshCalls: 0, loginCalls: 0, deleteCalls: 0, deleteFails: false, serial: 0, access: new Set<string>(), refresh: new Set<string>(), expired: new Set<string>(), uploads: [] as string[] }
  /**
   * What login and refresh answers add (a DID document), how a refresh answer is sent instead of
   * its lexicon's shape (as an entryway passes a PDS's answer through, unchecked), and the Host of
   * each request, by NSID.
   */
  const answers = { extra: {} as Record<string, unknown>, rewriteRefresh: undefined as ((body: object) => object) | undefined, hosts: [] as string[] }
  /**
   * What a test holds back, to order events without timing: the refresh answer (after the server
   * has rotated the tokens), a reset of the refresh connection instead of an answer, and the
   * ExpiredToken answers of chat calls after the first `expiredAnswered` of them.
   */
  const hold: { refresh?: Promise<void>; resetRefresh?: boolean; expiredAnswered?: number; expired?: Promise<void> } = {}
  let expiredCalls = 0
  let refreshWaiting: () => void = () => {}
  const refreshHeld = new Promise<void>((resolve) => (refreshWaiting = resolve))
  let expiredWaiting: () => void = () => {}
  const expiredHeld = new Promise<void>((resolve) => (expiredWaiting = resolve))
  const issue = () => {
    const n = ++state.serial
    const tokens = { accessJwt: `access-${n}`, refreshJwt: `refresh-${n}` }
    state.access.add(tokens.accessJwt)
    state.refresh.add(tokens.refreshJwt)
    return { did: DID, handle: 'alice.test', ...tokens, ...answers.extra }
  }
  const bearer = (headers: IncomingHttpHeaders) => headers.authorization?.replace(/^Bearer /, '')
  const xrpc = createServer(loadLexicons())
  xrpc.method('com.atproto.server.createSession', {
    handler: ({ input }) => {
      state.loginCalls++
      const body = input?.body as { identifier: string; password: string }
      if (body.password !== 'hunter2') throw new AuthRequiredError('Invalid identifier or password')
      return { encoding: 'application/json', body: issue() }
    },
  })
  xrpc.method('com.atproto.server.refreshSession', {
    handler: async ({ req }) => {
      state.refreshCalls++
      if (hold.resetRefresh) {
        req.socket.destroy()
        return new Promise<never>(() => {})
      }
      const token = bearer(req.headers)!
      if (!state.refresh.delete(token)) throw new XRPCError(400, 'Token has been revoked', 'ExpiredToken')
      const body = issue()
      refreshWaiting()
      await hold.refresh
      if (answers.rewriteRefresh) return { encoding: 'application/json', buffer: Buffer.from(JSON.stringify(answers.rewriteRefresh(body))) }
      return { encoding: 'application/json', body }
    },
  })
  xrpc.method('com.atproto.server.deleteSession', {
    handler: ({ req }) => {
      state.deleteCalls++
      if (state.deleteFails) throw new XRPCError(500, 'database unavailable', 'InternalServerError')
      state.refresh.delete(bearer(req.headers)!)
      return undefined as never
    },
  })
  xrpc.method('chat.bsky.convo.getUnreadCounts', {
    handler: async ({ req }) => {
      const token = bearer(req.headers)
      if (token && state.expired.has(token)) {
        if (hold.expiredAnswered !== undefined && ++expiredCalls > hold.expiredAnswered) {
          expiredWaiting()
          await hold.expired
        }
        throw new XRPCError(400, 'Token has expired', 'ExpiredToken')
      }
      if (!token || !state.access.has(token)) throw new AuthRequiredError('Invalid token', 'InvalidToken')
      return { encoding: 'application/json', body: { unreadAcceptedConvos: 1, unreadRequestConvos: 0 } }
    },
  })
  xrpc.method('com.atproto.repo.uploadBlob', {
    handler: async ({ req, input }) => {
      const token = bearer(req.headers)
      if (token && state.expired.has(token)) throw new XRPCError(400, 'Token has expired', 'ExpiredToken')
      if (!token || !state.access.has(token)) throw new AuthRequiredError('Invalid token', 'InvalidToken')
      // A blob input arrives as the request stream.
      const bytes = Buffer.concat(await (input?.body as IncomingMessage).toArray())
      state.uploads.push(bytes.toString())
      const blob = { $type: 'blob', ref: { $link: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' }, mimeType: 'text/plain', size: bytes.length }
      // The server takes lexicon values (a CID object, not its JSON `$link`).
      return { encoding: 'application/json', body: jsonToLex({ blob }) as object }
    },
  })
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    answers.hosts.push(`${req.headers.host} ${(req.url ?? '').split('?')[0]!.replace('/xrpc/', '')}`)
    xrpc.router(req, res)
  }
  const server = createHttpServer(handle)
  const port = await listen(server)
  const tls = createHttpsServer({ key: readFileSync(new URL('../helpers/tls/key.pem', import.meta.url)), cert: readFileSync(TLS_CERT) }, handle)
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state,
    answers,
    hold,
    /** Resolves once a refreshSession request has rotated the tokens and waits for `hold.refresh`. */
    refreshHeld,
    /** Resolves once a chat call's ExpiredToken answer waits for `hold.expired`. */
    expiredHeld,
    /** Makes every access token issued so far answer ExpiredToken. */
    expireAccessTokens: () => state.access.forEach((t) => state.expired.add(t)),
    /** Serves the same over TLS too (the test certificate, for 127.0.0.1 and localhost); resolves to its port. */
    listenTls: () => listen(tls),
    close: () => Promise.all([closeServer(server), tls.listening ? closeServer(tls) : undefined]),
  }
}

let auth: Awaited<ReturnType<typeof startAuthServer>>
let changes: [SessionData | undefined, SessionEvent][]
let session: CredentialSession
beforeEach(async () => {
  auth = await startAuthServer()
  changes = []
  session = new CredentialSession({ service: auth.url, onSessionChange: (s, e) => void changes.push([s, e]) })
})
afterEach(async () => {
  await auth.close()
})

describe('credential session', () => {
  it('logs in, sends the access token, and reports the new session', async () => {
    const created = await session.login({ identifier: 'alice.test', password: 'hunter2' })
    expect(created).toEqual({ did: DID, handle: 'alice.test', accessJwt: 'access-1', refreshJwt: 'refresh-1' })
    expect(changes).toEqual([[created, 'create']])
    const counts = await new Client(session.core).chat.bsky.convo.getUnreadCounts()
    expect(counts.unreadAcceptedConvos).toBe(1)
  })

  it("keeps the account's fields of the login answer (email, emailAuthFactor, …), not its DID document", async () => {
    const account = { email: 'alice@example.com', emailConfirmed: true, emailAuthFactor: true, active: false, status: 'deactivated' }
    auth.answers.extra = { ...account, didDoc: { id: DID, service: [] } }
    expect(await session.login({ identifier: 'alice.test', password: 'hunter2' })).toEqual({ did: DID, handle: 'alice.test', accessJwt: 'access-1', refreshJwt: 'refresh-1', ...account })
  })

  it('rejects a wrong password with the typed error and keeps no session', async () => {
    await expect(session.login({ identifier: 'alice.test', password: 'nope' })).rejects.toMatchObject({ status: 401, error: 'AuthenticationRequired' })
    expect(session.session).toBeUndefined()
    expect(changes).toEqual([])
  })

  it('100 concurrent calls with an expired access token cause exactly one refresh and 100 successes', async () => {
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    const client = new Client(session.core)
    const results = await Promise.all(Array.from({ length: 100 }, () => client.chat.bsky.convo.getUnreadCounts()))
    expect(results).toHaveLength(100)
    expect(results.every((r: ChatBskyConvoGetUnreadCounts.Output) => r.unreadAcceptedConvos === 1)).toBe(true)
    expect(auth.state.refreshCalls).toBe(1)
    const refreshes = changes.filter(([, event]) => event === 'refresh')
    expect(refreshes).toEqual([[{ did: DID, handle: 'alice.test', accessJwt: 'access-2', refreshJwt: 'refresh-2' }, 'refresh']])
    expect(session.session?.accessJwt).toBe('access-2')
  })

  it('a logged session shows no token: util.inspect, JSON and String print neither, before and after a refresh', async () => {
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    const client = new Client(session.core)
    await client.chat.bsky.convo.getUnreadCounts()
    const shown = () => [
      ...[false, true].map((getters) => inspect(session, { depth: Infinity, showHidden: true, getters })),
      JSON.stringify(session),
      String(session),
      inspect(client, { depth: Infinity, showHidden: true, getters: true }),
    ]
    for (const text of shown()) expect(text).not.toMatch(/access-1|refresh-1/)
    auth.expireAccessTokens()
    await client.chat.bsky.convo.getUnreadCounts()
    expect(session.session?.accessJwt).toBe('access-2')
    for (const text of shown()) expect(text).not.toMatch(/access-[12]|refresh-[12]/)
    // It says who is logged in, and where.
    expect(inspect(session, { breakLength: Infinity })).toBe(`CredentialSession { service: '${auth.url}/', session: { did: '${DID}', handle: 'alice.test' } }`)
  })

  it('hands out the live session frozen: a store or logger that edits it cannot change what the next call sends, or where', async () => {
    const stored = await session.login({ identifier: 'alice.test', password: 'hunter2' })
    expect(changes[0]![0]).toBe(stored)
    expect(Object.isFrozen(stored) && Object.isFrozen(session.session)).toBe(true)
    expect(() => Object.assign(stored, { accessJwt: '[blanked for the log]', pdsUrl: 'https://evil.example' })).toThrow(TypeError)
    expect((await chatBskyConvoGetUnreadCounts(session.core)).ok).toBe(true)
  })

  it('resumes a stored session and refreshes it on first use', async () => {
    const stored = await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    const later = new CredentialSession({ service: auth.url, onSessionChange: (s, e) => void changes.push([s, e]) })
    await later.resume(stored)
    const counts = await new Client(later.core).chat.bsky.convo.getUnreadCounts()
    expect(counts.unreadRequestConvos).toBe(0)
    expect(changes.map(([, e]) => e)).toEqual(['create', 'resume', 'refresh'])
    expect(later.session?.refreshJwt).toBe('refresh-2')
  })

  it('replays an upload of bytes after a refresh, but not a stream the failed attempt used up: its ExpiredTokenError, the session renewed', async () => {
    const upload: Method = { nsid: 'com.atproto.repo.uploadBlob', type: 'procedure', input: '*/*', output: 'application/json' }
    const text = { headers: { 'content-type': 'text/plain' } }
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    const bytes = await call(session.core, upload, { input: new TextEncoder().encode('a blob') }, text)
    expect(bytes).toMatchObject({ ok: true, value: { blob: { size: 6 } } })
    expect(auth.state.uploads).toEqual(['a blob'])

    auth.expireAccessTokens()
    const stream = new Blob(['a streamed blob']).stream()
    const streamed = await call(session.core, upload, { input: stream }, text)
    // Replayed, the used-up stream would have uploaded an empty blob and called it a success.
    expect(streamed.ok).toBe(false)
    if (!streamed.ok) expect(streamed.error).toBeInstanceOf(ExpiredTokenError)
    expect(auth.state.uploads).toEqual(['a blob'])
    // The session was renewed meanwhile: a new stream goes through at once.
    expect(changes.map(([, e]) => e)).toEqual(['create', 'refresh', 'refresh'])
    const again = await call(session.core, upload, { input: new Blob(['a streamed blob']).stream() }, text)
    expect(again.ok).toBe(true)
    expect(auth.state.uploads).toEqual(['a blob', 'a streamed blob'])
  })

  it('ends the session when the refresh token is rejected, and returns the original error', async () => {
    const stored = await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    auth.state.refresh.delete(stored.refreshJwt)
    await expect(new Client(session.core).chat.bsky.convo.getUnreadCounts()).rejects.toMatchObject({ error: 'ExpiredToken' })
    expect(session.session).toBeUndefined()
    expect(changes.at(-1)).toEqual([undefined, 'expired'])
  })

  it('logs out with deleteSession and forgets the tokens', async () => {
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    expect(await session.logout()).toBeUndefined()
    expect(auth.state.deleteCalls).toBe(1)
    expect(auth.state.refresh.size).toBe(0)
    expect(session.session).toBeUndefined()
    expect(changes.at(-1)).toEqual([undefined, 'logout'])
  })

  it('logs out here when the server cannot revoke the session (a 500, or offline), and says so', async () => {
    const stored = await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.state.deleteFails = true
    const unrevoked = await session.logout()
    expect(unrevoked).toMatchObject({ status: 500, error: 'InternalServerError' })
    // Signed out here: the app is told to forget the tokens, and calls go out without them.
    expect(session.session).toBeUndefined()
    expect(changes.at(-1)).toEqual([undefined, 'logout'])
    const call = await chatBskyConvoGetUnreadCounts(session.core)
    expect(call.ok ? 'sent authenticated' : call.error.status).toBe(401)
    // What the error stands for: the server still holds the refresh token.
    expect(auth.state.refresh.has(stored.refreshJwt)).toBe(true)
  })

  it('a logout aborted by its signal rejects and keeps the session', async () => {
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    await expect(session.logout({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError)
    expect(session.session?.refreshJwt).toBe('refresh-1')
    expect(changes.map(([, event]) => event)).toEqual(['create'])
  })
})

describe("the PDS a session's DID document names", () => {
  const didDoc = (serviceEndpoint: unknown, fields: object = {}) => ({ id: DID, service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint }], ...fields })
  // The same server under another origin (localhost, not 127.0.0.1): the Host it records tells where a call went.
  const pds = () => `http://localhost:${auth.port}`
  const login = () => session.login({ identifier: 'alice.test', password: 'hunter2' })
  const unreadCounts = () => chatBskyConvoGetUnreadCounts(session.core)

  it("takes the session's calls after a login, a refresh and a resume; login, refresh and logout stay on the service", async () => {
    auth.answers.extra = { didDoc: didDoc(pds()) }
    expect((await login()).pdsUrl).toBe(pds())
    expect((await unreadCounts()).ok).toBe(true)
    auth.expireAccessTokens()
    expect((await unreadCounts()).ok).toBe(true)
    const resumed = new CredentialSession({ service: auth.url })
    await resumed.resume(changes.at(-1)![0]!)
    expect((await chatBskyConvoGetUnreadCounts(resumed.core)).ok).toBe(true)
    await session.logout()
    const [service, direct] = [`127.0.0.1:${auth.port}`, `localhost:${auth.port}`]
    expect(auth.answers.hosts).toEqual([
      `${service} com.atproto.server.createSession`,
      `${direct} chat.bsky.convo.getUnreadCounts`,
      `${direct} chat.bsky.convo.getUnreadCounts`,
      `${service} com.atproto.server.refreshSession`,
      `${direct} chat.bsky.convo.getUnreadCounts`,
      `${direct} chat.bsky.convo.getUnreadCounts`,
      `${service} com.atproto.server.deleteSession`,
    ])
    expect(changes.map(([data, event]) => [event, data?.pdsUrl])).toEqual([['create', pds()], ['refresh', pds()], ['logout', undefined]])
  })

  it('is not taken from a document that is not for the account or names no http(s) PDS, nor from a pdsUrl field of the answer', async () => {
    const hostile: [string, unknown][] = [
      ['another DID', didDoc(pds(), { id: 'did:plc:mallory' })],
      ['another type', { id: DID, service: [{ id: '#atproto_pds', type: 'Other', serviceEndpoint: pds() }] }],
      ['the first service of that id decides', { id: DID, service: [{ id: `${DID}#atproto_pds`, type: 'Other', serviceEndpoint: 'http://a.example' }, didDoc(pds()).service[0]] }],
      ['no URL', didDoc('localhost')],
      ['no http(s) URL', didDoc('javascript:alert(1)')],
      ['credentials in the URL', didDoc(`http://user:secret@localhost:${auth.port}`)],
      ['services in an object', { id: DID, service: { '#atproto_pds': didDoc(pds()).service[0] } }],
      ['the service under a __proto__ key', JSON.parse(`{"id":"${DID}","service":[{"__proto__":${JSON.stringify(didDoc(pds()).service[0])}}]}`)],
    ]
    for (const [what, doc] of hostile) {
      auth.answers.extra = { didDoc: doc, pdsUrl: pds() }
      auth.answers.hosts.length = 0
      session = new CredentialSession({ service: auth.url })
      expect((await login()).pdsUrl, what).toBeUndefined()
      expect((await unreadCounts()).ok, what).toBe(true)
      expect(auth.answers.hosts.at(-1), what).toBe(`127.0.0.1:${auth.port} chat.bsky.convo.getUnreadCounts`)
    }
    // An https service never sends its tokens to plain http.
    expect(pdsOrigin(didDoc('http://pds.example.com'), DID, new URL('https://bsky.social'))).toBeUndefined()
    expect(pdsOrigin(didDoc('https://pds.example.com/some/path'), DID, new URL('https://bsky.social'))).toBe('https://pds.example.com')
  })

  it('is not taken when it is plain http and the service https: the tokens never go out in clear text; an https PDS takes the calls', async () => {
    const tlsPort = await auth.listenTls()
    const dispatcher = new Agent({ connect: { ca: readFileSync(TLS_CERT) } })
    const service = `https://127.0.0.1:${tlsPort}`
    try {
      for (const [endpoint, pdsUrl, host] of [[pds(), undefined, `127.0.0.1:${tlsPort}`], [`https://localhost:${tlsPort}`, `https://localhost:${tlsPort}`, `localhost:${tlsPort}`]] as const) {
        auth.answers.extra = { didDoc: didDoc(endpoint) }
        auth.answers.hosts.length = 0
        session = new CredentialSession({ service, dispatcher })
        expect((await login()).pdsUrl, endpoint).toBe(pdsUrl)
        auth.expireAccessTokens()
        expect((await unreadCounts()).ok, endpoint).toBe(true)
        expect(auth.answers.hosts, endpoint).toEqual([
          `127.0.0.1:${tlsPort} com.atproto.server.createSession`,
          `${host} chat.bsky.convo.getUnreadCounts`,
          `127.0.0.1:${tlsPort} com.atproto.server.refreshSession`,
          `${host} chat.bsky.convo.getUnreadCounts`,
        ])
      }
    } finally {
      await dispatcher.close()
    }
  })

  it("is not taken from an endpoint @atproto/api's reading refuses, though URL reads it as an http(s) URL of that PDS", async () => {
    for (const endpoint of [`HTTP://localhost:${auth.port}`, ` ${pds()}`, `http:localhost:${auth.port}`, `http:\\\\localhost:${auth.port}`]) {
      // @atproto/common-web, which @atproto/api's CredentialSession reads its pdsUrl with, finds no PDS there.
      expect(getPdsEndpoint(didDoc(endpoint) as Parameters<typeof getPdsEndpoint>[0]), endpoint).toBeUndefined()
      expect(new URL(endpoint).origin, endpoint).toBe(pds())
      auth.answers.extra = { didDoc: didDoc(endpoint) }
      session = new CredentialSession({ service: auth.url })
      const saved = await login()
      expect(saved.pdsUrl, endpoint).toBeUndefined()
      expect((await unreadCounts()).ok, endpoint).toBe(true)
      expect(auth.answers.hosts.at(-1), endpoint).toBe(`127.0.0.1:${auth.port} chat.bsky.convo.getUnreadCounts`)
      // Nor from saved data (which the session never writes so).
      await expect(session.resume({ ...saved, pdsUrl: endpoint }), endpoint).rejects.toThrow(new TypeError('resume() needs a session as onSessionChange reported it: pdsUrl must be an http(s) URL'))
    }
  })

  it('a refresh without a document keeps the PDS; one naming none brings calls back to the service; one for another DID ends the session, its tokens revoked', async () => {
    auth.answers.extra = { didDoc: didDoc(pds()) }
    await login()
    auth.answers.extra = {}
    auth.expireAccessTokens()
    expect((await unreadCounts()).ok).toBe(true)
    expect(session.session!.pdsUrl).toBe(pds())
    auth.answers.extra = { didDoc: { id: DID, service: [] } }
    auth.expireAccessTokens()
    expect((await unreadCounts()).ok).toBe(true)
    expect(session.session!.pdsUrl).toBeUndefined()
    expect(auth.answers.hosts.at(-1)).toBe(`127.0.0.1:${auth.port} chat.bsky.convo.getUnreadCounts`)
    auth.answers.extra = { did: 'did:plc:mallory', didDoc: didDoc(pds(), { id: 'did:plc:mallory' }) }
    auth.expireAccessTokens()
    const deletes = auth.state.deleteCalls
    const outcome = await unreadCounts()
    expect(!outcome.ok && outcome.error).toBeInstanceOf(ExpiredTokenError)
    expect(session.session).toBeUndefined()
    expect(changes.at(-1)).toEqual([undefined, 'expired'])
    expect(auth.state.deleteCalls).toBe(deletes + 1)
  })

  it('resume() refuses a saved pdsUrl that is no http(s) URL, or plain http for an https service', async () => {
    const saved = await login()
    await expect(session.resume({ ...saved, pdsUrl: 'ftp://pds.example.com' })).rejects.toThrow(new TypeError('resume() needs a session as onSessionChange reported it: pdsUrl must be an http(s) URL'))
    await expect(session.resume({ ...saved, pdsUrl: 42 as unknown as string })).rejects.toThrow('pdsUrl must be a string')
    const https = new CredentialSession({ service: 'https://bsky.social' })
    await expect(https.resume({ ...saved, pdsUrl: 'http://pds.example.com' })).rejects.toThrow('pdsUrl must be https, as the service is (https://bsky.social)')
  })
})

/**
 * The session holds the live refresh token (the server takes each once): after a refresh, a call
 * works, and when the access token expires again the next refresh works too.
 */
async function expectLiveRefreshToken(client: Client) {
  expect((await client.chat.bsky.convo.getUnreadCounts()).unreadAcceptedConvos).toBe(1)
  auth.expireAccessTokens()
  expect((await client.chat.bsky.convo.getUnreadCounts()).unreadAcceptedConvos).toBe(1)
  expect(changes.map(([, event]) => event)).toEqual(['create', 'refresh', 'refresh'])
  expect(auth.state.refreshCalls).toBe(2)
}

describe('session changes and refreshes racing', () => {
  /** Logs in, expires the access token and starts a call whose refresh the server holds (tokens already rotated). */
  async function callWithHeldRefresh(options?: CallOptions) {
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    let release!: () => void
    auth.hold.refresh = new Promise<void>((resolve) => (release = resolve))
    const pending = chatBskyConvoGetUnreadCounts(session.core, {}, options)
    await auth.refreshHeld
    return { pending, release }
  }
  const events = () => changes.map(([, event]) => event)

  /** Another account's session, with tokens the server takes (it does not tell accounts apart). */
  async function otherAccount(): Promise<SessionData> {
    const tokens = await new CredentialSession({ service: auth.url }).login({ identifier: 'alice.test', password: 'hunter2' })
    return { ...tokens, did: 'did:plc:bob', handle: 'bob.test' }
  }

  it('a call is replayed only as the account that made it: switched to another while its refresh was in flight, it fails with its ExpiredTokenError', async () => {
    const { pending, release } = await callWithHeldRefresh()
    await session.resume(await otherAccount())
    release()
    const result = await pending
    expect(result.ok ? 'replayed as bob' : result.error).toBeInstanceOf(ExpiredTokenError)
    expect(session.session?.did).toBe('did:plc:bob')
  })

  it('a call is replayed only as the account that made it: switched to another while its ExpiredToken was on the way, it fails with it', async () => {
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    let release!: () => void
    auth.hold.expired = new Promise<void>((resolve) => (release = resolve))
    auth.hold.expiredAnswered = 0
    const pending = chatBskyConvoGetUnreadCounts(session.core)
    await auth.expiredHeld
    await session.resume(await otherAccount())
    release()
    const result = await pending
    expect(result.ok ? 'replayed as bob' : result.error).toBeInstanceOf(ExpiredTokenError)
    expect(auth.state.refreshCalls).toBe(0)
  })

  it('a logout while a refresh is in flight: logged out, nothing persisted after it, no session left alive on the server', async () => {
    const { pending, release } = await callWithHeldRefresh()
    const logout = session.logout()
    release()
    await logout
    await pending
    expect(session.session).toBeUndefined()
    expect(events().slice(events().indexOf('logout'))).toEqual(['logout'])
    expect(changes.at(-1)).toEqual([undefined, 'logout'])
    // The refresh rotated the tokens before the logout was sent: what it brought is revoked too.
    expect(auth.state.refresh.size).toBe(0)
    const later = await chatBskyConvoGetUnreadCounts(session.core)
    expect(later.ok ? 'authenticated' : later.error.status).toBe(401)
  })

  it('a call aborted while its refresh is in flight settles at once; the refresh goes on for the calls still waiting, and is adopted', async () => {
    const controller = new AbortController()
    const { pending, release } = await callWithHeldRefresh({ signal: controller.signal })
    const waiting = chatBskyConvoGetUnreadCounts(session.core)
    const reason = new Error('user navigated away')
    controller.abort(reason)
    // Settles with the refresh still held: it waits for nothing but the abort.
    const aborted = await pending
    expect(aborted.ok ? undefined : aborted.error).toBeInstanceOf(AbortError)
    expect(aborted.ok ? undefined : aborted.error).toMatchObject({ error: 'Aborted', attempts: 1, cause: reason, message: 'chat.bsky.convo.getUnreadCounts was aborted while waiting for the session to refresh' })
    release()
    const replayed = await waiting
    expect(replayed.ok ? 'ok' : replayed.error.error).toBe('ok')
    expect(auth.state.refreshCalls).toBe(1)
    expect(events()).toEqual(['create', 'refresh'])
    expect(session.session?.refreshJwt).toBe('refresh-2')
  })

  it('a login while a refresh is in flight wins: its tokens stay, and the refreshed session is revoked', async () => {
    const { pending, release } = await callWithHeldRefresh()
    const fresh = await session.login({ identifier: 'alice.test', password: 'hunter2' })
    release()
    const replayed = await pending
    expect(session.session).toEqual(fresh)
    expect(events()).toEqual(['create', 'create'])
    // The call is replayed with the login's token.
    expect(replayed.ok).toBe(true)
    expect(auth.state.refresh).toEqual(new Set([fresh.refreshJwt]))
  })

  it('a call in a new session while the replaced session is still refreshing gets its own session refreshed (found by fuzz-sessions)', async () => {
    const { release } = await callWithHeldRefresh()
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    // Sent with the new session's expired token: it must not wait for the old session's refresh and replay the same token.
    const call = chatBskyConvoGetUnreadCounts(session.core)
    release()
    const result = await call
    expect(result.ok ? 'ok' : result.error.error).toBe('ok')
    expect(events()).toEqual(['create', 'create', 'refresh'])
    expect(auth.state.refreshCalls).toBe(2)
  })

  it('resuming the very session being refreshed keeps the refresh: its refresh token is spent either way', async () => {
    const { pending, release } = await callWithHeldRefresh()
    await session.resume(changes[0]![0]!)
    release()
    const replayed = await pending
    expect(replayed.ok ? 'ok' : replayed.error.error).toBe('ok')
    expect(events()).toEqual(['create', 'resume', 'refresh'])
    expect(session.session?.refreshJwt).toBe('refresh-2')
    expect(auth.state.refresh).toEqual(new Set(['refresh-2']))
  })

  it('a refresh that never answers is given up after refreshTimeout, with no per-attempt timeout: every waiting call settles, the session is kept', async () => {
    const slow = new CredentialSession({ service: auth.url, timeout: Infinity, refreshTimeout: 300, onSessionChange: (s, e) => void changes.push([s, e]) })
    await slow.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    auth.hold.refresh = new Promise<void>(() => {})
    const results = await Promise.all(Array.from({ length: 5 }, () => chatBskyConvoGetUnreadCounts(slow.core)))
    expect(results.map((r) => (r.ok ? 'ok' : r.error.error))).toEqual(Array(5).fill('ExpiredToken'))
    expect(auth.state.refreshCalls).toBe(1)
    expect(slow.session?.accessJwt).toBe('access-1')
    expect(changes.map(([, e]) => e)).toEqual(['create'])
  })

  it('an onSessionChange that throws on a refresh rejects every call that waited for it with its error, none left pending or unhandled', async () => {
    // The refresh is answered once all three calls have had their ExpiredToken (reported before they wait for it).
    let release!: () => void
    auth.hold.refresh = new Promise<void>((resolve) => (release = resolve))
    let expired = 0
    const failing = new CredentialSession({
      service: auth.url,
      onError: ({ error }) => void (error.error === 'ExpiredToken' && ++expired === 3 && release()),
      onSessionChange: (_s, e) => {
        if (e === 'refresh') throw new Error('the store is down')
      },
    })
    await failing.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    const settled = await Promise.allSettled(Array.from({ length: 3 }, () => chatBskyConvoGetUnreadCounts(failing.core)))
    expect(settled.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.value))).toEqual(Array(3).fill('the store is down'))
    expect(auth.state.refreshCalls).toBe(1)
  })

  it.each([0, -1, Number.NaN, Infinity, 2 ** 31, '1000'])('refuses refreshTimeout %s with a TypeError', (refreshTimeout) => {
    expect(() => new CredentialSession({ service: auth.url, refreshTimeout: refreshTimeout as number })).toThrow(TypeError)
  })

  it('a hook that throws on the refresh answer fails the call, and the session keeps the tokens that answer rotated', async () => {
    const thrown = new Error('the logger is down')
    let throwOnce = true
    const hooked = new CredentialSession({
      service: auth.url,
      onSessionChange: (s, e) => void changes.push([s, e]),
      onResponse: ({ nsid }) => {
        if (nsid === 'com.atproto.server.refreshSession' && throwOnce) {
          throwOnce = false
          throw thrown
        }
      },
    })
    await hooked.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    const client = new Client(hooked.core)
    // As the README says of a hook that throws: the call rejects with its exception.
    await expect(client.chat.bsky.convo.getUnreadCounts()).rejects.toBe(thrown)
    // The refresh token sent was spent: the session kept the one the answer carried, so it lives on.
    expect(hooked.session).toMatchObject({ accessJwt: 'access-2', refreshJwt: 'refresh-2' })
    expect(changes.map(([, event]) => event)).toEqual(['create', 'refresh'])
    await expectLiveRefreshToken(client)
  })

  it("a refresh answer the lexicon check refuses still renews the session with the tokens it rotated, keeping only fields of their type", async () => {
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    // A server on a newer lexicon: `active` is no boolean, which the generated check refuses.
    auth.answers.rewriteRefresh = (body) => ({ ...body, active: 'yes', email: 'alice@example.com' })
    const client = new Client(session.core)
    expect((await client.chat.bsky.convo.getUnreadCounts()).unreadAcceptedConvos).toBe(1)
    expect(session.session).toEqual({ did: DID, handle: 'alice.test', accessJwt: 'access-2', refreshJwt: 'refresh-2', email: 'alice@example.com' })
    expect(changes.map(([, event]) => event)).toEqual(['create', 'refresh'])
    await expectLiveRefreshToken(client)
  })

  it('a refresh answer without what a session needs changes nothing: the call fails with its ExpiredTokenError', async () => {
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    const before = session.session
    auth.expireAccessTokens()
    auth.answers.rewriteRefresh = ({ accessJwt: _, ...body }: { accessJwt?: string }) => body
    const result = await chatBskyConvoGetUnreadCounts(session.core)
    expect(result.ok || result.error).toBeInstanceOf(ExpiredTokenError)
    expect(session.session).toBe(before)
    expect(changes.map(([, event]) => event)).toEqual(['create'])
  })

  it('a refresh whose connection resets is still single-flight: 50 calls with the expired token send one refresh', async () => {
    await session.login({ identifier: 'alice.test', password: 'hunter2' })
    auth.expireAccessTokens()
    auth.hold.resetRefresh = true
    // Half the calls get their ExpiredToken only after the client has seen the refresh fail.
    let release!: () => void
    auth.hold.expired = new Promise<void>((resolve) => (release = resolve))
    auth.hold.expiredAnswered = 25
    const watched = new CredentialSession({
      service: auth.url,
      onSessionChange: (s, e) => void changes.push([s, e]),
      onError: ({ nsid }) => nsid === 'com.atproto.server.refreshSession' && release(),
    })
    await watched.resume(session.session!)
    const results = await Promise.all(Array.from({ length: 50 }, () => chatBskyConvoGetUnreadCounts(watched.core)))
    expect(results.map((r) => (r.ok ? 'ok' : r.error.error))).toEqual(Array(50).fill('ExpiredToken'))
    expect(auth.state.refreshCalls).toBe(1)
    // A network failure keeps the session for later.
    expect(watched.session?.accessJwt).toBe('access-1')
  })

  it.each([
    ['an empty object', {}],
    ['no refresh token', { did: DID, handle: 'alice.test', accessJwt: 'access-1' }],
    ['a token with a line break', { did: DID, handle: 'alice.test', accessJwt: 'access-1\r\nx-injected: 1', refreshJwt: 'refresh-1' }],
    ['no DID', { handle: 'alice.test', accessJwt: 'a', refreshJwt: 'r' }],
    ['null', null],
  ])('resume() refuses malformed saved data (%s) with a TypeError, changing nothing', async (_label, saved) => {
    await expect(session.resume(saved as never)).rejects.toThrow(TypeError)
    await expect(session.resume(saved as never)).rejects.not.toThrow(/access-1\r|refresh-1/)
    expect(session.session).toBeUndefined()
    expect(changes).toEqual([])
    const call = await chatBskyConvoGetUnreadCounts(session.core)
    expect(call.ok ? 'sent authenticated' : call.error.status).toBe(401)
  })
})

it('a declared ExpiredToken (refreshSession declares it) is still an ExpiredTokenError', async () => {
  const { ExpiredTokenError } = await import('@lexgen/runtime')
  const { ComAtprotoServerRefreshSession } = await import('../../generated/index.js')
  const error = new ComAtprotoServerRefreshSession.ExpiredTokenError({ status: 400, error: 'ExpiredToken', message: 'expired', nsid: 'x' })
  expect(error).toBeInstanceOf(ExpiredTokenError)
})
