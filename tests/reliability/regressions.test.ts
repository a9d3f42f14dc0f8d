/**
 * Defects the reliability suite found, each pinned by the smallest case that showed it
 * (the rest are cells of the fault matrix, security.test.ts and limits.test.ts; see docs/RELIABILITY.md).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Core, InvalidResponseError, ResponseValidationError, validate, withDefaults } from '@lexgen/runtime'
import { AppBskyEmbedRecord, chatBskyConvoGetConvo, chatBskyConvoGetMessages, chatBskyConvoListConvos, Client } from '../../generated/index.js'
import { validation } from '../../generated/validation.js'
import { removeDir, runCli, tempDir } from '../codegen/helpers.js'
import { DEEPEST_PASSING, deepConvoBody } from '../helpers/deep-response.js'
import { startFaultServer, type FaultServer } from './support/fault-server.js'

let server: FaultServer
beforeAll(async () => {
  server = await startFaultServer()
})
afterAll(async () => {
  await server.close()
})

describe('a 2xx JSON body that is not an object', () => {
  // Found by fuzz-responses: `null` came back as the output (the caller's `const { convo } = value`
  // threw a TypeError), and a paged method turned `""` or `5` into an empty page `{}` as if all was well.
  it.each(['null', '5', '"text"', 'true', '[]', '[{"id":"c1"}]'])('%s is an InvalidResponseError, paged or not', async (body) => {
    server.handle((_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(body)))
    const core = new Core(withDefaults({ service: server.url, retries: false }))
    const single = await chatBskyConvoGetConvo(core, { convoId: 'c1' })
    expect(single.ok ? single.value : single.error).toBeInstanceOf(InvalidResponseError)
    const paged = await chatBskyConvoListConvos(core, {})
    expect(paged.ok ? paged.value : paged.error).toBeInstanceOf(InvalidResponseError)
    if (!paged.ok) expect(paged.error.message).toMatch(/^Expected a JSON object, got (null|number|string|boolean|an array)$/)
  })
})

describe('a lone surrogate in a lexicon description', () => {
  // Found by fuzz-generator: the JSDoc kept the lone surrogate in memory while the file on disk
  // got U+FFFD, so `check` called a fresh output stale, and every `generate` rewrote it.
  it('generate, then check passes and a second generate changes nothing', async () => {
    const dir = await tempDir('lexgen-surrogate-')
    try {
      await mkdir(join(dir, 'lex'), { recursive: true })
      const doc = { lexicon: 1, id: 'com.example.surrogate', defs: { main: { type: 'token', description: 'half an emoji: \ud83d, and the other half: \ude00' } } }
      await writeFile(join(dir, 'lex/doc.json'), JSON.stringify(doc))
      const args = ['--lexicons', join(dir, 'lex'), '--out', join(dir, 'out'), '--include', '*']
      expect((await runCli(['generate', ...args], dir)).code).toBe(0)
      const check = await runCli(['check', ...args], dir)
      expect(check.code, check.stderr).toBe(0)
      expect((await runCli(['generate', ...args], dir)).stdout).toMatch(/\(0 changed\)/)
    } finally {
      await removeDir(dir)
    }
  })
})

describe('a response nested thousands of levels deep', () => {
  // Issue 12: the chat lexicons are recursive: a 3,000-level getConvo response overflowed the
  // stack in the generated validators, in both call styles.
  it('3,000 levels (0.9 MB): a ResponseValidationError naming the limit, from the Client and in the Result', async () => {
    server.handle((_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(deepConvoBody(3_000))))
    const thrown = await new Client({ service: server.url, retries: false }).chat.bsky.convo.getConvo({ convoId: 'c' }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(ResponseValidationError)
    const result = await chatBskyConvoGetConvo(new Core({ service: server.url, validation }), { convoId: 'c' })
    expect(result.ok ? result.value : result.error).toBeInstanceOf(ResponseValidationError)
    for (const error of [thrown as ResponseValidationError, !result.ok && (result.error as ResponseValidationError)]) {
      expect(error && error.issues.length).toBeGreaterThan(0)
      expect(error && error.issues.every((issue) => issue.message === 'is nested more than 1500 objects deep')).toBe(true)
      expect(error && error.message).toMatch(/^chat\.bsky\.convo\.getConvo output does not match the lexicon: convo\.lastMessage\.embed\.record\.embeds\[0\]\.record\.embeds\[0\].*: is nested more than 1500 objects deep/)
    }
  })

  it('a cyclic value holding itself twice (built by a caller, as input): one issue at once, not every one of 2^1500 paths walked', () => {
    const view = { $type: 'app.bsky.embed.record#view', record: { $type: 'app.bsky.embed.record#viewRecord', uri: 'at://did:plc:x/app.bsky.feed.post/1', cid: 'bafyreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe', author: { did: 'did:plc:x', handle: 'a.test' }, value: {}, indexedAt: '2024-01-01T00:00:00Z', embeds: [] as unknown[] } }
    view.record.embeds.push(view, view)
    const issues = validate(AppBskyEmbedRecord.validateView, view, false)
    expect(issues).toHaveLength(1)
    expect(issues[0]!.message).toBe('is nested more than 1500 objects deep')
  })

  it('a $type nested 20,000 arrays deep, in strict mode: a ResponseValidationError, from the Client and in the Result', async () => {
    // Found by an audit: the strict $type check wrote the value out as JSON, which overflowed the
    // stack: the standalone function rejected and the Client threw a RangeError.
    const type = `${'['.repeat(20_000)}${']'.repeat(20_000)}`
    server.handle((_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(`{"convo":{"$type":${type},"id":"c","rev":"1","members":[],"muted":false,"unreadCount":0}}`)))
    const thrown = await new Client({ service: server.url, retries: false, validate: 'strict' }).chat.bsky.convo.getConvo({ convoId: 'c' }).catch((error: unknown) => error)
    const result = await chatBskyConvoGetConvo(new Core({ service: server.url, validation, validate: 'strict' }), { convoId: 'c' })
    for (const error of [thrown, result.ok ? result.value : result.error]) {
      expect(error).toBeInstanceOf(ResponseValidationError)
      expect((error as ResponseValidationError).issues).toContainEqual({ path: 'convo.$type', message: 'an array is not chat.bsky.convo.defs#convoView' })
    }
  })

  it('a realistic depth passes, and the limit is where the docs put it', async () => {
    for (const [depth, ok] of [[5, true], [DEEPEST_PASSING, true], [DEEPEST_PASSING + 1, false]] as const) {
      server.handle((_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(deepConvoBody(depth))))
      const result = await chatBskyConvoGetConvo(new Core({ service: server.url, validation }), { convoId: 'c' })
      expect(result.ok, `depth ${depth}`).toBe(ok)
    }
  })
})


describe('responses built to cost time or memory, found by a complexity audit', () => {
  // Each took time (or memory) out of proportion to its size; now each is a typed error at a cost
  // in proportion. The timeouts are liveness bounds hundreds of times what the calls take now.
  const answer = (status: number, type: string, body: string) =>
    server.handle((_req, res) => (res.writeHead(status, { 'content-type': type }), res.end(body)))
  const run = (body: string, status = 200, type = 'application/json') => {
    answer(status, type, body)
    return chatBskyConvoGetMessages(new Core({ service: server.url, validation }), { convoId: 'c' })
  }
  // Every `eyJ` of the run starts a JWT that fails at its end: tried one by one, 256 KB took 8 s.
  const jwtRun = 'eyJ-'.repeat(1 << 16)

  it('a run of `eyJ-` where redaction looks for JWTs: in an error message, a body that is no JSON, a value quoted in an issue', { timeout: 20_000 }, async () => {
    const message = await run(JSON.stringify({ error: 'InvalidRequest', message: jwtRun }), 400)
    expect(!message.ok && message.error.message).toMatch(/^eyJ-eyJ-.*…$/)
    const text = await run(jwtRun, 200, 'text/plain')
    expect(!text.ok && text.error).toBeInstanceOf(InvalidResponseError)
    const quoted = await run(JSON.stringify({ messages: [{ $type: 'chat.bsky.convo.defs#messageView', id: 'a', rev: 'b', text: 't', sender: { did: `did:${jwtRun}` }, sentAt: '2024-01-01T00:00:00Z' }] }))
    expect(!quoted.ok && quoted.error).toBeInstanceOf(ResponseValidationError)
  })

  it('a JWT glued to such a run is still redacted, its signature too', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkaWQ6cGxjOngifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ'
    const result = await run(JSON.stringify({ error: 'InvalidRequest', message: `eyJ-x-${jwt} and eyJx-eyJ.${jwt}` }), 400)
    expect(!result.ok && result.error.message).toBe('[redacted] and [redacted]')
  })

  it('an array of 20,000 wrong items: the first 100 issues listed, the rest counted', async () => {
    const result = await run(`{"messages":[${'0,'.repeat(19_999)}0]}`)
    const error = !result.ok && (result.error as ResponseValidationError)
    expect(error).toBeInstanceOf(ResponseValidationError)
    if (!error) return
    expect(error.issues).toHaveLength(101)
    expect(error.issues[100]).toEqual({ path: '', message: '19900 more issues, not listed (only the first 100 are)', more: 19900 })
    expect(error.message).toBe('chat.bsky.convo.getMessages output does not match the lexicon: messages[0]: must be an object with a string $type (and 19999 more)')
  })

  it('many wrong items nested 300 record embeds deep: each issue no longer carries a path grown at every level (a megabyte ran the heap out)', { timeout: 20_000 }, async () => {
    const open = '{"$type":"app.bsky.embed.record#view","record":{"$type":"app.bsky.embed.record#viewRecord","uri":"at://did:plc:x/app.bsky.feed.post/1","cid":"bafyreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe","author":{"did":"did:plc:x","handle":"a.test"},"value":{},"indexedAt":"2024-01-01T00:00:00Z","embeds":['
    const message = `{"$type":"chat.bsky.convo.defs#messageView","id":"m","rev":"1","text":"x","sender":{"did":"did:plc:x"},"sentAt":"2024-01-01T00:00:00Z","embed":${open.repeat(300)}${'0,'.repeat(199_999)}0${']}}'.repeat(300)}}`
    const result = await run(`{"messages":[${message}]}`)
    const error = !result.ok && (result.error as ResponseValidationError)
    expect(error && error.issues).toHaveLength(101)
    expect(error && error.issues[0]!.path).toMatch(/^messages\[0\]\.embed(\.record\.embeds\[0\]){299}\.record\.embeds\[0\]$/)
  })
})
