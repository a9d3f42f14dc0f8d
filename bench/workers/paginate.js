// One pagination run in a fresh process (argv: kind, service): iterate every message of the
// conversation (100,000 in pages of 100) and report throughput and RSS. The baseline is taken
// after a warm-up of a few pages and a GC; the peak is sampled at every page and checked against
// the process's maxRSS. RSS growth includes the allocator's and V8's slack (raw undici shows it
// too), so the heap retained after a final GC is reported as well.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CONVO_ID, PAGE_SIZE, PROXY, TOKEN } from '../lib/fixtures.js'
import { work } from '../lib/util.js'

const [kind, service] = process.argv.slice(2)

/** Each kind: an async generator over every message, the way its users would write it. */
const iterators = {
  async ours() {
    const { Client } = await import(pathToFileURL(join(work, 'generated/index.js')).href)
    const client = new Client({ service, auth: TOKEN })
    return async function* (maxPages) {
      const page = await client.chat.bsky.convo.getMessages({ convoId: CONVO_ID, limit: PAGE_SIZE }, maxPages ? { maxPages } : undefined)
      yield* page.allItems()
    }
  },
  /** Ours with response validation switched off. */
  async 'ours-off'() {
    const { Client } = await import(pathToFileURL(join(work, 'generated/index.js')).href)
    const client = new Client({ service, auth: TOKEN, validate: 'off' })
    return async function* (maxPages) {
      const page = await client.chat.bsky.convo.getMessages({ convoId: CONVO_ID, limit: PAGE_SIZE }, maxPages ? { maxPages } : undefined)
      yield* page.allItems()
    }
  },
  async undici() {
    const { Agent, request } = await import('undici')
    const dispatcher = new Agent({ keepAliveTimeout: 10_000 })
    const headers = { 'atproto-proxy': PROXY, authorization: `Bearer ${TOKEN}` }
    return async function* (maxPages = Infinity) {
      let cursor
      for (let pages = 0; pages < maxPages; pages++) {
        const query = new URLSearchParams({ convoId: CONVO_ID, limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) })
        const { statusCode, body } = await request(`${service}/xrpc/chat.bsky.convo.getMessages?${query}`, { headers, dispatcher })
        const output = await body.json()
        if (statusCode !== 200) throw new Error(output.message)
        yield* output.messages
        if (!(cursor = output.cursor)) break
      }
    }
  },
  async 'atproto-api'() {
    const { Agent } = await import('@atproto/api')
    const agent = new Agent({ service, headers: { authorization: `Bearer ${TOKEN}` } }).withProxy('bsky_chat', 'did:web:api.bsky.chat')
    return async function* (maxPages = Infinity) {
      let cursor
      for (let pages = 0; pages < maxPages; pages++) {
        const { data } = await agent.chat.bsky.convo.getMessages({ convoId: CONVO_ID, limit: PAGE_SIZE, cursor })
        yield* data.messages
        if (!(cursor = data.cursor)) break
      }
    }
  },
  async atcute() {
    const { Client, simpleFetchHandler } = await import('@atcute/client')
    const client = new Client({ handler: simpleFetchHandler({ service }), proxy: PROXY })
    const headers = { authorization: `Bearer ${TOKEN}` }
    return async function* (maxPages = Infinity) {
      let cursor
      for (let pages = 0; pages < maxPages; pages++) {
        const res = await client.get('chat.bsky.convo.getMessages', { params: { convoId: CONVO_ID, limit: PAGE_SIZE, cursor }, headers })
        if (!res.ok) throw new Error(res.data.message)
        yield* res.data.messages
        if (!(cursor = res.data.cursor)) break
      }
    }
  },
}

const iterate = await iterators[kind]()
for await (const _ of iterate(5)); // warm-up: connection, JIT
globalThis.gc?.()
const heapBaseline = process.memoryUsage().heapUsed
const baseline = process.memoryUsage.rss()
let peak = baseline
let count = 0
let inOrder = true
const started = performance.now()
for await (const message of iterate()) {
  if (message.id !== `m${count}`) inOrder = false
  if (++count % PAGE_SIZE === 0) peak = Math.max(peak, process.memoryUsage.rss())
}
const ms = performance.now() - started
peak = Math.max(peak, process.memoryUsage.rss())
const maxRss = process.resourceUsage().maxRSS * 1024
globalThis.gc?.()
// What the iteration left behind once garbage is collected: pages must not be retained.
const retained = process.memoryUsage().heapUsed - heapBaseline
process.stdout.write(JSON.stringify({ count, inOrder, ms, baseline, peak, maxRss, retained }))
process.exit(0)
