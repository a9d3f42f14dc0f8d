/**
 * Random and mutated server responses into every chat.bsky.convo method (seeded fast-check).
 * Each case answers one call with an arbitrary status, content-type, rate-limit headers and a
 * body that is either a real response of that method (recorded from the XRPC server) mutated,
 * arbitrary JSON, truncated JSON, random bytes, pathological JSON or nothing; sometimes the
 * connection drops mid-body. The call must resolve to a typed error or to exactly the decoded
 * body: never throw, never reject unhandled, never pollute prototypes. Paged methods are also
 * iterated: their iterators end or throw a typed XrpcError, nothing else.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Core, ResponseValidationError, XrpcError, XrpcResponseError, type Paginated, type Result, withDefaults } from '@lexgen/runtime'
import { Client } from '../../generated/index.js'
import { validation } from '../../generated/validation.js'
import { generatedMethod, sampleArgs } from '../helpers/convo-calls.js'
import { convoMethods, TEST_TOKEN } from '../helpers/xrpc-server.js'
import { fuzzWorld } from './support/fuzz-world.js'
import { settle } from './support/guards.js'
import { PROTOTYPE_NAMES } from './support/hostile.js'
import { report, runs, SEED } from './support/seed.js'

const NAMES = convoMethods().map((nsid) => nsid.split('.').pop()!)
const PROTOTYPE_MEMBERS = Object.getOwnPropertyNames(Object.prototype)
const IDS = { convoId: 'c1', messageId: 'm1' }
const world = fuzzWorld()

interface FuzzResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: Uint8Array
  /** Drop the connection after this many body bytes. */
  readonly cutAt?: number
}

const headerSafe = fc.string({ unit: fc.constantFrom('a', '0', '9', '-', ' ', ',', ';', '=', ':', '.', 'GMT', 'Mon, 01 Jan 2001', 'e', 'x'), maxLength: 6 })
const statusArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(200) },
  fc.constantFrom(200, 201, 202, 204, 206, 299, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 413, 418, 429, 500, 501, 502, 503, 504, 599),
  fc.integer({ min: 200, max: 599 }),
)
const contentTypeArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('application/json') },
  fc.constant(null),
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/problem+json', 'application/jsonx', 'text/html', 'text/plain', 'application/octet-stream', '', ';', 'application/json;;;'),
)
const numberish = fc.oneof(fc.integer({ min: -5, max: 5 }).map(String), fc.constantFrom('0', '1e400', 'NaN', '-0', '99999999999', '1.5', ''), headerSafe)
const headersArb = fc.tuple(
  fc.record(
    { 'content-type': contentTypeArb, 'retry-after': fc.option(numberish), 'ratelimit-reset': fc.option(numberish), 'ratelimit-limit': fc.option(numberish), 'ratelimit-remaining': fc.option(numberish), 'ratelimit-policy': fc.option(headerSafe), location: fc.option(fc.constantFrom('/elsewhere', 'http://127.0.0.1:1/x', '')) },
    { requiredKeys: [] },
  ),
  // Header names every object inherits: they must stay headers, never reach a prototype.
  fc.array(fc.tuple(fc.constantFrom(...PROTOTYPE_NAMES.filter((name) => name !== '__proto__')), headerSafe), { maxLength: 2 }),
).map(([h, inherited]) => Object.fromEntries([...Object.entries(h), ...inherited].filter((e): e is [string, string] => typeof e[1] === 'string')))

/** Replaces, removes or retypes one value somewhere inside `value`. */
function mutate(value: unknown, path: number[], replacement: unknown, op: 'replace' | 'delete' | 'wrap'): unknown {
  if (typeof value !== 'object' || value === null || path.length === 0) return op === 'wrap' ? [value] : replacement
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value)
  if (entries.length === 0) return replacement
  const index = path[0]! % entries.length
  const [key, child] = entries[index]!
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value }
  if (op === 'delete' && path.length === 1) {
    if (Array.isArray(copy)) copy.splice(Number(key), 1)
    else delete copy[key]
    return copy
  }
  ;(copy as Record<string, unknown>)[key] = mutate(child, path.slice(1), replacement, op)
  return copy
}

