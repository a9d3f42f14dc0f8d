/** URL, query and body encoding, as pure functions. */
import { describe, expect, it } from 'vitest'
import type { Method } from '@lexgen/runtime'
import { buildUrl, encodeInput } from '../../runtime/request.js'

const service = new URL('https://pds.example.com')
describe('buildUrl', () => {
  it('puts the NSID under /xrpc and encodes every kind of parameter', () => {
    const url = buildUrl(service, 'chat.bsky.convo.listConvos', {
      limit: 10,
      includeGroupChats: false,
      members: ['did:plc:a', 'did:plc:b'],
      since: new Date('2024-05-06T07:08:09.000Z'),
      cursor: 'a&b=c#d e+f%g/h?i',
      skipped: undefined,
    })
    const parsed = new URL(url)
    expect(parsed.pathname).toBe('/xrpc/chat.bsky.convo.listConvos')
    expect(parsed.hash).toBe('')
    expect([...parsed.searchParams]).toEqual([
      ['limit', '10'],
      ['includeGroupChats', 'false'],
      ['members', 'did:plc:a'],
      ['members', 'did:plc:b'],
      ['since', '2024-05-06T07:08:09.000Z'],
      ['cursor', 'a&b=c#d e+f%g/h?i'],
    ])
  })

  it('has no query string without parameters', () => {
    expect(buildUrl(service, 'chat.bsky.convo.getLog')).toBe('https://pds.example.com/xrpc/chat.bsky.convo.getLog')
  })
})

describe('encodeInput', () => {
  const jsonInput: Method = { nsid: 'a.b.c', type: 'procedure', input: 'application/json' }

  it('serializes JSON input, defaulting an omitted one to {}', () => {
    expect(encodeInput(jsonInput, { a: 1 }, 'text/plain')).toEqual({ body: '{"a":1}', contentType: 'application/json' })
    expect(encodeInput(jsonInput, undefined, undefined)).toEqual({ body: '{}', contentType: 'application/json' })
  })

  it('sends nothing when no input is declared', () => {
    expect(encodeInput({ nsid: 'a.b.c', type: 'procedure' }, { ignored: true }, undefined)).toEqual({})
  })

  it('turns an ArrayBuffer into bytes and rejects non-binary input', () => {
    const binary: Method = { nsid: 'a.b.c', type: 'procedure', input: '*/*' }
    expect(encodeInput(binary, new ArrayBuffer(2), undefined)).toEqual({ body: new Uint8Array(2), contentType: 'application/octet-stream' })
    expect(() => encodeInput(binary, { not: 'bytes' }, undefined)).toThrow(TypeError)
  })

  // A server checks the type against the encoding only once the bytes are all sent.
  it('takes the type for a kind of type (image/*, a list) from the call or the Blob, lower-cased, and refuses none, or one outside it', () => {
    const image: Method = { nsid: 'com.example.setAvatar', type: 'procedure', input: 'image/*' }
    const png = new Blob([new Uint8Array(4)], { type: 'image/png' })
    expect(encodeInput(image, png, undefined)).toEqual({ body: png, contentType: 'image/png' })
    // Servers compare the type as written (@atproto/xrpc-server: case-sensitive), and media types are case-insensitive.
    expect(encodeInput(image, new Uint8Array(4), 'Image/JPEG')).toMatchObject({ contentType: 'image/jpeg' })
    expect(encodeInput(image, png, 'image/webp; q=1')).toMatchObject({ contentType: 'image/webp; q=1' })
    expect(encodeInput(image, png, 'image/svg+xml')).toMatchObject({ contentType: 'image/svg+xml' })
    expect(() => encodeInput(image, new Uint8Array(4), undefined)).toThrow(new TypeError("com.example.setAvatar takes image/* input, not bytes of no type (give a Blob's, or a content-type header)"))
    expect(() => encodeInput(image, new Blob(['x']), undefined)).toThrow(TypeError) // a Blob with no type: a File the browser could not type
    expect(() => encodeInput(image, new Blob(['x'], { type: 'text/plain' }), undefined)).toThrow(new TypeError('com.example.setAvatar takes image/* input, not text/plain'))
    for (const malformed of ['imagex/png', 'image', 'image/', 'image/*', 'image/png/x', 'image/png, text/html']) {
      expect(() => encodeInput(image, png, malformed), malformed).toThrow(TypeError)
    }
    // A list of types or kinds, as @atproto/xrpc-server reads an encoding.
    const media: Method = { ...image, input: 'image/*, video/mp4' }
    expect(encodeInput(media, png, 'video/mp4')).toMatchObject({ contentType: 'video/mp4' })
    expect(encodeInput(media, png, undefined)).toMatchObject({ contentType: 'image/png' })
    expect(() => encodeInput(media, png, 'video/webm')).toThrow(TypeError)
    // The full wildcard still defaults; one type is sent as the lexicon names it.
    expect(encodeInput({ ...image, input: '*/*' }, new Uint8Array(4), undefined)).toMatchObject({ contentType: 'application/octet-stream' })
    expect(encodeInput({ ...image, input: 'video/mp4' }, png, 'text/plain')).toMatchObject({ contentType: 'video/mp4' })
  })
})
