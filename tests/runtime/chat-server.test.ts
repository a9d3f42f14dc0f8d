/**
 * The runtime against a real `@atproto/xrpc-server` built from the same lexicons, through the
 * generated functions and client: headers on the wire, encoding, lexicon validation on the
 * server side, declared errors, auth errors and the two calling styles.
 */
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  AuthenticationRequiredError,
  BSKY_CHAT_PROXY,
  Core,
  ExpiredTokenError,
  InvalidRequestError,
  InvalidTokenError,
  XrpcError,
  XrpcResponseError,
  type ErrorContext,
  withDefaults,
} from '@lexgen/runtime'
import { Client } from '../../generated/client.js'
import { chatBskyConvoGetConvo, InvalidConvoError } from '../../generated/chat/bsky/convo/getConvo.js'
import { chatBskyConvoGetConvoForMembers } from '../../generated/chat/bsky/convo/getConvoForMembers.js'
import { chatBskyConvoListConvos } from '../../generated/chat/bsky/convo/listConvos.js'
import { ConvoLockedError, chatBskyConvoSendMessage } from '../../generated/chat/bsky/convo/sendMessage.js'
import { generatedMethod, OTHER_DID, sampleArgs, seedConvo, type Seeded } from '../helpers/convo-calls.js'
import { convoMethods, EXPIRED_TOKEN, loadLexicons, startChatServer, TEST_TOKEN, type ChatServer } from '../helpers/xrpc-server.js'

let server: ChatServer
let seeded: Seeded
let core: Core

beforeEach(async () => {
  server = await startChatServer()
  seeded = seedConvo(server)
  core = new Core(withDefaults({ service: server.url, auth: TEST_TOKEN }))
})

afterEach(async () => {
  await server.close()
})

const methodNames = convoMethods().map((nsid) => nsid.slice('chat.bsky.convo.'.length))

function valueOf<T>(result: { ok: true; value: T } | { ok: false; error: XrpcError }): T {
  if (!result.ok) throw result.error
  return result.value
}

describe('requests pass the server-side lexicon validation', () => {
  it('covers all 22 chat.bsky.convo methods', () => {
    expect(methodNames).toHaveLength(22)
  })

  it.each(methodNames)('%s', async (name) => {
    const { method, call } = generatedMethod(name)
    const result = await call(core, sampleArgs(name, seeded))
    if (!result.ok) throw result.error
    expect(result.response.status).toBe(200)
    const request = server.last(method.nsid)!
    expect(request.method).toBe(method.type === 'query' ? 'GET' : 'POST')
    expect(request.headers['content-type']).toBe(method.type === 'procedure' ? 'application/json' : undefined)
  })

  it('is really enforced: an out-of-range limit is rejected by the server as InvalidRequest', async () => {
    const result = await chatBskyConvoListConvos(core, { limit: 1000 })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toBeInstanceOf(InvalidRequestError)
    expect(result.error.message).toMatch(/limit/)
  })
})

