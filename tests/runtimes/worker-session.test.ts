/**
 * A `CredentialSession` shared by the requests of a Cloudflare Worker (workerd, through
 * miniflare), against the real `@atproto/xrpc-server` chat server: workerd cancels what a request
 * left pending when it ends, so a refresh started by one request must not strand another.
 */
import type { ServerResponse } from 'node:http'
import { join } from 'node:path'
import * as esbuild from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, ROOT, tempDir } from '../codegen/helpers.js'
import { eventually } from '../helpers/eventually.js'
import { DEFAULT_ACCOUNT, startChatServer, type ChatServer } from '../helpers/xrpc-server.js'

interface Miniflare {
  dispatchFetch(url: string, init: { method: string; body: string; signal?: AbortSignal }): Promise<{ status: number; text(): Promise<string> }>
  dispose(): Promise<void>
}
type MiniflareClass = new (options: { modules: true; modulesRoot: string; scriptPath: string; compatibilityDate: string; compatibilityFlags: string[] }) => Miniflare

let dir: string
let bundle: string
let chat: ChatServer
let convoId: string

beforeAll(async () => {
  dir = await tempDir('lexgen-worker-session-')
  bundle = join(dir, 'worker.js')
  await esbuild.build({
    entryPoints: [join(import.meta.dirname, 'support/session-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['lexgen-source', 'workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    alias: { '@lexgen/runtime/validate': join(ROOT, 'runtime/validate.ts'), '@lexgen/runtime': join(ROOT, 'runtime/index.ts') },
    // @atproto/api's multiformats imports node's `crypto`, which a Worker gets with nodejs_compat.
    external: ['crypto'],
    outfile: bundle,
    logLevel: 'error',
  })
  chat = await startChatServer()
  convoId = chat.store.getConvoForMembers(['did:plc:a'], 'accepted').convo.id as string
}, 120_000)

afterAll(async () => {
  await chat?.close()
  if (dir) await removeDir(dir)
})

/** Resolves once `test` holds (what it reads is the server's): the scenarios wait on events, not on time. */
const until = (test: () => boolean) => eventually(test, Infinity)

/**
 * A refresh's time bound, where a scenario waits for it to pass (a lost refresh), and where one
 * must not pass: the default, so a loaded machine cannot turn a held refresh into a lost one.
 */
const LOST_REFRESH_TIMEOUT = 5_000
const DEFAULT_REFRESH_TIMEOUT = 30_000

async function withWorker<T>(run: (worker: Miniflare, config: string) => Promise<T>, refreshTimeout = DEFAULT_REFRESH_TIMEOUT): Promise<T> {
  const { Miniflare } = (await import('miniflare' as string)) as { Miniflare: MiniflareClass }
  const worker = new Miniflare({ modules: true, modulesRoot: dir, scriptPath: bundle, compatibilityDate: '2026-04-01', compatibilityFlags: ['nodejs_compat'] })
  try {
    return await run(worker, JSON.stringify({ service: chat.url, refreshTimeout, identifier: DEFAULT_ACCOUNT.handle, password: DEFAULT_ACCOUNT.password, convoId }))
  } finally {
    await worker.dispose()
  }
}

const post = async (worker: Miniflare, path: string, body: string) => {
  const res = await worker.dispatchFetch(`http://worker${path}`, { method: 'POST', body })
  const text = await res.text()
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    return { status: res.status, text }
  }
}

const refreshes = () => chat.requests.filter((r) => r.nsid === 'com.atproto.server.refreshSession').length

describe('a CredentialSession shared by the requests of a Worker', () => {
  it('a token refreshed in one request is used by the next', async () => {
    chat.requests.length = 0
    const outcomes = await withWorker(async (worker, config) => {
      expect(await post(worker, '/login', config)).toEqual(['create'])
      chat.sessions.expireAccessTokens()
      return [await post(worker, '/call', config), await post(worker, '/call', config)]
    })
    expect(outcomes).toEqual([
      { ok: true, value: convoId, events: ['create', 'refresh'] },
      { ok: true, value: convoId, events: ['create', 'refresh'] },
    ])
    expect(refreshes()).toBe(1)
  })

  it('two requests in flight share one refresh: the one that started it is still running when it settles, both calls succeed', async () => {
    const outcomes = await withHeldRefresh(async (worker, config, release) => {
      const a = post(worker, '/call', config)
      await until(() => chat.requests.some((r) => r.nsid === 'com.atproto.server.refreshSession'))
      const b = post(worker, '/call', config)
      await until(() => chat.requests.filter((r) => r.url.includes('_step?name=expired')).length >= 2)
      release()
      return Promise.all([a, b])
    })
    expect(outcomes).toEqual([
      { ok: true, value: convoId, events: ['create', 'refresh'] },
      { ok: true, value: convoId, events: ['create', 'refresh'] },
    ])
    expect(refreshes()).toBe(1)
  })

  it('a call waiting for a refresh that an ended request started refreshes again when its time is up', async () => {
    const { a, b } = await afterLostRefresh(async (worker, config) => {
      // Request B's call finds the access token expired and waits for A's refresh, which never answers.
      const b = post(worker, '/call', config)
      await until(() => chat.requests.filter((r) => r.url.includes('_step?name=expired')).length >= 2)
      return b
    })
    expect(a).toMatchObject({ ok: false, name: 'AbortError', events: ['create'] })
    expect(b).toEqual({ ok: true, value: convoId, events: ['create', 'refresh'] })
    expect(refreshes()).toBe(2)
  })

  it('when the lost refresh did reach the server, which spent its refresh token, the waiting call gets a typed ExpiredTokenError and the session ends', async () => {
    const { a, b } = await afterLostRefresh(async (worker, config, release) => {
      // The server rotates the tokens now that request A has ended: the Worker never reads them.
      const issued = [...chat.sessions.refresh]
      release()
      await until(() => issued.some((token) => !chat.sessions.refresh.has(token)))
      return post(worker, '/call', config)
    })
    expect(a).toMatchObject({ ok: false, name: 'AbortError' })
    // This server, unlike a PDS, takes no spent refresh token for a grace period.
    expect(b).toMatchObject({ ok: false, name: 'ExpiredTokenError', events: ['create', 'expired'] })
    expect(refreshes()).toBe(2)
  })

  it('the client of the request that started the refresh goes away: workerd lets that request run on, and the refresh serves the next request', async () => {
    const { a, b } = await withHeldRefresh(async (worker, config, release) => {
      const client = new AbortController()
      const a = worker.dispatchFetch('http://worker/call', { method: 'POST', body: config, signal: client.signal }).then(
        () => 'answered',
        (error: unknown) => (error as Error).name,
      )
      await until(() => chat.requests.some((r) => r.nsid === 'com.atproto.server.refreshSession'))
      client.abort()
      const gone = await a
      const b = post(worker, '/call', config)
      await until(() => chat.requests.filter((r) => r.url.includes('_step?name=expired')).length >= 2)
      release()
      return { a: gone, b: await b }
    })
    expect(a).toBe('AbortError')
    expect(b).toEqual({ ok: true, value: convoId, events: ['create', 'refresh'] })
    // A request whose client left is not cancelled (workerd 2026-04): its refresh answered the next one's call.
    expect(refreshes()).toBe(1)
  })

  it("@atproto/api's CredentialSession as auth: a call of another request waiting for the refresh an ended request took along ends at its timeout, a TimeoutError", async () => {
    // (The session waits for its refresh before it sends anything: B's calls never reach the server.)
    const { a, b } = await afterLostRefresh((worker, config) => post(worker, '/call', config), '/login-manager')
    expect(a).toMatchObject({ ok: false, name: 'AbortError' })
    expect(b).toMatchObject({ ok: false, name: 'TimeoutError' })
    expect(chat.requests.filter((r) => r.nsid === 'chat.bsky.convo.getConvo')).toHaveLength(1)
  })
})

/**
 * Logs in and lets the access tokens expire, with the server holding the first refresh
 * (`release` hands it on), then `run`.
 */
async function withHeldRefresh<T>(run: (worker: Miniflare, config: string, release: () => void) => Promise<T>, login = '/login', refreshTimeout?: number): Promise<T> {
  chat.requests.length = 0
  let held: (() => void) | undefined
  chat.intercept((req, res, route) => {
    if (req.url?.startsWith('/xrpc/_step')) return void (res as ServerResponse).writeHead(404).end()
    if (req.url?.startsWith('/xrpc/com.atproto.server.refreshSession') && !held) return void (held = route)
    route()
  })
  try {
    return await withWorker(async (worker, config) => {
      expect(await post(worker, login, config)).toEqual(['create'])
      chat.sessions.expireAccessTokens()
      return run(worker, config, () => held!())
    }, refreshTimeout)
  } finally {
    chat.intercept(undefined)
  }
}

/** withHeldRefresh, with request A first: its call starts the refresh, gives up on it once it is sent, and ends. Then `b`. */
function afterLostRefresh<T>(b: (worker: Miniflare, config: string, release: () => void) => Promise<T>, login?: string): Promise<{ a: Record<string, unknown>; b: T }> {
  return withHeldRefresh(async (worker, config, release) => {
    const a = await post(worker, '/a', config)
    return { a, b: await b(worker, config, release) }
  }, login, LOST_REFRESH_TIMEOUT)
}
