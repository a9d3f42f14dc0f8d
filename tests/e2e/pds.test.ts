/**
 * End to end through a real PDS: accounts are created on `@atproto/pds` (SQLite in a temp
 * dir, DIDs in an in-memory PLC directory), and chat calls made with our runtime and
 * generated functions travel client → PDS → chat service, with `atproto-proxy:
 * did:web:localhost%3A<port>#bsky_chat`. The chat service only answers calls carrying a
 * service JWT it verified against the caller's key in the PLC directory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { inspect, promisify } from 'node:util'
import { CredentialSession as AtpCredentialSession } from '@atproto/api'
import { AuthenticationRequiredError, Core, ForbiddenError, withDefaults, type XrpcError } from '../../runtime/index.js'
import { chatBskyConvoGetConvoForMembers } from '../../generated/chat/bsky/convo/getConvoForMembers.js'
import { chatBskyConvoGetMessages } from '../../generated/chat/bsky/convo/getMessages.js'
import { chatBskyConvoListConvos } from '../../generated/chat/bsky/convo/listConvos.js'
import { chatBskyConvoLockConvo } from '../../generated/chat/bsky/convo/lockConvo.js'
import { chatBskyConvoSendMessage } from '../../generated/chat/bsky/convo/sendMessage.js'
import { CredentialSession } from '../../generated/session.js'
import { validation } from '../../generated/validation.js'
import { createAccount, ownListeningAddresses, startE2e, xrpc, type Account, type E2e } from './harness.js'
import { oauthSession } from './oauth.js'

let e2e: E2e
let alice: Account
let bob: Account

/** A client for the user's PDS that proxies to the test chat service (`auth: null`: no token). No retries: flakiness should show. */
function clientFor(account: Account, auth: string | null = account.accessJwt): Core {
  return new Core(withDefaults({ service: e2e.pds.url, ...(auth === null ? {} : { auth }), proxy: e2e.chat.proxy, retries: false }))
}

/** Checks the last call the chat service verified, and returns it. */
function expectVerified(nsid: string, account: Account) {
  const last = e2e.chat.verified.at(-1)
  expect(last).toEqual({ nsid, iss: account.did, aud: e2e.chat.did, lxm: nsid })
  return last
}

beforeAll(async () => {
  e2e = await startE2e()
  alice = await createAccount(e2e.pds.url, 'alice.test')
  bob = await createAccount(e2e.pds.url, 'bob.test')
}, 60_000)

afterAll(async () => {
  // After all the traffic, still nothing of ours listens beyond loopback.
  for (const address of ownListeningAddresses()) expect(address).toMatch(/^127\.0\.0\.1:\d+$/)
  const dir = e2e?.dataDirectory
  await e2e?.close()
  if (dir) expect(existsSync(dir)).toBe(false)
}, 30_000)