const pathological = fc.constantFrom(
  '['.repeat(100_000),
  `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  '{"cursor":"same","convos":[],"messages":[],"members":[],"requests":[],"logs":[]}',
  '{"cursor":12,"convos":{"length":3},"messages":"abc"}',
  '1e999999',
  '"\\ud800"',
  '\ufeff{"a":1}',
  'null',
  '[]',
  '0',
  '""',
)

/** `text` (a JSON object) with a key every object inherits added at the start of one of its objects. */
const withInheritedKey = (text: string, at: number, key: string, value: unknown) => {
  const opens = [...text.matchAll(/\{(?=")/g)].map((m) => m.index!)
  if (opens.length === 0) return text
  const i = opens[at % opens.length]!
  return `${text.slice(0, i + 1)}${JSON.stringify(key)}:${JSON.stringify(value)},${text.slice(i + 1)}`
}

const bodyArb = (name: string) =>
  fc.oneof(
    // An XRPC error named like an Object.prototype member, or a body with such keys anywhere.
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PROTOTYPE_NAMES), fc.option(headerSafe)).map(([error, message]) => JSON.stringify(message === null ? { error } : { error, message })) },
    { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...PROTOTYPE_NAMES), fc.jsonValue({ maxDepth: 2 })).map(([at, key, value]) => withInheritedKey(JSON.stringify(world.samples.get(name)), at, key, value)) },
    { weight: 4, arbitrary: fc.tuple(fc.array(fc.nat(), { maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('replace', 'delete', 'wrap') as fc.Arbitrary<'replace' | 'delete' | 'wrap'>).map(([path, replacement, op]) => JSON.stringify(mutate(world.samples.get(name), path, replacement, op))) },
    { weight: 2, arbitrary: fc.constant(null).map(() => JSON.stringify(world.samples.get(name))) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.nat().map((n) => { const text = JSON.stringify(world.samples.get(name)); return text.slice(0, n % Math.max(1, text.length)) }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')) },
    { weight: 1, arbitrary: pathological },
    { weight: 1, arbitrary: fc.constant('') },
  ).map((text) => Buffer.from(text, text.length > 0 && /^[\x00-\xff]*$/.test(text) && !text.startsWith('{') && !text.startsWith('[') ? 'latin1' : 'utf8'))

const responseArb = (name: string): fc.Arbitrary<FuzzResponse> =>
  fc.record({ status: statusArb, headers: headersArb, body: bodyArb(name), cutAt: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat({ max: 64 }) }) }).map((r) => ({
    status: r.status,
    headers: r.headers,
    body: new Uint8Array(r.body),
    ...(r.cutAt === null ? {} : { cutAt: r.cutAt }),
  }))

function serve(response: FuzzResponse): void {
  world.server.handle((_req, res) => {
    res.writeHead(response.status, response.headers)
    if (response.cutAt !== undefined && response.cutAt < response.body.length) {
      res.write(response.body.subarray(0, response.cutAt))
      setImmediate(() => res.socket?.destroy())
    } else res.end(response.body)
  })
}

/** Deep equality of two JSON values, iterative (own enumerable keys only, as JSON sees them). */
function sameJson(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]]
  while (stack.length) {
    const [x, y] = stack.pop()!
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
      if (!Object.is(x, y)) return false
      continue
    }
    if (Array.isArray(x) !== Array.isArray(y)) return false
    const keys = Object.keys(x)
    if (keys.length !== Object.keys(y).length) return false
    for (const key of keys) {
      if (!Object.prototype.hasOwnProperty.call(y, key)) return false
      stack.push([(x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]])
    }
  }
  return true
}

/** What a correct client may return for `response`: a typed error, or exactly the decoded body. */
function checkResult(name: string, response: FuzzResponse, result: Result<unknown, XrpcError>): void {
  const { method } = generatedMethod(name)
  if (result.ok) {
    expect(response.status).toBeGreaterThanOrEqual(200)
    expect(response.status).toBeLessThan(300)
    if (method.output === undefined) {
      expect(result.value).toBeUndefined()
      return
    }
    const text = new TextDecoder().decode(response.body)
    expect(response.headers['content-type']?.toLowerCase()).toMatch(/^application\/([a-z.+-]*\+)?json\s*(;|$)/)
    // Compared without recursion: some bodies nest 5,000 levels deep.
    expect(sameJson(result.value, JSON.parse(text))).toBe(true)
    return
  }
  const error = result.error
  expect(error).toBeInstanceOf(XrpcError)
  expect(error.nsid).toBe(`chat.bsky.convo.${name}`)
  expect(typeof error.message).toBe('string')
  expect(String(error)).toContain(error.name)
  if (error instanceof XrpcResponseError) expect(error.status).toBe(response.status)
  else if (error.status !== 0) expect(error.status).toBe(response.status)
}

describe('random and mutated responses into every convo method', () => {
  it(`covers all ${NAMES.length} methods`, () => {
    expect(NAMES).toHaveLength(22)
    expect(world.samples.size).toBe(22)
  })

  it('every call resolves to a typed error or the decoded body', async () => {
    let cases = 0
    const outcomes: Record<string, number> = {}
    // Every response ends (whole or dropped): the timeout only guards against a hang, far from any real answer.
    const core = new Core(withDefaults({ service: world.server.url, auth: TEST_TOKEN, timeout: 10_000, retries: { limit: 1, baseDelay: 1, maxDelay: 5, maxWait: 20 } }))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...NAMES).chain((name) => fc.tuple(fc.constant(name), responseArb(name))),
        async ([name, response]) => {
          cases++
          serve(response)
          const result = await generatedMethod(name).call(core, sampleArgs(name, IDS))
          checkResult(name, response, result)
          const key = result.ok ? 'ok' : result.error.name
          outcomes[key] = (outcomes[key] ?? 0) + 1
          expect(({} as Record<string, unknown>).polluted).toBeUndefined()
          expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(PROTOTYPE_MEMBERS)
        },
      ),
      { seed: SEED, numRuns: runs(3_000) },
    )
    await settle()
    expect(world.rejections.seen).toEqual([])
    report('responses into convo methods', { cases, failures: 0, ...outcomes })
  })

  it('paged methods: iterating pages and items ends or throws a typed XrpcError', async () => {
    const paged = NAMES.filter((name) => generatedMethod(name).method.paginate)
    expect(paged.length).toBeGreaterThanOrEqual(4)
    let cases = 0
    let thrown = 0
    let items = 0
    const core = new Core(withDefaults({ service: world.server.url, auth: TEST_TOKEN, timeout: 2_000, retries: false }))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paged).chain((name) => fc.tuple(fc.constant(name), responseArb(name).filter((r) => r.status < 300 || r.status >= 400))),
        async ([name, response]) => {
          cases++
          serve({ ...response, status: 200, headers: { ...response.headers, 'content-type': 'application/json' } })
          const result = await generatedMethod(name).call(core, sampleArgs(name, IDS), { maxPages: 4 } as object)
          if (!result.ok) {
            expect(result.error).toBeInstanceOf(XrpcError)
            return
          }
          const page = result.value as Paginated<unknown, unknown, XrpcError>
          try {
            let n = 0
            for await (const _ of page.allItems()) {
              items++
              if (++n > 10_000) break
            }
          } catch (error) {
            thrown++
            expect(error).toBeInstanceOf(XrpcError)
          }
        },
      ),
      { seed: SEED, numRuns: runs(300) },
    )
    await settle()
    expect(world.rejections.seen).toEqual([])
    report('responses into paged iteration', { cases, items, thrown, failures: 0 })
  })

  it('deep responses through the recursive defs, in both call styles: a value or a ResponseValidationError, never a stack overflow', async () => {
    // One level of a record embed holding a record view with embeds, or of a record-with-media embed.
    const levels = {
      record: ['{"$type":"app.bsky.embed.record#view","record":{"$type":"app.bsky.embed.record#viewRecord","uri":"at://did:plc:x/app.bsky.feed.post/1","cid":"bafyreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe","author":{"did":"did:plc:x","handle":"a.test"},"value":{},"indexedAt":"2024-01-01T00:00:00Z","embeds":[', ']}}'],
      media: ['{"$type":"app.bsky.embed.recordWithMedia#view","media":{"$type":"app.bsky.embed.images#view","images":[]},"record":{"$type":"app.bsky.embed.record#view","record":{"$type":"app.bsky.embed.record#viewRecord","uri":"at://did:plc:x/app.bsky.feed.post/1","cid":"bafyreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe","author":{"did":"did:plc:x","handle":"a.test"},"value":{},"indexedAt":"2024-01-01T00:00:00Z","embeds":[', ']}}}'],
    } as const
    const innermost = '{"$type":"app.bsky.embed.record#view","record":{"$type":"app.bsky.embed.record#viewNotFound","uri":"at://did:plc:x/app.bsky.feed.post/1","notFound":true}}'
    const message = (embed: string) => `{"$type":"chat.bsky.convo.defs#messageView","id":"m","rev":"1","text":"x","sender":{"did":"did:plc:x"},"sentAt":"2024-01-01T00:00:00Z","embed":${embed}}`
    const bodies: Record<string, (embed: string) => string> = {
      getConvo: (embed) => `{"convo":{"id":"c","rev":"1","members":[],"muted":false,"unreadCount":0,"lastMessage":${message(embed)}}}`,
      getMessages: (embed) => `{"messages":[${message(embed)}]}`,
      sendMessage: message,
      listConvos: (embed) => `{"convos":[{"id":"c","rev":"1","members":[],"muted":false,"unreadCount":0,"lastMessage":${message(embed)}}]}`,
    }
    const chain = fc.array(fc.constantFrom('record', 'media') as fc.Arbitrary<keyof typeof levels>, { minLength: 1, maxLength: 4 })
    const depth = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 41, max: 5_000 }))
    const counts = { cases: 0, ok: 0, tooDeep: 0, maxDepth: 0 }
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(bodies)), depth, chain, fc.constantFrom('client', 'standalone'), fc.constantFrom('lenient', 'strict', 'off'), async (name, n, kinds, style, validate) => {
        counts.cases++
        counts.maxDepth = Math.max(counts.maxDepth, n)
        // A message embed is a record view on the outside (what strict mode holds it to).
        const levelsUsed = Array.from({ length: n }, (_, i) => levels[i === 0 ? 'record' : kinds[i % kinds.length]!])
        const embed = levelsUsed.map(([open]) => open).join('') + innermost + levelsUsed.map(([, close]) => close).reverse().join('')
        const body = bodies[name]!(embed)
        world.server.handle((_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(body)))
        const { method, call } = generatedMethod(name)
        let outcome: unknown
        if (style === 'client') {
          const client = new Client({ service: world.server.url, retries: false, validate })
          const fn = (client.chat.bsky.convo as unknown as Record<string, (args: object) => Promise<unknown>>)[name]!
          outcome = await fn.call(client.chat.bsky.convo, sampleArgs(name, IDS)).catch((error: unknown) => error)
        } else {
          const result = await call(new Core({ service: world.server.url, validation, validate }), sampleArgs(name, IDS))
          outcome = result.ok ? result.value : result.error
        }
        expect(outcome).not.toBeInstanceOf(RangeError)
        if (outcome instanceof XrpcError) {
          expect(outcome).toBeInstanceOf(ResponseValidationError)
          expect(validate).not.toBe('off')
          expect((outcome as ResponseValidationError).issues.every((i) => i.message === 'is nested more than 1500 objects deep')).toBe(true)
          // Each level spends one to three of the 1,500: a short chain always passes.
          expect(n).toBeGreaterThan(40)
          counts.tooDeep++
        } else {
          expect(method.output).toBeDefined()
          counts.ok++
        }
      }),
      { seed: SEED, numRuns: runs(200) },
    )
    expect(counts.tooDeep).toBeGreaterThan(10)
    report('deep responses into recursive defs', counts)
  })
})
