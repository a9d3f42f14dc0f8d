/** Response decoding (a 2xx body as the method's output, an error body as XRPC's), as pure functions. */
import { describe, expect, it } from 'vitest'
import type { Method } from '@lexgen/runtime'
import { decodeError, decodeOutput } from '../../runtime/response.js'

const json = (body: string, contentType = 'application/json; charset=utf-8') => ({
  status: 200,
  headers: { 'content-type': contentType },
  body: new TextEncoder().encode(body),
})

describe('decodeOutput', () => {
  const method: Method = { nsid: 'a.b.c', type: 'query', output: 'application/json' }

  it('parses JSON, including +json content types', () => {
    expect(decodeOutput(method, json('{"a":1}'))).toEqual({ ok: true, value: { a: 1 } })
    expect(decodeOutput(method, json('{"a":[1]}', 'application/ld+json'))).toEqual({ ok: true, value: { a: [1] } })
  })

  it('rejects an empty body or a missing content-type for a JSON output', () => {
    expect(decodeOutput(method, json(''))).toMatchObject({ ok: false, reason: 'Response body is not valid JSON' })
    expect(decodeOutput(method, { status: 200, headers: {}, body: new Uint8Array() })).toMatchObject({ ok: false, reason: /no content-type/ })
  })
})

describe('decodeError', () => {
  it('reads error and message, falling back to the name, then to the status', () => {
    expect(decodeError(json('{"error":"Foo","message":"bar"}'))).toEqual({ error: 'Foo', message: 'bar' })
    expect(decodeError(json('{"error":"Foo"}'))).toEqual({ error: 'Foo', message: 'Foo' })
    expect(decodeError({ ...json('{}'), status: 500 })).toEqual({ message: 'HTTP 500' })
    expect(decodeError({ ...json('"just a string"'), status: 500 })).toEqual({ message: 'HTTP 500 with a non-XRPC body (application/json; charset=utf-8)' })
  })
})
