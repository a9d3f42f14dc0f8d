/**
 * Validation inside calls, against a local server that counts requests: every constraint kind
 * refused before sending (no request reaches the server), what lexicon evolution allows still
 * sent, and responses checked in lenient, strict and off modes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Client, validation as convoValidation } from '../../generated/index.js'
import { Core, InvalidResponseError, RequestValidationError, ResponseValidationError, type Result, type ValidationCheck, type XrpcError, withDefaults } from '../../runtime/index.js'
import { startRawServer, type RawHandler, type RawServer } from '../helpers/raw-server.js'
import { CIDS } from './samples.js'
import { loadFixture } from './support.js'

const { kinds, validation } = await loadFixture()
const NSID = 'test.validation.kinds'
const input = { req: 'r', nullableReq: null }
const params = { mode: 'fast' }

let server: RawServer
let reply: RawHandler
const json = (body: unknown): RawHandler => (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

beforeAll(async () => {
  server = await startRawServer((req, res, body) => reply(req, res, body))
})
afterEach(() => {
  server.requests.length = 0
  reply = json(input)
})
afterAll(() => server.close())

function core(config: object = {}): Core {
  return new Core(withDefaults({ service: server.url, validation: validation.validation, retries: false, ...config }))
}

function call(inputValue: object, paramsValue: object = params, options?: object, on = core()): Promise<Result<unknown, XrpcError>> {
  return kinds.testValidationKinds(on, inputValue, paramsValue, options)
}

/** A failed result's error, or a failure of the test. */
function errorOf(result: Result<unknown, XrpcError>): XrpcError {
  if (result.ok) throw new Error('expected the call to fail')
  return result.error
}

const deep = (depth: number, leaf: number): object => {
  let node: object = { value: leaf }
  for (let i = 0; i < depth; i++) node = { value: 1, children: [node] }
  return node
}

