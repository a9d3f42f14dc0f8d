import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Core, PaginationLoopError, AbortError, withDefaults } from '@lexgen/runtime'
import { chatBskyConvoGetMessages, chatBskyConvoListConvos, Client } from '../../generated/index.js'
import { startRawServer } from '../helpers/raw-server.js'
import { OTHER_DID } from '../helpers/convo-calls.js'
import { startChatServer, TEST_TOKEN, type ChatServer } from '../helpers/xrpc-server.js'

let server: ChatServer
let client: Client
let core: Core
let convoId: string
const TOTAL = 10_000

beforeAll(async () => {
  server = await startChatServer()
  core = new Core(withDefaults({ service: server.url, auth: TEST_TOKEN }))
  client = new Client(core)
  convoId = server.store.getConvoForMembers([OTHER_DID], 'accepted').convo.id as string
  for (let i = 0; i < TOTAL; i++) server.store.sendMessage(convoId, { text: `message ${i}` }, i % 2 ? OTHER_DID : server.store.viewer)
})
afterAll(async () => {
  await server.close()
})

const getMessagesRequests = () => server.requests.filter((r) => r.nsid === 'chat.bsky.convo.getMessages')

describe('cursor pagination', () => {
  it('reads 10,000 messages over 100+ pages, in order, fetching no page twice', async () => {
    const before = getMessagesRequests().length
    const texts: string[] = []
    const first = await client.chat.bsky.convo.getMessages({ convoId, limit: 90 })
    for await (const message of first.allItems()) {
      if ('text' in message) texts.push(message.text as string)
    }
    const requests = getMessagesRequests().slice(before)
    expect(texts).toHaveLength(TOTAL)
    // The service returns newest first.
    expect(texts[0]).toBe(`message ${TOTAL - 1}`)
    expect(texts.at(-1)).toBe('message 0')
    expect(texts).toEqual(Array.from({ length: TOTAL }, (_, i) => `message ${TOTAL - 1 - i}`))
    expect(requests.length).toBe(Math.ceil(TOTAL / 90))
    expect(requests.length).toBeGreaterThan(100)
    const cursors = requests.map((r) => new URL(r.url, 'http://x').searchParams.get('cursor'))
    expect(new Set(cursors).size).toBe(cursors.length)
  })

  it('awaiting gives the first page; for await iterates pages starting with it', async () => {
    const first = await client.chat.bsky.convo.getMessages({ convoId, limit: 100 })
    expect(first.messages).toHaveLength(100)
    expect(first.cursor).toBeTypeOf('string')
    expect(JSON.parse(JSON.stringify(first))).toEqual({ messages: first.messages, cursor: first.cursor })
    const sizes: number[] = []
    for await (const page of first) {
      if (sizes.length === 0) expect(page).toBe(first)
      sizes.push(page.messages.length)
    }
    expect(sizes).toHaveLength(100)
    expect(sizes.every((n) => n === 100)).toBe(true)
  })

  it('maxPages stops iteration, and the last page has no next page', async () => {
    const first = await client.chat.bsky.convo.getMessages({ convoId, limit: 10 }, { maxPages: 3 })
    let count = 0
    for await (const _ of first.allItems()) count++
    expect(count).toBe(30)
    expect(first.hasNextPage()).toBe(true)

    const last = await client.chat.bsky.convo.getMessages({ convoId, limit: 100, cursor: undefined }, { maxPages: 1 })
    expect(last.hasNextPage()).toBe(false)
    expect(await last.nextPage()).toBeUndefined()
    // The server has more: its cursor is there, for a new call to go on from (as hasNextPage's doc says).
    expect(last.cursor).toEqual(expect.any(String))
    const more = await client.chat.bsky.convo.getMessages({ convoId, limit: 100, cursor: last.cursor }, { maxPages: 1 })
    expect(more.messages.length).toBeGreaterThan(0)
  })

  it('the standalone function returns Results, page by page, and the same page can be asked twice', async () => {
    const first = await chatBskyConvoGetMessages(core, { convoId, limit: 50 })
    if (!first.ok) throw first.error
    const second = await first.value.nextPage()
    const again = await first.value.nextPage()
    expect(second?.ok && again?.ok).toBe(true)
    if (!second?.ok || !again?.ok) return
    expect(second.value.messages.map((m) => m.$type === 'chat.bsky.convo.defs#messageView' && m.id)).toEqual(
      again.value.messages.map((m) => m.$type === 'chat.bsky.convo.defs#messageView' && m.id),
    )
    expect(second.value.messages[0]).not.toEqual(first.value.messages[0])
  })

  it('a page failure is a Result from nextPage() and a thrown typed error from iteration', async () => {
    const first = await chatBskyConvoGetMessages(core, { convoId, limit: 100 })
    if (!first.ok) throw first.error
    server.failNext('chat.bsky.convo.getMessages', { error: 'InvalidConvo', message: 'gone' })
    const next = await first.value.nextPage()
    expect(next?.ok).toBe(false)
    if (next && !next.ok) expect(next.error.error).toBe('InvalidConvo')

    server.failNext('chat.bsky.convo.getMessages', { error: 'InvalidConvo', message: 'gone' })
    const pages: unknown[] = []
    await expect(async () => {
      for await (const page of first.value) pages.push(page)
    }).rejects.toMatchObject({ error: 'InvalidConvo', status: 400 })
    expect(pages).toHaveLength(1)
  })

  it('stops with a PaginationLoopError when the server repeats a cursor', async () => {
    let calls = 0
    // a, b, a, …: the third page sends back the cursor that fetched the second.
    const looping = await startRawServer((_req, res) => {
      calls++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ convos: [], cursor: calls % 2 ? 'a' : 'b' }))
    })
    try {
      const loopClient = new Client({ service: looping.url })
      const pages = await loopClient.chat.bsky.convo.listConvos()
      let error: unknown
      try {
        for await (const _ of pages) {
          if (calls > 10) break
        }
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(PaginationLoopError)
      expect((error as Error).message).toBe(
        'chat.bsky.convo.listConvos returned a cursor it had already returned, after 3 page(s); stopped paging to avoid an endless loop',
      )
      expect(calls).toBe(3)
    } finally {
      await looping.close()
    }
  })

  it('a log caught up, an empty page giving back the cursor it was fetched with, ends paging; that cursor polls for what comes next', async () => {
    // As chat.bsky.convo.getLog answers: the logs after the cursor, and the newest rev as the cursor (the same one when there is none).
    const logs: { $type: string; rev: string; convoId: string }[] = []
    const add = () => logs.push({ $type: 'chat.bsky.convo.defs#logBeginConvo', rev: `rev${String(logs.length).padStart(4, '0')}`, convoId: 'c' })
    const log = await startRawServer((req, res) => {
      const cursor = new URL(req.url!, 'http://x').searchParams.get('cursor') ?? ''
      const after = logs.filter((entry) => entry.rev > cursor).slice(0, 2)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ logs: after, cursor: after.at(-1)?.rev ?? cursor }))
    })
    try {
      const logClient = new Client({ service: log.url })
      for (let i = 0; i < 5; i++) add()
      const seen: string[] = []
      let cursor: string | undefined
      for await (const page of await logClient.chat.bsky.convo.getLog({})) {
        for (const entry of page.logs) seen.push(entry.rev as string)
        cursor = page.cursor
      }
      expect(seen).toEqual(['rev0000', 'rev0001', 'rev0002', 'rev0003', 'rev0004'])
      expect(cursor).toBe('rev0004')
      // Caught up: a poll from that cursor ends at once, without a PaginationLoopError, and then finds what came since.
      const idle = await logClient.chat.bsky.convo.getLog({ cursor })
      expect([idle.logs.length, idle.cursor, idle.hasNextPage(), await idle.nextPage()]).toEqual([0, 'rev0004', false, undefined])
      add()
      const items: unknown[] = []
      for await (const entry of (await logClient.chat.bsky.convo.getLog({ cursor })).allItems()) items.push(entry)
      expect(items).toEqual([logs[5]])
    } finally {
      await log.close()
    }
  })

  it('allItems() over endless empty pages with fresh cursors ends with a PaginationLoopError after maxEmptyPages (default 32)', async () => {
    let calls = 0
    let itemsEvery = Infinity
    const convo = { id: 'c', rev: '1', members: [], muted: false, unreadCount: 0 }
    // Fresh cursors forever (after 200 pages, a guard for this test only, it would stop), items on
    // every `itemsEvery`-th page.
    const empty = await startRawServer((_req, res) => {
      calls++
      const convos = calls % itemsEvery === 0 ? [convo] : []
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(calls > 200 ? { convos } : { convos, cursor: `c${calls}` }))
    })
    const drain = async (options: object) => {
      calls = 0
      const first = await new Client({ service: empty.url }).chat.bsky.convo.listConvos({}, options)
      const items: unknown[] = []
      try {
        for await (const item of first.allItems()) items.push(item)
      } catch (error) {
        return { items: items.length, calls, error }
      }
      return { items: items.length, calls }
    }
    try {
      expect(await drain({})).toEqual({ items: 0, calls: 32, error: new PaginationLoopError('chat.bsky.convo.listConvos', 32, 32) })
      expect(String((await drain({ maxEmptyPages: 3 })).error)).toMatch(/returned 3 pages in a row with no items, after 3 page\(s\)/)
      // A page with items starts the count again.
      itemsEvery = 3
      expect(await drain({ maxEmptyPages: 3 })).toEqual({ items: 67, calls: 201 })
      expect(await drain({ maxEmptyPages: 2 })).toMatchObject({ items: 0, calls: 2, error: expect.any(PaginationLoopError) })
    } finally {
      await empty.close()
    }
  })

  it.each([0, -1, 1.5, Number.NaN, '2'])('maxPages and maxEmptyPages %j are a TypeError before any request', async (bad) => {
    await expect(chatBskyConvoListConvos(core, {}, { maxPages: bad as number })).rejects.toThrow(/maxPages must be a whole number >= 1/)
    await expect(chatBskyConvoListConvos(core, {}, { maxEmptyPages: bad as number })).rejects.toThrow(/maxEmptyPages must be a whole number >= 1/)
  })

  it('an aborted signal ends iteration with an AbortError', async () => {
    const controller = new AbortController()
    const first = await client.chat.bsky.convo.getMessages({ convoId, limit: 10 }, { signal: controller.signal })
    let count = 0
    await expect(async () => {
      for await (const _ of first) {
        if (++count === 2) controller.abort()
      }
    }).rejects.toBeInstanceOf(AbortError)
    expect(count).toBe(2)
  })

  it('an abort while allItems() is inside a page ends it at the next item, not at the end of the page', async () => {
    const controller = new AbortController()
    const first = await client.chat.bsky.convo.getMessages({ convoId, limit: 10 }, { signal: controller.signal })
    expect(first.messages.length).toBeGreaterThan(2)
    let count = 0
    await expect(async () => {
      for await (const _ of first.allItems()) {
        if (++count === 2) controller.abort()
      }
    }).rejects.toBeInstanceOf(AbortError)
    expect(count).toBe(2)
  })

  it('listConvos pages with the generated items field', async () => {
    const result = await chatBskyConvoListConvos(core, { limit: 1 })
    if (!result.ok) throw result.error
    const ids: string[] = []
    for await (const convo of result.value.allItems()) ids.push(convo.id)
    expect(ids).toContain(convoId)
  })
})
