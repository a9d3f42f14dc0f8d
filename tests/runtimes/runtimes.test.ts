/**
 * The generated client on the runtimes atproto apps and bots deploy to: Node, Bun, Deno and a
 * Cloudflare Worker (workerd, through miniflare). As a user would: the packed packages installed
 * into a fresh project, a client generated there with the installed CLI, and one program
 * (support/program.ts) run unchanged on each, against the real `@atproto/xrpc-server` chat
 * server on loopback; the Worker is bundled as wrangler bundles it (esbuild, its conditions
 * `workerd`, `worker`, `browser`) and reaches the server from inside workerd.
 *
 * Needs the `bun`, `deno` and `miniflare` packages (devDependencies: their binaries ship inside
 * the registry packages, no install script needed).
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LEXICONS, removeDir, ROOT, tempDir } from '../codegen/helpers.js'
import { closedPort } from '../helpers/listen.js'
import { DEFAULT_ACCOUNT, startChatServer, TEST_TOKEN, type ChatServer } from '../helpers/xrpc-server.js'
import { createConsumer, packPackages, type Consumer } from '../packaging/support/consumer.js'
import type { Config, Outcome } from './support/program.js'

const SLOW = 10 * 60_000
const BIN = join(ROOT, 'node_modules/.bin')

/** The part of miniflare's API used here (imported by name at run time). */
interface Miniflare {
  dispatchFetch(url: string, init: { method: string; body: string }): Promise<{ text(): Promise<string> }>
  dispose(): Promise<void>
}
type MiniflareClass = new (options: { modules: true; modulesRoot: string; scriptPath: string; compatibilityDate: string }) => Miniflare

let packDir: string
let consumer: Consumer
let chat: ChatServer
let convoId: string
let locked: string
let closed: string

/** The server's behaviour for a request whose `x-scenario` header names one; `name:id` ones act on the first request with that id only. */
function serveScenarios(server: ChatServer): void {
  const seen = new Set<string>()
  server.intercept((req, res, route) => {
    const scenario = String(req.headers['x-scenario'] ?? '')
    const [kind, id] = scenario.split(':')
    const first = id !== undefined && !seen.has(scenario)
    seen.add(scenario)
    const json = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body)
    const convo = () => JSON.stringify(server.store.getConvo(convoId))
    if (kind === 'hang') return
    if (kind === 'bad') return json(200, JSON.stringify({ convo: { id: 42 } }))
    if (kind === '503' && first) return json(503, '{"error":"NotEnoughResources","message":"busy"}', { 'retry-after': '1' })
    if (kind === '429' && first) return json(429, '{"error":"RateLimitExceeded","message":"slow down"}', { 'retry-after': '1' })
    if (kind === 'redirect') return void res.writeHead(302, { location: '/elsewhere' }).end()
    if (kind === 'big') return json(200, JSON.stringify({ convo: { ...JSON.parse(convo()).convo, rev: 'r'.repeat(100_000) } }))
    if (kind === 'gzip') return json(200, gzipSync(convo()), { 'content-encoding': 'gzip' })
    if (kind === 'br') return json(200, brotliCompressSync(convo()), { 'content-encoding': 'br' })
    if (kind === 'corrupt-gzip') return json(200, 'not gzip at all', { 'content-encoding': 'gzip' })
    if (kind === 'expire' && first) server.sessions.expireAccessTokens()
    route()
  })
}

beforeAll(async () => {
  packDir = await tempDir('lexgen-runtimes-pack-')
  const tarballs = await packPackages(packDir)
  const program = (await readFile(join(import.meta.dirname, 'support/program.ts'), 'utf8')).replaceAll('../../../generated/', './generated/')
  consumer = await createConsumer(tarballs, { type: 'module' }, {
    'src/program.ts': program,
    'src/main.ts': [
      "import { runAll } from './program.js'",
      'const config = JSON.parse(process.argv[2] ?? globalThis.Deno.args[0])',
      'console.log(JSON.stringify(await runAll(config)))',
      '',
    ].join('\n'),
    'src/worker.ts': [
      "import { quickCall, runAll } from './program.js'",
      'export default {',
      '  async fetch(request: Request) {',
      '    const config = await request.json()',
      "    return Response.json(new URL(request.url).pathname === '/quick' ? await quickCall(config) : await runAll(config))",
      '  },',
      '}',
      '',
    ].join('\n'),
  })
  const include = ['chat.bsky.*', ...['create', 'refresh', 'delete', 'get'].map((verb) => `com.atproto.server.${verb}Session`)].flatMap((nsid) => ['--include', nsid])
  await consumer.lexgen(['generate', '--lexicons', LEXICONS, ...include, '--exclude', 'chat.bsky.moderation.*', '--exclude', 'chat.bsky.authFullChatClient', '--no-docs', '--out', 'src/generated'])
  chat = await startChatServer()
  for (const did of ['did:plc:a', 'did:plc:b', 'did:plc:c']) convoId = chat.store.getConvoForMembers([did], 'accepted').convo.id as string
  locked = chat.store.getConvoForMembers(['did:plc:d'], 'accepted').convo.id as string
  chat.store.setLocked(locked, true)
  serveScenarios(chat)
  closed = await closedPort()
}, SLOW)

afterAll(async () => {
  await chat?.close()
  await Promise.all([packDir, consumer?.dir].filter(Boolean).map((dir) => removeDir(dir!)))
})