describe('headers the server received', () => {
  it('sends the chat proxy and the bearer token by default', async () => {
    valueOf(await chatBskyConvoGetConvo(core, { convoId: seeded.convoId }))
    const { headers } = server.last('chat.bsky.convo.getConvo')!
    expect(headers['atproto-proxy']).toBe(BSKY_CHAT_PROXY)
    expect(headers.authorization).toBe(`Bearer ${TEST_TOKEN}`)
  })

  it('lets a call override the proxy, or switch it off', async () => {
    valueOf(await chatBskyConvoGetConvo(core, { convoId: seeded.convoId }, { proxy: 'did:web:chat.example.com#bsky_chat' }))
    expect(server.last('chat.bsky.convo.getConvo')!.headers['atproto-proxy']).toBe('did:web:chat.example.com#bsky_chat')
    valueOf(await chatBskyConvoGetConvo(core, { convoId: seeded.convoId }, { proxy: false }))
    expect(server.last('chat.bsky.convo.getConvo')!.headers).not.toHaveProperty('atproto-proxy')
  })

  it('uses the client proxy for every call; a call can still choose its own', async () => {
    const noProxy = new Core(withDefaults({ service: server.url, auth: TEST_TOKEN, proxy: false }))
    valueOf(await chatBskyConvoGetConvo(noProxy, { convoId: seeded.convoId }))
    expect(server.last('chat.bsky.convo.getConvo')!.headers).not.toHaveProperty('atproto-proxy')
    valueOf(await chatBskyConvoGetConvo(noProxy, { convoId: seeded.convoId }, { proxy: BSKY_CHAT_PROXY }))
    expect(server.last('chat.bsky.convo.getConvo')!.headers['atproto-proxy']).toBe(BSKY_CHAT_PROXY)

    const custom = new Core(withDefaults({ service: server.url, auth: TEST_TOKEN, proxy: 'did:plc:abc123#chat' }))
    valueOf(await chatBskyConvoGetConvo(custom, { convoId: seeded.convoId }))
    expect(server.last('chat.bsky.convo.getConvo')!.headers['atproto-proxy']).toBe('did:plc:abc123#chat')
  })

  it('resolves an auth function before every call', async () => {
    const tokens = [TEST_TOKEN, EXPIRED_TOKEN]
    let calls = 0
    const rotating = new Core(withDefaults({ service: server.url, auth: async () => tokens[calls++] }))
    expect((await chatBskyConvoGetConvo(rotating, { convoId: seeded.convoId })).ok).toBe(true)
    const second = await chatBskyConvoGetConvo(rotating, { convoId: seeded.convoId })
    expect(second.ok ? undefined : second.error).toBeInstanceOf(ExpiredTokenError)
    expect(calls).toBe(2)
  })

  it('sends client and per-call headers, the per-call value winning', async () => {
    const withHeaders = new Core(withDefaults({ service: server.url, auth: TEST_TOKEN, headers: { 'X-Client': 'a', 'x-both': 'client' } }))
    valueOf(await chatBskyConvoGetConvo(withHeaders, { convoId: seeded.convoId }, { headers: { 'X-Both': 'call', 'x-call': 'b' } }))
    const { headers } = server.last('chat.bsky.convo.getConvo')!
    expect(headers).toMatchObject({ 'x-client': 'a', 'x-both': 'call', 'x-call': 'b' })
  })
})

describe('encoding', () => {
  it('sends arrays as repeated keys (getConvoForMembers)', async () => {
    const members = ['did:plc:alice', 'did:plc:bob']
    const { convo } = valueOf(await chatBskyConvoGetConvoForMembers(core, { members }))
    const query = new URL(server.last('chat.bsky.convo.getConvoForMembers')!.url, server.url).searchParams
    expect(query.getAll('members')).toEqual(members)
    expect(convo.members.map((m) => m.did).sort()).toEqual(['did:plc:alice', 'did:plc:bob', 'did:plc:viewer'])
  })

  it('round-trips a cursor containing &, =, #, +, %, / and spaces through every page', async () => {
    for (let i = 0; i < 4; i++) server.store.getConvoForMembers([`did:plc:member${i}`])
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = valueOf(await chatBskyConvoListConvos(core, { limit: 2, cursor }))
      seen.push(...page.convos.map((c) => c.id))
      if (page.cursor !== undefined) expect(page.cursor).toMatch(/&.*=.*#.* /)
      cursor = page.cursor
    } while (cursor !== undefined)
    expect(seen).toHaveLength(5)
    expect(new Set(seen).size).toBe(5)
    expect(server.last('chat.bsky.convo.listConvos')!.url).toContain('%26order%3Ddesc%23page')
  })

  it('encodes integers and booleans as strings and omits undefined params', async () => {
    valueOf(await generatedMethod('getUnreadCounts').call(core, { includeGroupChats: false }))
    expect(server.last('chat.bsky.convo.getUnreadCounts')!.url).toMatch(/\?includeGroupChats=false$/)
    valueOf(await chatBskyConvoListConvos(core, { limit: 3, cursor: undefined, status: 'accepted' }))
    expect(server.last('chat.bsky.convo.listConvos')!.url).toMatch(/\?limit=3&status=accepted$/)
  })

  it('sends an empty JSON object for an omitted optional input (updateAllRead)', async () => {
    const client = new Client(core)
    // The seeded convo has one unread message from the other member.
    await expect(client.chat.bsky.convo.updateAllRead()).resolves.toEqual({ updatedCount: 1 })
  })
})