// [constraint kind, input (merged into a valid one) or params, the issue's path, and its message]
const REFUSED: [string, { input?: object; params?: object }, string, string | RegExp][] = [
  ['required', { input: { req: undefined } }, 'req', 'is required'],
  ['required and nullable', { input: { nullableReq: undefined } }, 'nullableReq', 'is required'],
  ['type', { input: { req: 5 } }, 'req', 'must be a string, got number'],
  ['nullable only where declared', { input: { req: null } }, 'req', 'must be a string, got null'],
  ['maxLength counts UTF-8 bytes', { input: { bytesLen: '€€€' } }, 'bytesLen', '9 bytes (UTF-8) > maxLength 6'],
  ['minLength counts UTF-8 bytes', { input: { bytesLen: 'a' } }, 'bytesLen', '1 bytes (UTF-8) < minLength 2'],
  ['maxGraphemes', { input: { graphemes: 'e\u0301e\u0301👍🇧🇷' } }, 'graphemes', 'more than 3 graphemes (maxGraphemes 3)'],
  ['minGraphemes: a ZWJ sequence is one', { input: { graphemes: '👨‍👩‍👧‍👦' } }, 'graphemes', '1 graphemes < minGraphemes 2'],
  ['format did', { input: { did: 'did:PLC:x' } }, 'did', '"did:PLC:x" is not a valid did'],
  ['format handle', { input: { handle: 'no-tld' } }, 'handle', /is not a valid handle/],
  ['format at-identifier', { input: { atIdentifier: 'did:x' } }, 'atIdentifier', /is not a valid at-identifier/],
  ['format at-uri', { input: { atUri: 'https://x.com' } }, 'atUri', /is not a valid at-uri/],
  ['format nsid', { input: { nsid: 'a.b' } }, 'nsid', /is not a valid nsid/],
  ['format cid, quoted whole', { input: { cid: `${CIDS[0].slice(0, -1)}1` } }, 'cid', `"${CIDS[0].slice(0, -1)}1" is not a valid cid`],
  ['format datetime', { input: { datetime: '2024-02-30T00:00:00Z' } }, 'datetime', /is not a valid datetime/],
  ['format uri', { input: { uri: 'no scheme' } }, 'uri', /is not a valid uri/],
  ['format language', { input: { language: 'en_US' } }, 'language', /is not a valid language/],
  ['format tid', { input: { tid: '1111111111111' } }, 'tid', /is not a valid tid/],
  ['format record-key', { input: { recordKey: '..' } }, 'recordKey', /is not a valid record-key/],
  ['string enum', { input: { strEnum: 'z' } }, 'strEnum', '"z" is not one of "x", "y"'],
  ['string const', { input: { strConst: 'd' } }, 'strConst', '"d" is not one of "c"'],
  ['integer maximum', { input: { int: 11 } }, 'int', '11 > maximum 10'],
  ['integer minimum', { input: { int: -1 } }, 'int', '-1 < minimum 0'],
  ['integer type', { input: { int: 1.5 } }, 'int', 'must be an integer, got 1.5'],
  ['integer enum', { input: { intEnum: 4 } }, 'intEnum', '4 is not one of 1, 2, 3'],
  ['integer const', { input: { intConst: 8 } }, 'intConst', '8 is not one of 7'],
  ['boolean const', { input: { boolConst: false } }, 'boolConst', 'false is not one of true'],
  ['array maxLength', { input: { list: [1, 2, 3, 4] } }, 'list', '4 items > maxLength 3'],
  ['array minLength', { input: { list: [] } }, 'list', '0 items < minLength 1'],
  ['array items', { input: { list: [1, 'two'] } }, 'list[1]', 'must be an integer, got string'],
  ['bytes length', { input: { bytes: { $bytes: 'AQIDBAU' } } }, 'bytes', '5 bytes > maxLength 4'],
  ['bytes encoding', { input: { bytes: { $bytes: '*' } } }, 'bytes', /must be bytes/],
  ['cid-link', { input: { link: { $link: 'nope' } } }, 'link', /must be a CID link/],
  ['blob accept', { input: { blob: { $type: 'blob', ref: { $link: CIDS[0] }, mimeType: 'text/plain', size: 5 } } }, 'blob', 'mimeType "text/plain" is not accepted (image/*)'],
  ['blob maxSize', { input: { blob: { $type: 'blob', ref: { $link: CIDS[0] }, mimeType: 'image/png', size: 1001 } } }, 'blob', 'size 1001 > maxSize 1000'],
  ['closed union', { input: { closed: { $type: 'test.validation.other', flag: false } } }, 'closed.$type', /is not one of test.validation.kinds#a, test.validation.kinds#b/],
  ['union member', { input: { open: { $type: 'test.validation.kinds#b', s: 'abc' } } }, 'open.s', '3 bytes (UTF-8) > maxLength 2'],
  ['union without $type', { input: { open: { s: 'a' } } }, 'open', 'must be an object with a string $type'],
  ['refs and recursion', { input: { tree: deep(30, 10) } }, `tree${'.children[0]'.repeat(30)}.value`, '10 > maximum 9'],
  ['params: maximum', { params: { limit: 500 } }, 'limit', '500 > maximum 100'],
  ['params: required', { params: { mode: undefined } }, 'mode', 'is required'],
  ['params: array items', { params: { tags: ['ok', 'too-long-tag'] } }, 'tags[1]', '12 bytes (UTF-8) > maxLength 8'],
]

describe('requests are validated before sending', () => {
  for (const [kind, change, path, message] of REFUSED) {
    it(`${kind}: fails with the path and constraint, and sends nothing`, async () => {
      const error = errorOf(await call({ ...input, ...change.input }, { ...params, ...change.params }))
      expect(error).toBeInstanceOf(RequestValidationError)
      const { issues, part, nsid } = error as RequestValidationError
      expect([nsid, part]).toEqual([NSID, change.params ? 'params' : 'input'])
      expect(issues[0]!.path).toBe(path)
      expect(issues[0]!.message).toMatch(message)
      expect(error.message).toBe(`${NSID} ${part} does not match the lexicon: ${path}: ${issues[0]!.message}`)
      expect(error.status).toBe(0)
      expect(server.requests).toHaveLength(0)
    })
  }

  it('reports every broken constraint, the message naming the first and counting the rest', async () => {
    const error = errorOf(await call({ req: 1, int: 20, list: [] })) as RequestValidationError
    expect(error.issues.map((i) => i.path)).toEqual(['req', 'int', 'list', 'nullableReq'])
    expect(error.message).toBe(`${NSID} input does not match the lexicon: req: must be a string, got number (and 3 more)`)
  })

  it('sends what lexicon evolution allows: unknown fields, unknown open-union members, unknown knownValues', async () => {
    const allowed = { ...input, extra: 1, open: { $type: 'com.example.new#thing', any: 1 }, known: 'c', color: 'purple' }
    expect((await call(allowed)).ok).toBe(true)
    expect(server.requests).toHaveLength(1)
  })

  it('applies no lexicon defaults: what is sent is what the caller gave', async () => {
    const given = { ...input }
    expect((await call(given)).ok).toBe(true)
    expect(server.requests[0]!.url).toBe(`/xrpc/${NSID}?mode=fast`) // no limit=50
    expect(JSON.parse(server.requests[0]!.body)).toEqual(input)
    expect(given).toEqual(input)
  })

  it('is switched off by validateRequest: false, on the Core or per call', async () => {
    expect((await call({ req: 5 }, params, undefined, core({ validateRequest: false }))).ok).toBe(true)
    expect((await call({ req: 5 }, params, { validateRequest: false })).ok).toBe(true)
    expect(server.requests).toHaveLength(2)
  })

  it('needs validators: a Core without them sends anything', async () => {
    await call({ req: 5 }, { limit: 500 }, undefined, new Core(withDefaults({ service: server.url, retries: false })))
    expect(server.requests).toHaveLength(1)
  })
})

describe('the generated Client validates by default', () => {
  it('refuses getMessages with limit 500 and a 1001-grapheme message, sending nothing', async () => {
    const client = new Client({ service: server.url, retries: false })
    const page = client.chat.bsky.convo.getMessages({ convoId: 'c', limit: 500 })
    await expect(page).rejects.toThrow(RequestValidationError)
    await expect(page).rejects.toThrow('chat.bsky.convo.getMessages params does not match the lexicon: limit: 500 > maximum 100')
    const sent = client.chat.bsky.convo.sendMessage({ convoId: 'c', message: { text: 'e\u0301'.repeat(1001) } })
    await expect(sent).rejects.toThrow('input does not match the lexicon: message.text: more than 1000 graphemes (maxGraphemes 1000)')
    expect(server.requests).toHaveLength(0)
  })

  it('uses the Core it is given as it is', async () => {
    const client = new Client(new Core(withDefaults({ service: server.url, retries: false })))
    reply = json({ messages: [] })
    await client.chat.bsky.convo.getMessages({ convoId: 'c', limit: 500 })
    expect(server.requests).toHaveLength(1)
    expect(new Client({ service: server.url }).core.validation).toBe(convoValidation)
  })
})

describe('responses', () => {
  const evolved = { ...input, extra: true, open: { $type: 'com.example.new#thing' }, known: 'c' }

  it('lenient (default) accepts what lexicon evolution allows; strict rejects it, keeping the raw body', async () => {
    reply = json(evolved)
    expect((await call(input)).ok).toBe(true)
    const error = errorOf(await call(input, params, { validate: 'strict' })) as ResponseValidationError
    expect(error).toBeInstanceOf(ResponseValidationError)
    expect(error.part).toBe('output')
    expect(error.status).toBe(200)
    expect(error.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'known: "c" is not a known value ("a", "b")',
      'open.$type: "com.example.new#thing" is not one of test.validation.kinds#a, test.validation.kinds#b, test.validation.other',
      'extra: is not a field in the lexicon',
    ])
    expect(error.body).toBe(JSON.stringify(evolved))
    expect(errorOf(await call(input, params, undefined, core({ validate: 'strict' })))).toBeInstanceOf(ResponseValidationError)
  })

  it('lenient still rejects what breaks the lexicon; off accepts anything', async () => {
    reply = json({ ...input, int: 11, blob: { $type: 'blob', ref: { $link: CIDS[0] }, mimeType: 'text/plain', size: 1 } })
    const error = errorOf(await call(input)) as ResponseValidationError
    expect(error.message).toBe(`${NSID} output does not match the lexicon: int: 11 > maximum 10`)
    expect(error.issues).toHaveLength(1) // blob limits are the PDS's business in a response, as in @atproto/lexicon
    expect((await call(input, params, { validate: 'off' })).ok).toBe(true)
    expect((await call(input, params, undefined, core({ validate: 'off' }))).ok).toBe(true)
  })

  it('keeps the first 65,536 characters of a longer body, marked as cut', async () => {
    // The whole body was kept: up to maxResponseBytes (16 MiB) in every error, and in every log of it.
    const body = JSON.stringify({ ...input, int: 11, padding: 'x'.repeat(100_000) })
    reply = json(body)
    const error = errorOf(await call(input)) as ResponseValidationError
    expect(error).toBeInstanceOf(ResponseValidationError)
    expect(error.body).toBe(`${body.slice(0, 65_536)}…`)
  })

  it('a check that throws fails the call with an InvalidResponseError, redacted, never a rejection', async () => {
    // The call rejected with whatever the check threw (a RangeError from a stack overflow, say).
    const token = 'check-token-0123456789abcdef'
    const throwing: ValidationCheck = { request: () => undefined, response: () => () => { throw new RangeError(`stuck on ${token}`) } }
    const error = errorOf(await call(input, params, undefined, core({ validation: throwing, auth: token })))
    expect(error).toBeInstanceOf(InvalidResponseError)
    expect(error.message).toBe(`${NSID} returned a body that could not be checked (stuck on [redacted])`)
    expect(error.cause).toMatchObject({ name: 'RangeError', message: 'stuck on [redacted]' })
  })

  it('refuses an unknown mode as a programming error', () => {
    expect(() => core({ validate: 'loose' })).toThrow(TypeError)
    return expect(call(input, params, { validate: 'loose' })).rejects.toThrow("validate must be 'lenient', 'strict' or 'off'")
  })
})
