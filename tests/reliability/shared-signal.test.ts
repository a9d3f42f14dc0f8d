/**
 * A bot's shutdown signal, handed to every call: what the runtime leaves on it. Against the real
 * @atproto/xrpc-server (xrpc-server.ts), with each transport: node:http (the default), fetch, and
 * an undici dispatcher; through the Client (retries, timeout) and through a bare Core (no layers,
 * where the caller's signal reaches the transport itself).
 *
 * - Calls in flight together add one 'abort' listener to the signal, not one each: with one per
 *   call, 11 concurrent calls made Node print "MaxListenersExceededWarning: Possible EventTarget
 *   memory leak detected" on every transport, though each call removed its listener when it ended.
 * - No listener stays once a call ends: Node's fetch removed the one it added to a caller's signal
 *   only when the request was garbage-collected (989 listeners on the signal after 2,000 calls).
 * - The same holds for calls waiting to retry (a 503 asking for 30 s) and for calls waiting for
 *   one session refresh.
 * - The one listener still aborts every call in flight.
 *
 * Ordered by the server (it holds the calls until all have arrived), never by time.
 */
import { getEventListeners } from 'node:events'
import { Agent } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Core, type CoreConfig, type XrpcError } from '@lexgen/runtime'
import { Client } from '../../generated/client.js'
import { chatBskyConvoGetConvo } from '../../generated/index.js'
import { CredentialSession } from '../../generated/session.js'
import { send as fetchSend } from '../../runtime/transport/fetch.js'
import { startChatServer, TEST_TOKEN, type ChatServer } from '../helpers/xrpc-server.js'
import { settle, trackUnhandledRejections } from './support/guards.js'