function config(run: string): Config {
  return { service: chat.url, token: TEST_TOKEN, convoId, locked, closed, identifier: DEFAULT_ACCOUNT.handle, password: DEFAULT_ACCOUNT.password, run }
}

const fails = (classes: string[], status: number, attempts = 1): Outcome => ({ ok: false, classes, status, attempts })

/** What every runtime gives, as Node does. */
function expected(run: string): Record<string, Outcome> {
  return {
    getConvo: { ok: true, value: convoId },
    'listConvos, every page': { ok: true, value: 4 },
    sendMessage: { ok: true, value: `hello from ${run}` },
    'a declared error, thrown': fails(['ConvoLockedError'], 400),
    'a declared error, as a Result': fails(['InvalidConvoError'], 400),
    'a response breaking the lexicon': fails(['ResponseValidationError'], 200),
    'a timeout': fails(['TimeoutError'], 0),
    'an abort': fails(['AbortError'], 0),
    'a timed-out sendMessage': fails(['AbortError'], 0),
    'a 503 with Retry-After, retried': { ok: true, value: 2 },
    'a 429 on a procedure, retried': { ok: true, value: 2 },
    'a refused connection, a procedure retried': fails(['ConnectionError'], 0, 3),
    'a redirect, not followed': fails(['UnexpectedRedirectError'], 302),
    'a body over maxResponseBytes': fails(['ResponseTooLargeError'], 200),
    'a gzip body': { ok: true, value: convoId },
    'a br body': { ok: true, value: convoId },
    'a corrupt gzip body': fails(['InvalidResponseError'], 200),
    'a session: login, refresh on ExpiredToken, logout': { ok: true, value: ['create', 'refresh', 'logout'] },
  }
}

/**
 * Checks one run's outcomes, and that its timed-out sendMessage reached the server once (Deno's
 * node:http sent it twice). Called once the runtime has exited: when its last connection has
 * closed, every request it sent has been received.
 */
async function check(run: string, outcomes: Record<string, Outcome>, differences: Record<string, Outcome> = {}): Promise<void> {
  expect(outcomes).toEqual({ ...expected(run), ...differences })
  await chat.drained()
  expect(chat.requests.filter((r) => r.headers['x-scenario'] === `hang:${run}`)).toHaveLength(1)
}

/**
 * Runs the program's main.ts with `command` (the runtime and its arguments); its stdout is the
 * outcomes. Killed after 2 minutes: a process a request holds open (Deno's resent one) never exits.
 */
async function runMain(command: string[], run: string): Promise<Record<string, Outcome>> {
  const { stdout } = await promisify(execFile)(command[0]!, [...command.slice(1), 'src/main.ts', JSON.stringify(config(run))], { cwd: consumer.dir, timeout: 120_000 })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, Outcome>
}

/**
 * On fetch (Workers, Deno, browsers) a body fetch cannot decode fails the read as a network error
 * does: a ConnectionError, where node:http's decoders tell an InvalidResponseError.
 */
const FETCH_DECODING = { 'a corrupt gzip body': fails(['ConnectionError'], 0) }

describe('the generated client', () => {
  it('on Node', async () => {
    await check('node', await runMain([process.execPath, '--import', join(ROOT, 'node_modules/tsx/dist/esm/index.mjs')], 'node'))
  }, SLOW)

  it('on Bun', async () => {
    await check('bun', await runMain([join(BIN, 'bun')], 'bun'))
  }, SLOW)

  it('on Deno (its fetch transport; `--sloppy-imports` finds ./client.ts for the ./client.js the generated code imports)', async () => {
    await check('deno', await runMain([join(BIN, 'deno'), 'run', '--allow-net', '--allow-env', '--allow-read', '--sloppy-imports'], 'deno'), FETCH_DECODING)
  }, SLOW)

  it("in a Cloudflare Worker, after another request (a call's timeout outlives the request before)", async () => {
    const bundle = join(consumer.dir, 'worker.js')
    await esbuild.build({
      entryPoints: [join(consumer.dir, 'src/worker.ts')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['browser', 'module', 'main'],
      outfile: bundle,
      logLevel: 'error',
    })
    const { Miniflare } = (await import('miniflare' as string)) as { Miniflare: MiniflareClass }
    const worker = new Miniflare({ modules: true, modulesRoot: consumer.dir, scriptPath: bundle, compatibilityDate: '2026-04-01' })
    let outcomes: Record<string, Outcome>
    try {
      // workerd cancels the timers a request set when it ends: the next request's calls must not count on them.
      const quick = await worker.dispatchFetch('http://worker/quick', { method: 'POST', body: JSON.stringify(config('worker-quick')) })
      expect(JSON.parse(await quick.text())).toBe(convoId)
      const answered = worker.dispatchFetch('http://worker/', { method: 'POST', body: JSON.stringify(config('worker')) })
      const response = await Promise.race([answered, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer in 2 minutes: a call in the Worker never timed out')), 120_000))])
      outcomes = JSON.parse(await response.text()) as Record<string, Outcome>
    } finally {
      await worker.dispose()
    }
    // workerd's fetch errors carry no code ("Network connection lost."): a refused connection cannot be told from a reset one.
    await check('worker', outcomes, { ...FETCH_DECODING, 'a refused connection, a procedure retried': fails(['ConnectionError'], 0) })
  }, SLOW)
})
