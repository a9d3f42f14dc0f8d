// The local XRPC server every benchmark talks to: a plain node:http server in its own process
// (so it never shares an event loop with the client being measured), keep-alive on, answering
// getConvo with one fixed body and getMessages with fixed pages. It counts what it served and
// checks every request carried the same path, query, proxy and authorization, so the parent can
// tell that two clients did the same work.
// Run by fork(); `startServer()` is the parent's handle on it.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { CONVO_ID, getConvoBody, getMessagesBody, PAGE_SIZE, PROXY, TOKEN, TOTAL_MESSAGES } from './fixtures.js'

const self = fileURLToPath(import.meta.url)

/** Starts the server process; resolves once it listens on 127.0.0.1. */
export async function startServer() {
  const child = fork(self, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [ready] = await once(child, 'message')
  let pending = null
  child.on('message', (message) => {
    const resolve = pending
    pending = null
    resolve?.(message)
  })
  const ask = (type) =>
    new Promise((resolve) => {
      pending = resolve
      child.send({ type })
    })
  return {
    url: `http://127.0.0.1:${ready.port}`,
    convoBytes: ready.convoBytes,
    /** Counters since the server started. */
    stats: () => ask('stats'),
    async close() {
      child.kill()
      await once(child, 'exit')
    },
  }
}

/** Counter differences between two `stats()` snapshots. */
export function delta(before, after) {
  const out = {}
  for (const key of Object.keys(after)) out[key] = after[key] - (before[key] ?? 0)
  return out
}

function serve() {
  const convo = Buffer.from(getConvoBody())
  const pages = new Map() // offset -> Buffer, built on first use
  const stats = { getConvo: 0, getMessages: 0, other: 0, bad: 0, bytes: 0 }
  const json = { 'content-type': 'application/json; charset=utf-8' }

  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x')
    const authorized = req.headers.authorization === `Bearer ${TOKEN}` && req.headers['atproto-proxy'] === PROXY
    let body
    if (url.pathname === '/xrpc/chat.bsky.convo.getConvo') {
      stats.getConvo++
      if (!authorized || url.searchParams.get('convoId') !== CONVO_ID || [...url.searchParams.keys()].length !== 1) stats.bad++
      body = convo
    } else if (url.pathname === '/xrpc/chat.bsky.convo.getMessages') {
      stats.getMessages++
      const offset = Number(url.searchParams.get('cursor') ?? 0)
      const ok = authorized && url.searchParams.get('convoId') === CONVO_ID && url.searchParams.get('limit') === String(PAGE_SIZE)
      if (!ok || !(offset >= 0 && offset < TOTAL_MESSAGES && offset % PAGE_SIZE === 0)) {
        stats.bad++
        res.writeHead(400, json).end('{"error":"InvalidRequest","message":"bad getMessages request"}')
        return
      }
      body = pages.get(offset)
      if (!body) pages.set(offset, (body = Buffer.from(getMessagesBody(offset))))
    } else {
      stats.other++
      stats.bad++
      res.writeHead(404, json).end('{"error":"MethodNotImplemented","message":"not here"}')
      return
    }
    stats.bytes += body.length
    res.writeHead(200, { ...json, 'content-length': body.length }).end(body)
  })
  server.keepAliveTimeout = 60_000
  server.headersTimeout = 61_000
  server.listen(0, '127.0.0.1', () => {
    process.send({ type: 'ready', port: server.address().port, convoBytes: convo.length })
  })
  process.on('message', (message) => {
    if (message.type === 'stats') process.send({ ...stats })
  })
  process.on('disconnect', () => process.exit(0))
}

if (process.argv[1] === self && process.argv.includes('--serve')) serve()