describe('the in-memory store behind the server', () => {
  it('send, get, react, mute, leave and list change what later calls see', async () => {
    const convo = new Client(core).chat.bsky.convo
    const sent = await convo.sendMessage({ convoId: seeded.convoId, message: { text: 'ping' } })
    expect(sent.text).toBe('ping')

    const { messages } = await convo.getMessages({ convoId: seeded.convoId })
    expect(messages.map((m) => (m as { text?: string }).text)).toEqual(['ping', 'hello from other'])

    const reacted = await convo.addReaction({ convoId: seeded.convoId, messageId: sent.id, value: '🎉' })
    expect(reacted.message.reactions?.map((r) => r.value)).toEqual(['🎉'])
    const unreacted = await convo.removeReaction({ convoId: seeded.convoId, messageId: sent.id, value: '🎉' })
    expect(unreacted.message.reactions).toEqual([])

    expect((await convo.muteConvo({ convoId: seeded.convoId })).convo.muted).toBe(true)
    expect((await convo.getConvo({ convoId: seeded.convoId })).convo.muted).toBe(true)
    expect((await convo.unmuteConvo({ convoId: seeded.convoId })).convo.muted).toBe(false)

    expect((await convo.listConvos()).convos.map((c) => c.id)).toEqual([seeded.convoId])
    await convo.leaveConvo({ convoId: seeded.convoId })
    expect((await convo.listConvos()).convos).toEqual([])
    await expect(convo.getConvo({ convoId: seeded.convoId })).rejects.toBeInstanceOf(InvalidConvoError)
  })
})

describe('lexicon-declared errors arrive as their generated classes', () => {
  const declared = loadLexicons()
    .filter((doc) => doc.id.startsWith('chat.bsky.convo.'))
    .flatMap((doc) => {
      const main = doc.defs.main
      const errors = main && 'errors' in main ? (main.errors ?? []) : []
      return errors.map((e) => [doc.id.slice('chat.bsky.convo.'.length), e.name] as const)
    })

  it('covers every declared error of the convo methods', () => {
    expect(declared.length).toBeGreaterThanOrEqual(30)
  })

  it.each(declared)('%s: %s', async (name, errorName) => {
    const { method, call, exports } = generatedMethod(name)
    server.failNext(method.nsid, { error: errorName, message: `${errorName} happened` })
    const result = await call(core, sampleArgs(name, seeded))
    expect(result.ok).toBe(false)
    if (result.ok) return
    const ErrorClass = exports[`${errorName}Error`] as new (...args: never[]) => XrpcError
    expect(result.error).toBeInstanceOf(ErrorClass)
    expect(result.error).toBeInstanceOf(XrpcResponseError)
    expect(result.error).toMatchObject({ status: 400, error: errorName, message: `${errorName} happened`, nsid: method.nsid, name: `${errorName}Error` })
  })

  it('uses the status class for a name the method does not declare', async () => {
    server.failNext('chat.bsky.convo.getLog', { error: 'ConvoLocked' })
    const result = await generatedMethod('getLog').call(core, {})
    expect(result.ok ? undefined : result.error).toBeInstanceOf(InvalidRequestError)
    expect(result.ok ? undefined : result.error.error).toBe('ConvoLocked')
  })

  it('lets callers branch on the declared error in types', async () => {
    server.store.setLocked(seeded.convoId, true)
    const result = await chatBskyConvoSendMessage(core, { convoId: seeded.convoId, message: { text: 'x' } })
    if (result.ok) throw new Error('expected ConvoLocked')
    const error = result.error
    const narrowed: 'ConvoLocked' | undefined = error instanceof ConvoLockedError ? error.error : undefined
    expect(narrowed).toBe('ConvoLocked')
  })
})