const CONCURRENT = 20
let server: ChatServer
let convoId: string
const dispatcher = new Agent()
const rejections = trackUnhandledRejections()
const warnings: string[] = []
const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`)

beforeAll(async () => {
  server = await startChatServer()
  convoId = (server.store.getConvoForMembers(['did:plc:friend'], 'accepted').convo as { id: string }).id
  process.on('warning', onWarning)
})
afterAll(async () => {
  process.off('warning', onWarning)
  rejections.stop()
  server.intercept(undefined)
  await server.close()
  await dispatcher.close()
})

const transports: Record<string, () => Partial<CoreConfig>> = {
  'node:http': () => ({}),
  fetch: () => ({ transport: fetchSend }),
  'an undici dispatcher': () => ({ dispatcher }),
}

/** Resolves once `count` calls have been told of a failed attempt (the hooks layer reports it before a retry or a refresh waits). */
function failures(count: number): { onError: () => void; seen: Promise<void> } {
  let seen = 0
  let all!: () => void
  return { onError: () => void (++seen === count && all()), seen: new Promise<void>((resolve) => (all = resolve)) }
}

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length

/**
 * Holds every getConvo until `count` have arrived, then calls `whenAll` (which may release them
 * with the function it gets, or leave them held) and resolves to what it returned.
 */
function holdUntil<T>(count: number, whenAll: (release: () => void) => T): Promise<T> {
  return new Promise((resolve) => {
    const held: (() => void)[] = []
    server.intercept((req, _res, route) => {
      if (!req.url?.includes('chat.bsky.convo.getConvo?')) return route()
      held.push(route)
      if (held.length === count) resolve(whenAll(() => held.splice(0).forEach((release) => release())))
    })
  })
}

describe.each(Object.keys(transports))('one signal shared by every call, over %s', (name) => {
  const config = transports[name]!

  it.each(['Client', 'bare Core'])('%s: 20 calls in flight put one listener on it, and none stays', async (kind) => {
    warnings.length = 0
    const signal = new AbortController().signal
    const client = new Client({ service: server.url, auth: TEST_TOKEN, ...config() })
    const core = new Core({ service: server.url, auth: TEST_TOKEN, ...config() })
    const inFlight = holdUntil(CONCURRENT, (release) => {
      const seen = listeners(signal)
      release()
      return seen
    })
    const calls = Array.from({ length: CONCURRENT }, () =>
      kind === 'Client' ? client.chat.bsky.convo.getConvo({ convoId }, { signal }) : chatBskyConvoGetConvo(core, { convoId }, { signal }).then((r) => (r.ok ? r.value : Promise.reject(r.error))),
    )
    expect(await inFlight).toBe(1)
    const outputs = await Promise.all(calls)
    expect(outputs.map((output) => output.convo.id)).toEqual(Array(CONCURRENT).fill(convoId))
    expect(listeners(signal)).toBe(0)
    // One after another, each call leaves nothing behind (fetch's listener waited for a GC).
    server.intercept(undefined)
    for (let i = 0; i < 5; i++) {
      expect((await chatBskyConvoGetConvo(core, { convoId }, { signal })).ok).toBe(true)
      expect(listeners(signal)).toBe(0)
    }
    await settle()
    expect(warnings).toEqual([])
    expect(rejections.seen).toEqual([])
  })

  it.each(['Client', 'bare Core'])('%s: aborting it ends every call in flight with an AbortError', async (kind) => {
    const controller = new AbortController()
    const { signal } = controller
    const client = new Client({ service: server.url, auth: TEST_TOKEN, ...config() })
    const core = new Core({ service: server.url, auth: TEST_TOKEN, ...config() })
    const arrived = holdUntil(CONCURRENT, () => undefined)
    const calls = Array.from({ length: CONCURRENT }, () =>
      kind === 'Client'
        ? client.chat.bsky.convo.getConvo({ convoId }, { signal }).then(
            () => undefined,
            (error: XrpcError) => error,
          )
        : chatBskyConvoGetConvo(core, { convoId }, { signal }).then((r) => (r.ok ? undefined : r.error)),
    )
    await arrived
    controller.abort(new Error('shutting down'))
    const errors = await Promise.all(calls)
    expect(errors.map((error) => error?.name)).toEqual(Array(CONCURRENT).fill('AbortError'))
    expect(errors.every((error) => (error?.cause as Error | undefined)?.message === 'shutting down')).toBe(true)
    expect(listeners(signal)).toBe(0)
    server.intercept(undefined)
    await settle()
    expect(rejections.seen).toEqual([])
  })
})

describe('calls that wait, sharing one signal', () => {
  it('20 calls waiting to retry put one listener on it; aborting it ends them all', async () => {
    warnings.length = 0
    const controller = new AbortController()
    const { signal } = controller
    const failed = failures(CONCURRENT)
    const client = new Client({ service: server.url, auth: TEST_TOKEN, onError: failed.onError })
    server.intercept((req, res, route) => {
      if (!req.url?.includes('chat.bsky.convo.getConvo?')) return route()
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' })
      res.end('{"error":"Unavailable","message":"come back later"}')
    })
    const calls = Array.from({ length: CONCURRENT }, () => client.chat.bsky.convo.getConvo({ convoId }, { signal }).catch((error: XrpcError) => error))
    await failed.seen
    // Each call goes from its hook to its backoff within the same turn of promises.
    await settle()
    expect(listeners(signal)).toBe(1)
    controller.abort(new Error('shutting down'))
    const errors = await Promise.all(calls)
    expect(errors.map((error) => (error as XrpcError).message)).toEqual(Array(CONCURRENT).fill('chat.bsky.convo.getConvo was aborted while waiting to retry'))
    expect(listeners(signal)).toBe(0)
    server.intercept(undefined)
    await settle()
    expect(warnings).toEqual([])
    expect(rejections.seen).toEqual([])
  })

  it('20 calls waiting for one session refresh put one listener on it, and none stays', async () => {
    warnings.length = 0
    const { signal } = new AbortController()
    const failed = failures(CONCURRENT)
    const session = new CredentialSession({ service: server.url, onError: failed.onError })
    await session.login({ identifier: 'viewer.test', password: 'hunter2' })
    const client = new Client(session.core)
    server.sessions.expireAccessTokens()
    // The one refresh is held until every call waits for it.
    const refreshing = new Promise<() => void>((resolve) =>
      server.intercept((req, _res, route) => (req.url?.includes('com.atproto.server.refreshSession') ? resolve(route) : route())),
    )
    const calls = Array.from({ length: CONCURRENT }, () => client.chat.bsky.convo.getConvo({ convoId }, { signal }))
    const [refresh] = await Promise.all([refreshing, failed.seen])
    await settle()
    expect(listeners(signal)).toBe(1)
    server.intercept(undefined)
    refresh()
    const outputs = await Promise.all(calls)
    expect(outputs.map((output) => output.convo.id)).toEqual(Array(CONCURRENT).fill(convoId))
    expect(listeners(signal)).toBe(0)
    await settle()
    expect(warnings).toEqual([])
    expect(rejections.seen).toEqual([])
  })
})
