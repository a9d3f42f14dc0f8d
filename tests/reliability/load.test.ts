/**
 * Load: 1,000 concurrent calls (half getConvo, half sendMessage) through one client, over the
 * default transport and its shared Agent, against a local server.
 *
 * - In-process: every call succeeds, every sendMessage arrives exactly once, the server never
 *   sees more sockets than the shared Agent's per-origin limit, and none is left busy.
 * - In a child process with `--expose-gc` and an open-file limit of 256 (a tight but real
 *   ulimit; 1,000 sockets would exhaust it): rounds of 1,000 concurrent calls all succeed, and
 *   the heap after full GCs comes back to within a small margin of the baseline taken after a
 *   warm-up round.
 */
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Core, withDefaults } from '@lexgen/runtime'
import { chatBskyConvoGetConvo, chatBskyConvoSendMessage } from '../../generated/index.js'
import { ROOT } from '../codegen/helpers.js'
import { closeServer, listen } from '../helpers/listen.js'
import { OK_CONVO } from './support/fault-matrix.js'
import { eventually } from '../helpers/eventually.js'
import { startFaultServer, type FaultServer } from './support/fault-server.js'
import { settle, trackUnhandledRejections } from './support/guards.js'
import { report } from './support/seed.js'

const run = promisify(execFile)
const CONCURRENCY = 1_000
/** Must match SHARED_CONNECTIONS_PER_ORIGIN in runtime/transport/node.ts. */
const SHARED_CONNECTIONS = 64
let server: FaultServer
const rejections = trackUnhandledRejections()

beforeAll(async () => {
  server = await startFaultServer((req, res, body) => {
    // A little latency, so calls really overlap.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' })
      if (req.method === 'GET') return void res.end(OK_CONVO)
      const { message } = JSON.parse(body) as { message: { text: string } }
      res.end(JSON.stringify({ id: `m-${message.text}`, rev: '1', text: message.text, sender: { did: 'did:plc:a' }, sentAt: '2026-01-01T00:00:00.000Z' }))
    }, 2)
  })
})
afterAll(async () => {
  rejections.stop()
  await server.close()
})

describe('1,000 concurrent calls through one client', () => {
  it('all succeed, each procedure arrives once, sockets stay within the pool limit', async () => {
    server.reset()
    const core = new Core(withDefaults({ service: server.url, auth: 'load-token', retries: false }))
    const started = performance.now()
    const results = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) =>
        i % 2 === 0 ? chatBskyConvoGetConvo(core, { convoId: `c${i}` }) : chatBskyConvoSendMessage(core, { convoId: 'c1', message: { text: `t${i}` } }),
      ),
    )
    const ms = Math.round(performance.now() - started)
    const failed = results.filter((r) => !r.ok)
    expect(failed.map((r) => (r.ok ? '' : r.error.message)).slice(0, 3)).toEqual([])
    const posts = server.requests.filter((r) => r.method === 'POST').map((r) => (JSON.parse(r.body) as { message: { text: string } }).message.text)
    expect(posts).toHaveLength(CONCURRENCY / 2)
    const duplicates = posts.length - new Set(posts).size
    expect(duplicates).toBe(0)
    expect(server.peakSockets).toBeLessThanOrEqual(SHARED_CONNECTIONS)
    expect(await eventually(() => server.busySockets() === 0)).toBe(true)
    await settle()
    expect(rejections.seen).toEqual([])
    report('load (in-process)', { calls: CONCURRENCY, ok: results.length - failed.length, failed: failed.length, duplicates, peakSockets: server.peakSockets, leakedSockets: server.busySockets(), ms })
  })

  it('under a 256 open-file limit, rounds of 1,000 all succeed and memory returns to baseline', async () => {
    const rounds = 5
    const script = `ulimit -n 256 && exec "${process.execPath}" --expose-gc --conditions=lexgen-source --import tsx tests/reliability/support/load-child.ts "${server.url}" ${rounds} ${CONCURRENCY}`
    const { stdout } = await run('bash', ['-c', script], { cwd: ROOT, timeout: 60_000 })
    const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as { calls: number; ok: number; failed: number; failures: Record<string, number>; heapDelta: number; arrayBuffersDelta: number; peakHeap: number; baselineHeap: number; ms: number }
    expect(figures.failures).toEqual({})
    expect(figures.ok).toBe(rounds * CONCURRENCY)
    // Retained after 5,000 calls and full GCs. It measures 0.5–0.9 MB whether the child makes
    // 2,000 or 20,000 calls (code and inline caches warming up, not per-call garbage); a leak of
    // ~600 bytes a call would cross this line.
    expect(figures.heapDelta).toBeLessThan(3 * 1024 * 1024)
    expect(figures.arrayBuffersDelta).toBeLessThan(1024 * 1024)
    report('load (child, --expose-gc, ulimit -n 256)', { ...figures, failures: Object.keys(figures.failures).length })
  })
})

describe('paging through long cursors', () => {
  it('150 pages with 1 MB cursors: the heap holds the current page, not every cursor sent', async () => {
    const PAGES = 150
    const CURSOR = 1024 * 1024
    // A server that accepts megabyte query strings and answers each with a fresh megabyte cursor.
    let served = 0
    const paging = createServer({ maxHeaderSize: 4 * CURSOR }, (_req, res) => {
      const cursor = `${String(++served).padStart(8, '0')}${'c'.repeat(CURSOR - 8)}`
      const convo = JSON.parse(OK_CONVO).convo
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ convos: [convo], cursor }))
    })
    const port = await listen(paging)
    try {
      const script = `exec "${process.execPath}" --expose-gc --conditions=lexgen-source --import tsx tests/reliability/support/paging-child.ts "http://127.0.0.1:${port}" ${PAGES}`
      const { stdout } = await run('bash', ['-c', script], { cwd: ROOT, timeout: 240_000, maxBuffer: 1024 * 1024 })
      const figures = JSON.parse(stdout.trim().split('\n').at(-1)!) as { pages: number; baselineHeap: number; peakHeap: number; growth: number }
      expect(figures.pages).toBe(PAGES)
      // Keeping every cursor would hold 150 MB by the last page; the current page, its request
      // and the loop guard's fingerprints hold a few.
      expect(figures.growth).toBeLessThan(32 * 1024 * 1024)
      report('paging memory (child, --expose-gc, 1 MB cursors)', figures)
    } finally {
      await closeServer(paging)
    }
  }, 300_000)
})

