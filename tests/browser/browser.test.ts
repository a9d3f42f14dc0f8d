/**
 * The generated client in a real browser: tests/browser/app.ts bundled as the README says
 * (esbuild `--platform=browser --minify`, the runtime from its built package, so the `browser`
 * export condition puts in the fetch transport) and run by headless Chromium (Debian's
 * `chromium`, which .ci/run installs; driven through playwright-core). The page's origin is
 * not the servers', so every call crosses CORS as a web app's does: logging in and chatting
 * through the real PDS of tests/e2e (whose CORS policy is the PDS's own), and the faults only
 * a browser shows (an opaque redirect, a response CORS refuses, headers CORS hides, the body
 * read as a stream) against a raw server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import * as esbuild from 'esbuild'
import { chromium, type Browser, type Page } from 'playwright-core'
import { createAccount, startE2e, type Account, type E2e } from '../e2e/harness.js'
import { DEEPEST_PASSING, deepConvoBody } from '../helpers/deep-response.js'
import { closeServer, listen } from '../helpers/listen.js'
import { startRawServer, type RawHandler, type RawServer } from '../helpers/raw-server.js'
import type { Scenarios } from './app.js'

const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium'
// As the machine notes say: without the networking flags Chromium keeps trying Google's hosts.
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

const CONVO = { id: 'c1', rev: 'r1', members: [{ did: 'did:plc:alice', handle: 'alice.test' }], muted: false, unreadCount: 0 }
const CONVO_BODY = JSON.stringify({ convo: CONVO })

let e2e: E2e
let alice: Account
let bob: Account
let browser: Browser
let page: Page
let pageServer: ReturnType<typeof createServer>
const pageErrors: string[] = []
const rawServers: RawServer[] = []

/** Runs scenario `name` in the page and returns what it resolved to. */
function run<K extends keyof Scenarios>(name: K, options?: Parameters<Scenarios[K]>[0]): Promise<Awaited<ReturnType<Scenarios[K]>>> {
  return page.evaluate(
    ([name, options]) => (globalThis as unknown as { lexgen: Record<string, (options: unknown) => unknown> }).lexgen[name]!(options),
    [name, options] as const,
  ) as Promise<Awaited<ReturnType<Scenarios[K]>>>
}

/** The CORS headers the cors middleware (the PDS's) sends: any origin, the requested headers allowed. */
function corsHeaders(req: IncomingMessage): Record<string, string> {
  const requested = req.headers['access-control-request-headers']
  return { 'access-control-allow-origin': '*', ...(requested ? { 'access-control-allow-headers': requested } : {}) }
}

/** A raw server that answers preflights and adds CORS headers to what `handler` sends, unless `cors` is false. */
async function rawServer(handler: RawHandler, cors = true): Promise<RawServer> {
  const server = await startRawServer((req, res, body) => {
    if (cors) for (const [name, value] of Object.entries(corsHeaders(req))) res.setHeader(name, value)
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end()
      return
    }
    handler(req, res, body)
  })
  rawServers.push(server)
  return server
}

const gets = (server: RawServer) => server.requests.filter((r) => r.method === 'GET')

async function bundle(): Promise<string> {
  const built = await esbuild.build({
    entryPoints: [join(import.meta.dirname, 'app.ts')],
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'error',
    // The runtime as users get it (its package's dist/), not the sources tsconfig's `paths` name.
    tsconfigRaw: {},
  })
  return built.outputFiles[0]!.text
}