describe('end to end through a real PDS', () => {
  it('listens on 127.0.0.1 only', async () => {
    // The harness's servers plus whatever our runtime and the PDS keep open.
    const addresses = ownListeningAddresses()
    expect(addresses.length).toBeGreaterThanOrEqual(3)
    for (const address of addresses) expect(address).toMatch(/^127\.0\.0\.1:\d+$/)
    for (const url of [e2e.plc.url, e2e.pds.url, e2e.chat.url]) {
      expect(addresses).toContain(`127.0.0.1:${new URL(url).port}`)
    }
  })

  it('publishes the chat service as a did:web with a #bsky_chat service entry', async () => {
    expect(e2e.chat.did).toMatch(/^did:web:localhost%3A\d+$/)
    const res = await fetch(`${e2e.chat.url}/.well-known/did.json`)
    const doc = (await res.json()) as { id: string; service: unknown[] }
    expect(doc.id).toBe(e2e.chat.did)
    expect(doc.service).toEqual([{ id: '#bsky_chat', type: 'BskyChatService', serviceEndpoint: e2e.chat.url }])
  })

  it('registered the accounts in the PLC directory with their handles', async () => {
    const res = await fetch(`${e2e.plc.url}/${encodeURIComponent(alice.did)}`)
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { alsoKnownAs: string[] }
    expect(doc.alsoKnownAs).toEqual(['at://alice.test'])
  })

  it('opens a convo, sends a message and reads it back, through the PDS with verified service auth', async () => {
    const aliceChat = clientFor(alice)
    const bobChat = clientFor(bob)

    const convo = await chatBskyConvoGetConvoForMembers(aliceChat, { members: [bob.did] })
    if (!convo.ok) throw convo.error
    expectVerified('chat.bsky.convo.getConvoForMembers', alice)
    const convoId = convo.value.convo.id
    expect(convo.value.convo.members.map((m) => [m.did, m.handle]).sort()).toEqual(
      [
        [alice.did, 'alice.test'],
        [bob.did, 'bob.test'],
      ].sort(),
    )

    const sent = await chatBskyConvoSendMessage(aliceChat, { convoId, message: { text: 'hello bob, via the PDS' } })
    if (!sent.ok) throw sent.error
    expectVerified('chat.bsky.convo.sendMessage', alice)
    expect(sent.value).toMatchObject({ text: 'hello bob, via the PDS', sender: { did: alice.did } })

    // Bob, with his own session, sees alice's message in the same convo.
    const messages = await chatBskyConvoGetMessages(bobChat, { convoId })
    if (!messages.ok) throw messages.error
    expectVerified('chat.bsky.convo.getMessages', bob)
    expect(messages.value.messages).toEqual([
      expect.objectContaining({ $type: 'chat.bsky.convo.defs#messageView', id: sent.value.id, text: 'hello bob, via the PDS', sender: { did: alice.did } }),
    ])

    const convos = await chatBskyConvoListConvos(bobChat)
    if (!convos.ok) throw convos.error
    expectVerified('chat.bsky.convo.listConvos', bob)
    expect(convos.value.convos.map((c) => c.id)).toEqual([convoId])
    expect(convos.value.convos[0]?.lastMessage).toMatchObject({ id: sent.value.id })
  })

  it('pages through messages, the cursor surviving the proxy', async () => {
    const aliceChat = clientFor(alice)
    const convo = await chatBskyConvoGetConvoForMembers(aliceChat, { members: [bob.did] })
    if (!convo.ok) throw convo.error
    const convoId = convo.value.convo.id
    for (const text of ['one', 'two', 'three']) {
      const sent = await chatBskyConvoSendMessage(aliceChat, { convoId, message: { text } })
      if (!sent.ok) throw sent.error
    }
    const first = await chatBskyConvoGetMessages(clientFor(bob), { convoId, limit: 2 })
    if (!first.ok) throw first.error
    const texts: string[] = []
    for await (const item of first.value.allItems()) texts.push((item as { text: string }).text)
    expect(texts).toEqual(['three', 'two', 'one', 'hello bob, via the PDS'])
  })

  it("logs in, refreshes and logs out with the runtime's CredentialSession, chatting through session.core", async () => {
    const events: string[] = []
    const session = new CredentialSession({
      service: e2e.pds.url,
      proxy: e2e.chat.proxy,
      retries: false,
      onSessionChange: (_data, event) => void events.push(event),
    })
    const data = await session.login({ identifier: 'bob.test', password: bob.password })
    expect(data).toMatchObject({ did: bob.did, handle: 'bob.test' })

    const before = await chatBskyConvoListConvos(session.core)
    if (!before.ok) throw before.error
    expectVerified('chat.bsky.convo.listConvos', bob)

    // A real refreshSession on the PDS: new tokens, and the chat calls go on with them.
    // (Compare refresh tokens: they carry a unique jti, while an access token minted within
    // the same second as the previous one can come out byte-identical.)
    const { accessJwt: oldAccess, refreshJwt: oldRefresh } = data
    expect(await session.refresh(oldAccess)).toBe(true)
    expect(session.session?.refreshJwt).not.toBe(oldRefresh)
    const after = await chatBskyConvoListConvos(session.core)
    if (!after.ok) throw after.error
    expect(after.value.convos.map((c) => c.id)).toEqual(before.value.convos.map((c) => c.id))

    await session.logout()
    expect(session.session).toBeUndefined()
    expect(events).toEqual(['create', 'refresh', 'logout'])
  })

  it('is refused by the PDS without a token or with a bad one, before reaching the chat service', async () => {
    const before = { verified: e2e.chat.verified.length, rejected: e2e.chat.rejected.length }

    const anonymous = await chatBskyConvoListConvos(clientFor(alice, null))
    expect(anonymous.ok).toBe(false)
    if (!anonymous.ok) {
      expect(anonymous.error).toBeInstanceOf(AuthenticationRequiredError)
      expect(anonymous.error).toMatchObject({ status: 401, error: 'AuthMissing' }) // the PDS's name for it
    }

    const forged = await chatBskyConvoListConvos(clientFor(alice, `${alice.accessJwt.slice(0, -4)}AAAA`))
    expect(forged.ok).toBe(false)
    if (!forged.ok) expect(forged.error).toMatchObject({ error: 'InvalidToken' })

    expect(e2e.chat.verified.length).toBe(before.verified)
    expect(e2e.chat.rejected.length).toBe(before.rejected)
  })

  /** An app password for `account`, with direct-message access (`privileged`) or without. */
  async function appPassword(account: Account, privileged: boolean): Promise<string> {
    const created = await xrpc('POST', e2e.pds.url, 'com.atproto.server.createAppPassword', {
      token: account.accessJwt,
      body: { name: `e2e-${privileged ? 'dm' : 'plain'}-${Date.now()}`, privileged },
    })
    expect(created.status, JSON.stringify(created.body)).toBe(200)
    return created.body.password as string
  }

  it('refuses chat to a plain app password (no direct-message access), before reaching the chat service', async () => {
    const session = new CredentialSession({ service: e2e.pds.url, proxy: e2e.chat.proxy, retries: false })
    await session.login({ identifier: alice.handle, password: await appPassword(alice, false) })
    const before = e2e.chat.verified.length
    const result = await chatBskyConvoListConvos(session.core)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toMatchObject({ status: 400, error: 'InvalidToken', message: 'Bad token method' })
    expect(e2e.chat.verified.length).toBe(before)
  })

  it('chats with an app password created with direct-message access (privileged), through the PDS', async () => {
    const session = new CredentialSession({ service: e2e.pds.url, proxy: e2e.chat.proxy, retries: false })
    await session.login({ identifier: alice.handle, password: await appPassword(alice, true) })
    const convo = await chatBskyConvoGetConvoForMembers(session.core, { members: [bob.did] })
    if (!convo.ok) throw convo.error
    expectVerified('chat.bsky.convo.getConvoForMembers', alice)
    const sent = await chatBskyConvoSendMessage(session.core, { convoId: convo.value.convo.id, message: { text: 'sent with an app password' } })
    if (!sent.ok) throw sent.error
    expectVerified('chat.bsky.convo.sendMessage', alice)
    await session.logout()
  })

  it("chats through @atproto/api's CredentialSession as the session manager of a Core (fetchHandler), no service given", async () => {
    const manager = new AtpCredentialSession(new URL(e2e.pds.url))
    await manager.login({ identifier: bob.handle, password: bob.password })
    const core = new Core(withDefaults({ auth: manager, proxy: e2e.chat.proxy, retries: false, validation }))
    const convo = await chatBskyConvoGetConvoForMembers(core, { members: [alice.did] })
    if (!convo.ok) throw convo.error
    expectVerified('chat.bsky.convo.getConvoForMembers', bob)
    const sent = await chatBskyConvoSendMessage(core, { convoId: convo.value.convo.id, message: { text: 'via a session manager' } })
    if (!sent.ok) throw sent.error
    expectVerified('chat.bsky.convo.sendMessage', bob)
    expect(sent.value.sender.did).toBe(bob.did)

    // A typed error from the chat service, through the PDS, with no token in it or in the Core.
    const missing = await chatBskyConvoGetMessages(core, { convoId: 'no-such-convo' })
    expect(missing.ok).toBe(false)
    if (!missing.ok) {
      expect(missing.error.status).toBe(400)
      expect(inspect(missing.error, { depth: 5 })).not.toContain(manager.session!.accessJwt)
    }
    expect(inspect(core, { depth: 5 })).not.toContain(manager.session!.accessJwt)

    // A plain app password through the same kind of session manager is still refused by the PDS.
    const plain = new AtpCredentialSession(new URL(e2e.pds.url))
    await plain.login({ identifier: bob.handle, password: await appPassword(bob, false) })
    const refused = await chatBskyConvoListConvos(new Core({ auth: plain, proxy: e2e.chat.proxy }))
    expect(refused.ok).toBe(false)
    if (!refused.ok) expect(refused.error).toMatchObject({ status: 400, error: 'InvalidToken', message: 'Bad token method' })
  })

  it('the chat service itself rejects tokens it cannot verify for the method', async () => {
    const direct = (token: string) => new Core(withDefaults({ service: e2e.chat.url, auth: token, proxy: false, retries: false }))
    const serviceAuth = async (aud: string, lxm: string) => {
      const res = await xrpc('GET', e2e.pds.url, 'com.atproto.server.getServiceAuth', { token: alice.accessJwt, params: { aud, lxm } })
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return res.body.token as string
    }
    const lastRejection = () => e2e.chat.rejected.at(-1)?.error

    // A service token the PDS minted for listConvos is accepted for listConvos...
    const listToken = await serviceAuth(e2e.chat.did, 'chat.bsky.convo.listConvos')
    const ok = await chatBskyConvoListConvos(direct(listToken))
    expect(ok.ok).toBe(true)
    expectVerified('chat.bsky.convo.listConvos', alice)

    // ...but not for another method,
    const wrongMethod = await chatBskyConvoGetConvoForMembers(direct(listToken), { members: [bob.did] })
    expect(wrongMethod.ok).toBe(false)
    if (!wrongMethod.ok) expect(wrongMethod.error).toMatchObject({ status: 401, error: 'BadJwtLexiconMethod' })

    // nor when minted for another audience,
    const otherAud = await chatBskyConvoListConvos(direct(await serviceAuth('did:web:elsewhere.test', 'chat.bsky.convo.listConvos')))
    expect(otherAud.ok).toBe(false)
    if (!otherAud.ok) expect(otherAud.error).toMatchObject({ status: 401, error: 'BadJwtAudience' })

    // nor with its claims rewritten (the signature no longer matches alice's key in the PLC),
    const [header, payload, signature] = listToken.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
    const tampered = [header, Buffer.from(JSON.stringify({ ...claims, lxm: 'chat.bsky.convo.getConvoForMembers' })).toString('base64url'), signature].join('.')
    const forged = await chatBskyConvoGetConvoForMembers(direct(tampered), { members: [bob.did] })
    expect(forged.ok).toBe(false)
    if (!forged.ok) expect(forged.error).toMatchObject({ status: 401, error: 'BadJwtSignature' })
    expect(lastRejection()).toBe('BadJwtSignature')

    // nor is the user's PDS access token a service token,
    const accessToken = await chatBskyConvoListConvos(direct(alice.accessJwt))
    expect(accessToken.ok).toBe(false)
    if (!accessToken.ok) expect(accessToken.error.status).toBe(401)

    // and no token at all is refused too.
    const none = await chatBskyConvoListConvos(new Core(withDefaults({ service: e2e.chat.url, proxy: false, retries: false })))
    expect(none.ok).toBe(false)
    if (!none.ok) expect(none.error).toMatchObject({ status: 401, error: 'AuthenticationRequired' })
  })
})

