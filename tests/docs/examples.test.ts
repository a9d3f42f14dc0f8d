/**
 * Every TypeScript block of the generated reference docs, checked the way a reader would use it:
 * all of them typecheck together in a strict user project, and each runs, unchanged, against the
 * in-process `@atproto/xrpc-server` peer (which validates requests and responses against the
 * lexicons) and completes; each standalone example, given the error it documents, takes the
 * branch that handles it. Docs that compile but lie fail here — see the last describe block.
 */
import { copyFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Method } from '@lexgen/runtime'
import { EXAMPLE_WORLD } from '../../codegen/emit/examples/values.js'
import * as generated from '../../generated/index.js'
import { startChatServer, TEST_TOKEN, type ChatServer, type RecordedRequest } from '../helpers/xrpc-server.js'
import { codeBlocks, readDocs, typecheck, userProject, type Block } from './support.js'
import { SCENES, seedWorld } from './world.js'

let server: ChatServer
let project: Awaited<ReturnType<typeof userProject>>
let pages: Map<string, string>
let blocks: (Block & { file: string })[]

beforeAll(async () => {
  server = await startChatServer({ account: { handle: EXAMPLE_WORLD.handle, password: EXAMPLE_WORLD.password } })
  project = await userProject()
  pages = await readDocs()
  const ts = codeBlocks(pages).filter((block) => block.language === 'ts')
  blocks = await Promise.all(ts.map(async (block, i) => ({ ...block, file: await project.write(`block${String(i).padStart(3, '0')}.ts`, block.code) })))
})

afterAll(async () => {
  await server?.close()
  await project?.close()
})

interface Outcome {
  readonly threw?: unknown
  readonly logs: unknown[][]
  readonly errors: unknown[][]
  /** The requests the program made. */
  readonly requests: RecordedRequest[]
}

let runs = 0

/**
 * Runs a block as a program of its own (a fresh module) in the example world, with the
 * environment the docs tell readers to set, and reports what it printed and sent.
 */
async function run(file: string, nsid: string | undefined, inject?: string): Promise<Outcome> {
  server.reset()
  seedWorld(server.store)
  if (nsid) SCENES[nsid]?.(server.store)
  if (nsid && inject) server.failNext(nsid, { error: inject, message: `injected ${inject}` })
  const env = {
    ATPROTO_SERVICE: server.url,
    ATPROTO_ACCESS_JWT: TEST_TOKEN,
    ATPROTO_REFRESH_JWT: server.sessions.issue().refreshJwt,
    ATPROTO_IDENTIFIER: EXAMPLE_WORLD.handle,
    ATPROTO_PASSWORD: EXAMPLE_WORLD.password,
  }
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]))
  Object.assign(process.env, env)
  const logs: unknown[][] = []
  const errors: unknown[][] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => void logs.push(args))
  const error = vi.spyOn(console, 'error').mockImplementation((...args) => void errors.push(args))
  const before = server.requests.length
  // A copy per run: a module runs once per path.
  const copy = file.replace(/\.ts$/, `.run${++runs}.ts`)
  await copyFile(file, copy)
  let threw: unknown
  try {
    await import(copy)
  } catch (caught) {
    threw = caught
  } finally {
    log.mockRestore()
    error.mockRestore()
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
  return { ...(threw === undefined ? {} : { threw }), logs, errors, requests: server.requests.slice(before) }
}

