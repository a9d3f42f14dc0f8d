/**
 * Content codings for the Node transports (node:http, and undici with a caller's dispatcher), so
 * they read what fetch reads: they ask for `gzip, deflate, br` as fetch does, and undo those
 * codings (`deflate` zlib-wrapped or raw, as fetch takes it). A body its decoder refuses is an
 * UndecodableBody; a coding not asked for and not known is read as it is, as fetch reads it (the
 * JSON decoding then decides). Limits count decoded bytes, so a small compressed body cannot
 * expand past `maxResponseBytes`.
 */
import type { Readable, Transform } from 'node:stream'
import { mergeHeaders } from '../request.js'
import { UndecodableBody } from './types.js'

// Taken as CommonJS modules rather than imported, and only for a coded body, as node.ts takes
// node:http (see there why).
const stream = () => process.getBuiltinModule('node:stream')
type Zlib = typeof import('node:zlib')

/** What the Node transports send unless the caller set `accept-encoding` themselves. */
export const ACCEPT_ENCODING = 'gzip, deflate, br'
const ASK_FOR_CODINGS = { 'accept-encoding': ACCEPT_ENCODING }

/** `headers` asking for the codings `decoded` undoes, unless the caller asked for some themselves. */
export function askingForCodings(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  return headers['accept-encoding'] === undefined ? mergeHeaders(headers, ASK_FOR_CODINGS) : headers
}

/**
 * The most codings a response may list, as undici's fetch allows: each is a decoder, and a
 * thousand of them cost seconds of CPU on a small body.
 */
const MAX_CODINGS = 5

/**
 * `body` decoded as its `content-encoding` says (codings applied in order are undone in reverse),
 * or `body` itself when there is none or one is unknown. The
 * returned stream fails with `body`'s own errors as they are (a reset connection stays one), and
 * with the decoders' as UndecodableBody. The caller destroys it when it gives up (every decoder
 * goes with it). Throws UndecodableBody for more than MAX_CODINGS codings.
 */
export function decoded(body: Readable, status: number, headers: Record<string, string>): Readable {
  const coding = headers['content-encoding']
  if (coding === undefined) return body
  const listed = coding.split(',')
  // Counted as fetch counts them: every listed item, known or not.
  if (listed.length > MAX_CODINGS) throw new UndecodableBody(status, headers, `${listed.length} content codings listed, more than the ${MAX_CODINGS} fetch undoes`)
  const codings = listed
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity')
  if (codings.length === 0 || !codings.every((coding) => Object.hasOwn(DECODERS, coding))) return body
  const zlib = process.getBuiltinModule('node:zlib')
  const decoders = codings.reverse().map((coding) => DECODERS[coding]!(zlib))
  // What the caller reads: every failure ends here, labelled once.
  const out = new (stream().PassThrough)()
  body.on('error', (error) => out.destroy(error))
  for (const decoder of decoders) {
    decoder.on('error', (error) => out.destroy(new UndecodableBody(status, headers, `${headers['content-encoding']}: ${error.message}`)))
  }
  let source: Readable = body
  for (const decoder of decoders) source = source.pipe(decoder)
  source.pipe(out)
  out.once('close', () => decoders.forEach((decoder) => decoder.destroy()))
  return out
}

/**
 * How fetch (undici) ends a decoder: a body that stops early (empty, a gzip member without its
 * trailer) gives what was decoded so far rather than an error; a corrupt one is still refused.
 */
const zlibOptions = (zlib: Zlib) => ({ finishFlush: zlib.constants.Z_SYNC_FLUSH })

const gunzip = (zlib: Zlib): Transform => zlib.createGunzip(zlibOptions(zlib))

const DECODERS: Readonly<Record<string, (zlib: Zlib) => Transform>> = {
  gzip: gunzip,
  'x-gzip': gunzip,
  br: (zlib) => zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }),
  deflate,
}

/** `deflate` is meant to be zlib-wrapped, but some servers send it raw: the first byte tells (a zlib header's low nibble is 8). */
function deflate(zlib: Zlib): Transform {
  let inner: Transform | undefined
  return new (stream().Transform)({
    transform(chunk: Buffer, _encoding, done) {
      if (!inner) {
        inner = (chunk[0]! & 0x0f) === 8 ? zlib.createInflate(zlibOptions(zlib)) : zlib.createInflateRaw(zlibOptions(zlib))
        inner.on('data', (data: Buffer) => this.push(data))
        inner.on('error', (error) => this.destroy(error))
      }
      inner.write(chunk, () => done())
    },
    flush(done) {
      // Inflate ends by itself at the end of its stream, ignoring bytes after it (as fetch does):
      // then there is no 'end' left to wait for.
      if (!inner || inner.readableEnded) return done()
      inner.once('end', () => done())
      inner.end()
    },
    destroy(error, done) {
      inner?.destroy()
      done(error)
    },
  })
}