/**
 * OAuth end to end: a real `@atproto/oauth-client-node` session (DPoP-bound tokens) from the PDS's
 * own OAuth provider (oauth.ts drives the user's part) as the auth of a `Core`. The PDS checks the
 * token's scopes and proxies the chat calls with service auth.
 */
describe('an OAuth session (DPoP) as the auth of a Core, through the real PDS', () => {
  it('chats with the transitional chat scope: the PDS proxies with service auth, no service URL given', async () => {
    const session = await oauthSession(e2e, alice, 'atproto transition:generic transition:chat.bsky')
    const info = await session.getTokenInfo()
    expect(info.scope).toContain('transition:chat.bsky')
    const core = new Core(withDefaults({ auth: session, proxy: e2e.chat.proxy, retries: false, validation }))

    const convo = await chatBskyConvoGetConvoForMembers(core, { members: [bob.did] })
    if (!convo.ok) throw convo.error
    expect(e2e.chat.verified.at(-1)).toEqual({ nsid: 'chat.bsky.convo.getConvoForMembers', iss: alice.did, aud: e2e.chat.did, lxm: 'chat.bsky.convo.getConvoForMembers' })
    const sent = await chatBskyConvoSendMessage(core, { convoId: convo.value.convo.id, message: { text: 'hello over OAuth' } })
    if (!sent.ok) throw sent.error
    expect(sent.value).toMatchObject({ text: 'hello over OAuth', sender: { did: alice.did } })
    expect(e2e.chat.verified.at(-1)).toMatchObject({ nsid: 'chat.bsky.convo.sendMessage', iss: alice.did })
    // The DPoP-bound token never shows in the Core.
    expect(inspect(core, { depth: 6 })).not.toMatch(/eyJ[\w-]+\.[\w-]+\./)
  })

  it('chats with granular rpc scopes, and is refused a method the token was not granted', async () => {
    const scope = 'atproto rpc:chat.bsky.convo.getConvoForMembers?aud=* rpc:chat.bsky.convo.sendMessage?aud=*'
    const session = await oauthSession(e2e, bob, scope)
    const core = new Core({ auth: session, proxy: e2e.chat.proxy })
    const convo = await chatBskyConvoGetConvoForMembers(core, { members: [alice.did] })
    if (!convo.ok) throw convo.error
    const sent = await chatBskyConvoSendMessage(core, { convoId: convo.value.convo.id, message: { text: 'granular' } })
    if (!sent.ok) throw sent.error
    expect(e2e.chat.verified.at(-1)).toMatchObject({ nsid: 'chat.bsky.convo.sendMessage', iss: bob.did })

    const before = e2e.chat.verified.length
    const listed = await chatBskyConvoListConvos(core)
    expect(listed.ok).toBe(false)
    const error = (listed as { error: XrpcError }).error
    expect(error).toBeInstanceOf(ForbiddenError)
    expect(error.message).toBe('Missing required scope "rpc:chat.bsky.convo.listConvos?aud=' + e2e.chat.did + '"')
    expect(e2e.chat.verified.length).toBe(before)
  })

  it('pins what this PDS (0.4.217) does with an rpc scope naming the service (`did#bsky_chat`): it checks the bare DID, so it refuses', async () => {
    // atproto's permission spec gives rpc audiences as `did#service`, as permission sets inherit them
    // (include:chat.bsky.authFullChatClient?aud=…); this PDS compares the proxy DID without its
    // fragment. When a newer PDS accepts this, the README's note on older PDSes can go.
    const scope = `atproto rpc:chat.bsky.convo.listConvos?aud=${encodeURIComponent(e2e.chat.proxy)}`
    const session = await oauthSession(e2e, alice, scope)
    expect((await session.getTokenInfo()).scope).toContain('rpc:chat.bsky.convo.listConvos')
    const listed = await chatBskyConvoListConvos(new Core({ auth: session, proxy: e2e.chat.proxy }))
    expect(listed.ok).toBe(false)
    expect((listed as { error: XrpcError }).error).toMatchObject({ status: 403, message: `Missing required scope "rpc:chat.bsky.convo.listConvos?aud=${e2e.chat.did}"` })
  })

  it('without a chat scope, the PDS refuses to proxy chat calls', async () => {
    const session = await oauthSession(e2e, alice, 'atproto')
    const listed = await chatBskyConvoListConvos(new Core({ auth: session, proxy: e2e.chat.proxy }))
    expect(listed.ok).toBe(false)
    expect((listed as { error: XrpcError }).error.status).toBe(403)
  })
})