describe('authentication errors and the token', () => {
  async function failWith(auth: string | undefined): Promise<XrpcError> {
    const result = await chatBskyConvoGetConvo(new Core(withDefaults({ service: server.url, ...(auth ? { auth } : {}) })), { convoId: seeded.convoId })
    if (result.ok) throw new Error('expected an auth failure')
    return result.error
  }

  it('maps a missing token to AuthenticationRequired (401)', async () => {
    const error = await failWith(undefined)
    expect(error).toBeInstanceOf(AuthenticationRequiredError)
    expect(error.status).toBe(401)
  })

  it('maps a bad token to InvalidToken (401)', async () => {
    const error = await failWith('not-the-right-token-value')
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error).toBeInstanceOf(AuthenticationRequiredError)
    expect(error).toMatchObject({ status: 401, error: 'InvalidToken' })
    expect(String(error)).not.toContain('not-the-right-token-value')
  })

  it('maps ExpiredToken by name, although the server sends it as 400', async () => {
    const error = await failWith(EXPIRED_TOKEN)
    expect(error).toBeInstanceOf(ExpiredTokenError)
    expect(error).toMatchObject({ status: 400, error: 'ExpiredToken' })
    for (const text of [error.message, String(error), error.stack ?? '', inspect(error, { depth: 5 })]) expect(text).not.toContain(EXPIRED_TOKEN)
  })

  it('keeps the token out of errors, hook contexts and an inspected Core', async () => {
    const seen: unknown[] = []
    const hooked = new Core(withDefaults({
      service: server.url,
      auth: TEST_TOKEN,
      onRequest: (c) => seen.push(c),
      onResponse: (c) => seen.push(c),
      onError: (c) => seen.push(c),
    }))
    server.failNext('chat.bsky.convo.getConvo', { error: 'InvalidConvo' })
    const result = await chatBskyConvoGetConvo(hooked, { convoId: seeded.convoId })
    expect(result.ok).toBe(false)
    expect(seen).toHaveLength(3)
    expect(JSON.stringify(seen)).not.toContain(TEST_TOKEN)
    expect(inspect(seen, { depth: 10 })).not.toContain(TEST_TOKEN)
    expect(inspect(hooked, { depth: 10 })).not.toContain(TEST_TOKEN)
    expect(server.last('chat.bsky.convo.getConvo')!.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`)
  })
})

describe('two calling styles over one core', () => {
  it('the standalone function resolves to a Result on a server error, never rejects', async () => {
    const promise = chatBskyConvoGetConvo(core, { convoId: 'no-such-convo' })
    await expect(promise).resolves.toMatchObject({ ok: false })
    const result = await promise
    expect(result.ok ? undefined : result.error).toBeInstanceOf(InvalidConvoError)
  })

  it('the standalone function returns the value and the raw response on success', async () => {
    const result = await chatBskyConvoGetConvo(core, { convoId: seeded.convoId })
    expect(result).toMatchObject({ ok: true, value: { convo: { id: seeded.convoId } }, response: { status: 200, attempts: 1 } })
    expect(result.ok && result.response.headers['content-type']).toMatch(/^application\/json/)
  })

  it('the namespaced client rejects with the very error object the call produced', async () => {
    const errors: XrpcError[] = []
    const client = new Client({ service: server.url, auth: TEST_TOKEN, onError: (c: ErrorContext) => errors.push(c.error) })
    const thrown = await client.chat.bsky.convo.getConvo({ convoId: 'no-such-convo' }).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(InvalidConvoError)
    expect(errors).toHaveLength(1)
    expect(thrown).toBe(errors[0])
  })

  it('the namespaced client resolves to the output on success', async () => {
    const client = new Client(core)
    const { convo } = await client.chat.bsky.convo.getConvoForMembers({ members: [OTHER_DID] })
    expect(convo.id).toBe(seeded.convoId)
  })

  it("a method taken off its namespace (destructured, or passed as a callback) still calls through the client's Core", async () => {
    const client = new Client(core)
    const { getConvo } = client.chat.bsky.convo
    expect((await getConvo({ convoId: seeded.convoId })).convo.id).toBe(seeded.convoId)
    const output = await Promise.resolve({ convoId: seeded.convoId }).then(client.chat.bsky.convo.getConvo)
    expect(output.convo.id).toBe(seeded.convoId)
    expect(server.last('chat.bsky.convo.getConvo')!.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`)
  })
})