/** What a block's section documents: its proxy and, for a method, its first declared error. */
function documented(block: Block) {
  const page = pages.get(block.page)!
  const section = page.split(/^(?=## )/m).find((chunk) => chunk.includes(`- **NSID:** \`${block.nsid}\``))!
  const proxy = /\*\*Proxy:\*\* `atproto-proxy: ([^`]+)`/.exec(section)?.[1]
  const errors = section.slice(section.indexOf('### Errors'))
  const declared = /^\| `[\w.]+Error` \| `([^`]+)` \|/m.exec(errors)?.[1]
  return { proxy, declared }
}

/** Checks a run of a method's example completed as documented; returns the problem, if any. */
function problems(outcome: Outcome, nsid: string, pagesAtLeast: number): string[] {
  const out: string[] = []
  if (outcome.threw !== undefined) out.push(`threw ${String(outcome.threw)}`)
  if (outcome.errors.length) out.push(`printed errors ${JSON.stringify(outcome.errors)}`)
  // No example prints a credential (a session's tokens come back from createSession and refreshSession).
  const printed = JSON.stringify([outcome.logs, outcome.errors])
  if (printed.includes(TEST_TOKEN) || /access-jwt-|refresh-jwt-/.test(printed)) out.push('printed a token')
  const calls = outcome.requests.filter((r) => r.nsid === nsid).length
  if (calls < pagesAtLeast) out.push(`made ${calls} ${nsid} requests, expected at least ${pagesAtLeast}`)
  return out
}

describe('every TypeScript block in the docs', () => {
  it('is found: each method has its client, standalone and (when paged) pagination example', () => {
    const methods = new Set(blocks.filter((b) => b.nsid).map((b) => b.nsid))
    expect(methods.size).toBe(47)
    for (const nsid of methods) {
      const sections = blocks.filter((b) => b.nsid === nsid).map((b) => b.section)
      expect(sections.slice(0, 2), nsid).toEqual(['Example usage', 'Standalone function'])
    }
    const paged = Object.values(generated).filter((mod) => (mod as { method?: Method }).method?.paginate).length
    expect(paged).toBe(7)
    expect(blocks.filter((b) => b.nsid && b.section === 'Pagination').length).toBe(paged)
  })

  it('typechecks, all together, in a strict user project', async () => {
    const result = await typecheck(project.dir, blocks.map((b) => b.file.slice(project.dir.length + 1)))
    expect(result.output).toBe('')
    expect(result.code).toBe(0)
  })
})

describe('each method example runs against the peer server and completes', () => {
  it.each(['Example usage', 'Standalone function', 'Pagination'])('%s', async (section) => {
    const failures: string[] = []
    const answered = new Set<string>()
    for (const block of blocks.filter((b) => b.nsid && b.section === section)) {
      const outcome = await run(block.file, block.nsid)
      const issues = problems(outcome, block.nsid!, section === 'Pagination' ? 2 : 1)
      if (!issues.length) answered.add(block.nsid!)
      // The proxy the docs state is the one the runtime sent.
      const sent = outcome.requests.find((r) => r.nsid === block.nsid)?.headers['atproto-proxy']
      if (sent !== documented(block).proxy) issues.push(`sent atproto-proxy ${sent}, docs say ${documented(block).proxy}`)
      if (issues.length) failures.push(`${block.page} ${block.nsid} (${section}): ${issues.join('; ')}`)
    }
    expect(failures).toEqual([])
    // So the peer answered every method of the client, each request and response validated against the lexicons.
    if (section !== 'Pagination') expect([...answered].sort()).toEqual(Object.values(generated).flatMap((mod) => (mod as { method?: Method }).method?.nsid ?? []).sort())
  })

  it('the standalone examples handle the declared error they document, by its class', async () => {
    const failures: string[] = []
    let checked = 0
    for (const block of blocks.filter((b) => b.nsid && b.section === 'Standalone function')) {
      const { declared } = documented(block)
      if (!declared) continue
      checked++
      const outcome = await run(block.file, block.nsid, declared)
      if (outcome.threw !== undefined || outcome.errors[0]?.[0] !== `${declared}:`) {
        failures.push(`${block.nsid}: given ${declared}, printed ${JSON.stringify(outcome.errors)}${outcome.threw ? `, threw ${outcome.threw}` : ''}`)
      }
    }
    expect(checked).toBeGreaterThan(30)
    expect(failures).toEqual([])
  })
})

describe('the index page examples', () => {
  it('each run against the peer server and complete', async () => {
    const index = blocks.filter((b) => b.page === 'README.md')
    expect(index.map((b) => b.section)).toEqual([
      'Client and Core',
      'Sessions',
      'Proxying',
      'Per-call options',
      'Pagination',
      'Retries',
      'Validation',
      'Errors',
    ])
    const failures: string[] = []
    for (const block of index) {
      const outcome = await run(block.file, undefined)
      if (outcome.threw !== undefined || outcome.errors.length || outcome.requests.length === 0) {
        failures.push(`${block.section}: ${String(outcome.threw ?? '')} ${JSON.stringify(outcome.errors)} (${outcome.requests.length} requests)`)
      }
    }
    expect(failures).toEqual([])
  })
})

describe('a broken example fails the suite', () => {
  const getConvo = () => blocks.find((b) => b.nsid === 'chat.bsky.convo.getConvo' && b.section === 'Example usage')!

  it('a wrong parameter name fails the typecheck, naming the file, and fails the run', async () => {
    const broken = getConvo().code.replace('convoId:', 'convoID:')
    expect(broken).not.toBe(getConvo().code)
    const file = await project.write('broken-param.ts', broken)
    const result = await typecheck(project.dir, ['broken-param.ts'])
    expect(result.code).not.toBe(0)
    expect(result.output).toMatch(/broken-param\.ts\(\d+,\d+\): error TS2561: Object literal may only specify known properties, but 'convoID' does not exist/)
    const outcome = await run(file, 'chat.bsky.convo.getConvo')
    expect(problems(outcome, 'chat.bsky.convo.getConvo', 1)).not.toEqual([])
    expect(String(outcome.threw)).toMatch(/RequestValidationError|params does not match the lexicon: convoId/)
  })

  it('an example that compiles but handles the wrong error is caught when the documented one arrives', async () => {
    const block = blocks.find((b) => b.nsid === 'chat.bsky.convo.sendMessage' && b.section === 'Standalone function')!
    const lying = block.code.replace("result.error.error === 'ConvoLocked'", "result.error.error === 'InvalidConvo'")
    expect(lying).not.toBe(block.code)
    const file = await project.write('lying-error.ts', lying)
    expect((await typecheck(project.dir, ['lying-error.ts'])).output).toBe('')
    const outcome = await run(file, block.nsid, 'ConvoLocked')
    expect(outcome.errors[0]?.[0]).not.toBe('ConvoLocked:')
  })

  it('an example whose value breaks a lexicon limit compiles but fails the run', async () => {
    const block = blocks.find((b) => b.nsid === 'chat.bsky.convo.getMessages' && b.section === 'Example usage')!
    const file = await project.write('over-limit.ts', block.code.replace('limit: 50', 'limit: 500'))
    expect((await typecheck(project.dir, ['over-limit.ts'])).output).toBe('')
    const outcome = await run(file, block.nsid)
    expect(String(outcome.threw)).toMatch(/limit: 500 > maximum 100/)
  })
})