describe('examples/chat.ts, the program written from the generated docs', () => {
  const run = promisify(execFile)

  /** Runs the example as a reader would, logging in as alice through the real PDS. */
  async function example(convoId: string, text: string) {
    const env = {
      ...process.env,
      ATPROTO_SERVICE: e2e.pds.url,
      ATPROTO_IDENTIFIER: alice.handle,
      ATPROTO_PASSWORD: alice.password,
      ATPROTO_CHAT_PROXY: e2e.chat.proxy,
    }
    const args = ['--conditions=lexgen-source', '--import', 'tsx', 'examples/chat.ts', convoId, text]
    return run(process.execPath, args, { cwd: join(import.meta.dirname, '../..'), env, timeout: 60_000 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    )
  }

  it('logs in, lists conversations page by page, sends a message, and reports a locked conversation', async () => {
    // Twelve convos for alice besides the one with bob: two pages of ten.
    const aliceChat = clientFor(alice)
    const withBob = await chatBskyConvoGetConvoForMembers(aliceChat, { members: [bob.did] })
    if (!withBob.ok) throw withBob.error
    for (let i = 0; i < 12; i++) {
      const made = await chatBskyConvoGetConvoForMembers(aliceChat, { members: [`did:plc:examplepeer${String(i).padStart(4, '0')}`] })
      if (!made.ok) throw made.error
    }
    const convoId = withBob.value.convo.id
    const before = e2e.chat.verified.length

    const sent = await example(convoId, 'hello bob, from the example')
    expect(sent.stderr).toBe('')
    expect(sent.code).toBe(0)
    const lines = sent.stdout.trim().split('\n')
    expect(lines[0]).toBe('logged in as alice.test')
    expect(lines.filter((line) => line.startsWith('page '))).toEqual(['page 1: 10 conversations', expect.stringMatching(/^page 2: \d+ conversations$/)])
    expect(lines.some((line) => line.startsWith(`  ${convoId}  `) && line.includes('bob.test'))).toBe(true)
    expect(lines.at(-1)).toMatch(new RegExp(`^sent msg-\\d+ to ${convoId}$`))
    // Every chat call went through the PDS with verified service auth, as alice.
    const calls = e2e.chat.verified.slice(before)
    expect(calls.map((c) => c.nsid)).toEqual(['chat.bsky.convo.listConvos', 'chat.bsky.convo.listConvos', 'chat.bsky.convo.sendMessage'])
    expect(calls.every((c) => c.iss === alice.did)).toBe(true)

    // Bob locks the convo; the example now says so and exits 1, without a stack trace.
    const lock = await chatBskyConvoLockConvo(clientFor(bob), { convoId })
    if (!lock.ok) throw lock.error
    const locked = await example(convoId, 'are you there?')
    expect(locked.code).toBe(1)
    expect(locked.stderr).toBe('')
    expect(locked.stdout.trim().split('\n').at(-1)).toBe(`not sent: conversation ${convoId} is locked (Convo is locked)`)
  })
})