async function servePage(script: string): Promise<string> {
  pageServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>lexgen</title><script type="module" src="/app.js"></script>')
  })
  return `http://127.0.0.1:${await listen(pageServer)}/`
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium, as .ci/run does) or set CHROMIUM`)
  const [script, started] = await Promise.all([bundle(), startE2e()])
  e2e = started
  alice = await createAccount(e2e.pds.url, 'alice.test')
  bob = await createAccount(e2e.pds.url, 'bob.test')
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS })
  page = await browser.newPage()
  // Playwright's own 30 s limits would judge a busy machine's speed: vitest's hook and test timeouts are the hang guards.
  page.setDefaultTimeout(0)
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto(await servePage(script))
  await page.waitForFunction(() => 'lexgen' in globalThis)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  if (pageServer) await closeServer(pageServer)
  for (const server of rawServers) await server.close()
  await e2e?.close()
}, 60_000)

describe('the generated client in Chromium', () => {
  it('logs in to the PDS and chats through it across origins, with typed declared errors', async () => {
    expect(new URL(page.url()).origin).not.toBe(new URL(e2e.pds.url).origin)
    const result = await run('chat', { service: e2e.pds.url, proxy: e2e.chat.proxy as `did:${string}#${string}`, identifier: alice.handle, password: alice.password, peer: bob.did })
    expect(result.texts).toEqual(['hello from a browser 👋'])
    expect(result.loggedOut).toBe(true)
    // Through the PDS's proxy and CORS, minified: still the declared class, by instanceof and by name.
    expect(result.missing).toEqual({
      ok: false,
      error: { classes: ['InvalidConvoError'], name: 'InvalidConvoError', status: 400, error: 'InvalidConvo', message: expect.stringContaining('not found') },
    })
    expect(e2e.chat.verified.map((call) => call.nsid)).toEqual(
      expect.arrayContaining(['chat.bsky.convo.getConvoForMembers', 'chat.bsky.convo.sendMessage', 'chat.bsky.convo.getMessages', 'chat.bsky.convo.getConvo']),
    )
  })

  it('does not follow a redirect: the opaque answer Chromium gives is an UnexpectedRedirectError', async () => {
    const server = await rawServer((_req, res) => res.writeHead(302, { location: '/elsewhere' }).end())
    const result = await run('getConvo', { service: server.url })
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ classes: ['UnexpectedRedirectError'], status: 302 }) })
    expect(gets(server).map((r) => r.url)).toEqual(['/xrpc/chat.bsky.convo.getConvo?convoId=c1'])
  })

  it('returns a ConnectionError, not a rejection, when CORS refuses the response', async () => {
    const server = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(CONVO_BODY), false)
    const result = await run('getConvo', { service: server.url })
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ classes: ['ConnectionError'], status: 0, error: 'ConnectionFailed' }) })
    // Chromium says only "Failed to fetch": the message names the likely causes.
    if (!result.ok) expect(result.error.message).toBe(`chat.bsky.convo.getConvo got no complete answer from ${server.url} (the request may have reached it): Failed to fetch (the server is unreachable, or its CORS policy refused the request: the browser console says which)`)
  })

  it('stops reading a body over maxResponseBytes, with and without a declared length', async () => {
    const big = JSON.stringify({ convo: { ...CONVO, rev: 'r'.repeat(4000) } })
    const declared = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) }).end(big))
    const streamed = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(big.slice(0, 2000))
      res.end(big.slice(2000))
    })
    for (const server of [declared, streamed]) {
      const result = await run('getConvo', { service: server.url, maxResponseBytes: 1000 })
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ classes: ['ResponseTooLargeError'], status: 200 }) })
    }
  })

  it('times out a call the server never answers, and aborts one on the signal', async () => {
    let arrived!: () => void
    const held = new Promise<void>((resolve) => (arrived = resolve))
    const server = await rawServer((req) => {
      if (req.method === 'GET') arrived()
    })
    expect(await run('getConvo', { service: server.url, timeout: 100 })).toEqual({ ok: false, error: expect.objectContaining({ classes: ['TimeoutError'], status: 0 }) })

    const aborted = run('getConvoAborted', { service: server.url })
    // Aborted once the server holds the request, not after a guessed delay.
    await held
    await run('abortStarted')
    expect(await aborted).toEqual({ ok: false, error: expect.objectContaining({ classes: ['AbortError'], status: 0 }) })
  })

  it('retries a 429 whose Retry-After CORS hides from the page, after its own backoff', async () => {
    const server = await rawServer((_req, res) => {
      if (gets(server).length === 1) res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' }).end('{"error":"RateLimitExceeded"}')
      else res.writeHead(200, { 'content-type': 'application/json' }).end(CONVO_BODY)
    })
    expect(await run('getConvoRetried', { service: server.url })).toEqual({ ok: true })
    expect(gets(server)).toHaveLength(2)
  })

  it("throws a ResponseValidationError from the Client when a body breaks the method's lexicon", async () => {
    const server = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ convo: { ...CONVO, unreadCount: 'many' } })))
    const result = await run('clientGetConvo', { service: server.url })
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ classes: ['ResponseValidationError'], message: expect.stringContaining('unreadCount') }) })
  })

  it("validates responses nested to the depth limit and past it without overflowing Chromium's stack", async () => {
    // MAX_DEPTH was measured under Node's stack; a page's main thread has its own.
    let depth = 0
    const server = await rawServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(deepConvoBody(depth)))
    const deeper = { ok: false, error: expect.objectContaining({ classes: ['ResponseValidationError'], message: expect.stringContaining('is nested more than 1500 objects deep') }) }
    for (const [levels, expected] of [[DEEPEST_PASSING, { ok: true }], [DEEPEST_PASSING + 1, deeper], [3_000, deeper]] as const) {
      depth = levels
      expect(await run('clientGetConvo', { service: server.url }), `${levels} levels`).toEqual(expected)
    }
  })

  it('left no error unhandled in the page', () => {
    expect(pageErrors).toEqual([])
  })
})
