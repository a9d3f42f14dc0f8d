/**
 * The fault matrix: every fault of issue 7 against a query (getConvo) and a procedure
 * (sendMessage), with the outcome each cell must end in. The same table runs over every
 * transport (faults-node.test.ts, faults-undici.test.ts, faults-fetch.test.ts) and is what
 * docs/RELIABILITY.md shows.
 *
 * Every cell runs with retries on (limit 2, 10–40 ms backoff), a 300 ms timeout and a 64 KiB
 * response cap, and checks: the outcome and the attempt count; the time bound; no unhandled
 * rejection; no leaked socket (the server has no socket still owing a response, and for undici
 * the dispatcher has nothing running, pending or queued and closes every socket on close());
 * at most one delivery of the procedure that the server may have acted on; and nothing at all,
 * least of all the authorization header, reaching another origin.
 */
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ConnectionError,
  Core,
  InternalServerError,
  InvalidResponseError,
  ResponseTooLargeError,
  TimeoutError,
  UnexpectedRedirectError,
  UpstreamFailureError,
  type Result,
  type XrpcError,
  withDefaults,
} from '@lexgen/runtime'
import { chatBskyConvoGetConvo, chatBskyConvoSendMessage } from '../../../generated/index.js'
import { closedPort } from '../../helpers/listen.js'
import { eventually } from '../../helpers/eventually.js'
import { startFaultServer, type FaultHandler, type FaultServer } from './fault-server.js'
import { renderings, settle, trackUnhandledRejections } from './guards.js'

export const TOKEN = 'fault-matrix-secret.eyJzdWIiOiJkaWQ6cGxjOnZpZXdlciJ9.c2lnbmF0dXJl'
export const TIMEOUT_MS = 300
export const CAP_BYTES = 64 * 1024
export const RETRIES = { limit: 2, baseDelay: 10, maxDelay: 40, maxWait: 2_000 }
const JSON_TYPE = { 'content-type': 'application/json' }
export const OK_CONVO = JSON.stringify({ convo: { id: 'c1', rev: '1', members: [], muted: false, unreadCount: 0 } })
export const SENT = JSON.stringify({ id: 'm1', rev: '1', text: 'hi', sender: { did: 'did:plc:a' }, sentAt: '2026-01-01T00:00:00.000Z' })

export type Kind = 'query' | 'procedure'

export interface Outcome {
  /** `ok` for a successful result, else the error class the call must return. */
  readonly result: 'ok' | (abstract new (...args: never[]) => XrpcError)
  readonly attempts: number
  /** Requests the server fully received. */
  readonly received: number
  /**
   * The cell must not end before this many ms (a wait the server asked for, or the timeout). No
   * upper bound: how long a cell takes depends on the machine; a hang is the test timeout's.
   */
  readonly atLeastMs?: number
}

export interface Fault {
  readonly name: string
  /** What the server does; `n` counts requests; `ctx.other` is another origin. */
  readonly handler?: (ctx: { other: string; kind: Kind }) => FaultHandler
  /** Runs on each accepted socket (before any request is read). */
  readonly onConnection?: (socket: import('node:net').Socket) => void
  /** No server at all: the port is closed. */
  readonly refused?: true
  readonly query: Outcome
  readonly procedure: Outcome
  /** Extra checks on the server after the cell. */
  readonly check?: (server: FaultServer) => void
}

const body = (kind: Kind) => (kind === 'query' ? OK_CONVO : SENT)
const reply =
  (status: number, text: string, headers: Record<string, string> = JSON_TYPE, bytes?: Uint8Array): FaultHandler =>
  (_req, res) => {
    res.writeHead(status, headers)
    res.end(bytes ?? text)
  }
const encode = (coding: 'gzip' | 'br' | 'deflate' | 'raw deflate', text: string): Uint8Array =>
  coding === 'gzip' ? gzipSync(text) : coding === 'br' ? brotliCompressSync(text) : coding === 'deflate' ? deflateSync(text) : deflateRawSync(text)
/** Each attempt of a stalled call costs the timeout. */
const stalled = (attempts: number) => ({ attempts, received: attempts, atLeastMs: attempts * TIMEOUT_MS })
const quick = (attempts: number, received = attempts) => ({ attempts, received })

export const FAULTS: readonly Fault[] = [
  {
    name: 'connection refused',
    refused: true,
    // Nothing was sent, so even the procedure is retried.
    query: { result: ConnectionError, ...quick(3, 0) },
    procedure: { result: ConnectionError, ...quick(3, 0) },
  },
  {
    name: 'reset before the request is read',
    onConnection: (socket) => socket.resetAndDestroy(),
    query: { result: ConnectionError, ...quick(3, 0) },
    // The client cannot tell whether a reset request was processed: a procedure is not resent.
    procedure: { result: ConnectionError, ...quick(1, 0) },
  },
  {
    name: 'reset after the request was received',
    handler: () => (req) => req.socket.resetAndDestroy(),
    query: { result: ConnectionError, ...quick(3) },
    procedure: { result: ConnectionError, ...quick(1) },
  },
  {
    name: 'no response: stalls past the timeout',
    handler: () => () => {},
    query: { result: TimeoutError, ...stalled(3) },
    procedure: { result: TimeoutError, ...stalled(1) },
  },
  {
    name: 'headers, then the body stalls',
    handler: () => (_req, res) => {
      res.writeHead(200, JSON_TYPE)
      res.write('{"convo":{"id":"c1",')
    },
    query: { result: TimeoutError, ...stalled(3) },
    procedure: { result: TimeoutError, ...stalled(1) },
  },
  {
    // Answered on the raw socket, as no HTTP server would: node:http then emits neither 'response' nor 'error'.
    name: '101 Switching Protocols not asked for',
    handler: () => (req) => req.socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n'),
    query: { result: ConnectionError, ...quick(3) },
    procedure: { result: ConnectionError, ...quick(1) },
  },
  {
    name: '429 with Retry-After: 1, then 200',
    handler:
      ({ kind }) =>
      (req, res, b, n) =>
        n === 0 ? reply(429, '{"error":"RateLimitExceeded","message":"slow down"}', { ...JSON_TYPE, 'retry-after': '1' })(req, res, b, n) : reply(200, body(kind))(req, res, b, n),
    // A 429 says the request was not processed, so the procedure is retried too, after the wait asked for.
    query: { result: 'ok', attempts: 2, received: 2, atLeastMs: 990 },
    procedure: { result: 'ok', attempts: 2, received: 2, atLeastMs: 990 },
  },
  {
    name: '503 with an HTML page',
    handler: () => reply(503, '<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1></body></html>', { 'content-type': 'text/html' }),
    query: { result: UpstreamFailureError, ...quick(3) },
    procedure: { result: UpstreamFailureError, ...quick(1) },
  },
  {
    name: '500 with malformed JSON',
    handler: () => reply(500, '{"error":"InternalServerError","message":', JSON_TYPE),
    query: { result: InternalServerError, ...quick(3) },
    procedure: { result: InternalServerError, ...quick(1) },
  },
  {
    name: 'truncated body: connection closed mid-body',
    handler: () => (_req, res) => {
      res.writeHead(200, { ...JSON_TYPE, 'content-length': '200' })
      res.write('{"convo":{"id":"c1","rev":')
      setTimeout(() => res.socket?.destroy(), 20)
    },
    // The body never completed: a transport failure, retried only where that is safe.
    query: { result: ConnectionError, ...quick(3) },
    procedure: { result: ConnectionError, ...quick(1) },
  },
  {
    name: 'truncated JSON in a complete 200',
    handler: () => reply(200, '{"convo":{"id":"c1","rev":'),
    query: { result: InvalidResponseError, ...quick(1) },
    procedure: { result: InvalidResponseError, ...quick(1) },
  },
  {
    name: 'wrong content-type on a 200',
    handler: ({ kind }) => reply(200, body(kind), { 'content-type': 'text/html; charset=utf-8' }),
    query: { result: InvalidResponseError, ...quick(1) },
    procedure: { result: InvalidResponseError, ...quick(1) },
  },
  {
    name: 'body over the cap, content-length declared',
    handler: () => reply(200, `{"pad":"${'x'.repeat(4 * CAP_BYTES)}"}`),
    query: { result: ResponseTooLargeError, ...quick(1) },
    procedure: { result: ResponseTooLargeError, ...quick(1) },
  },
  {
    name: 'body over the cap, streamed without a length',
    // Writes 16 KiB chunks until the client hangs up (at most 64 MiB): the client must stop reading at the cap.
    handler: () => (_req, res) => {
      res.writeHead(200, JSON_TYPE)
      const chunk = 'x'.repeat(16 * 1024)
      let sent = 0
      const pump = () => {
        while (!res.destroyed && sent < 64 * 1024 * 1024) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        if (!res.destroyed) res.end()
      }
      res.on('close', () => (sent = Infinity))
      pump()
    },
    query: { result: ResponseTooLargeError, ...quick(1) },
    procedure: { result: ResponseTooLargeError, ...quick(1) },
    // Stopped near the cap, not 64 MiB later (kernel socket buffers hold a few MiB on loopback).
    check: (server) => expect(server.bytesWritten).toBeLessThan(CAP_BYTES + 16 * 1024 * 1024),
  },
  ...(['gzip', 'br', 'deflate', 'raw deflate'] as const).map(
    (coding): Fault => ({
      name: `${coding}-encoded 200`,
      handler: ({ kind }) => reply(200, '', { ...JSON_TYPE, 'content-encoding': coding === 'raw deflate' ? 'deflate' : coding }, encode(coding, body(kind))),
      // Every transport decodes what fetch decodes.
      query: { result: 'ok', ...quick(1) },
      procedure: { result: 'ok', ...quick(1) },
    }),
  ),
  {
    name: 'gzip-encoded 503',
    handler: () => reply(503, '', { ...JSON_TYPE, 'content-encoding': 'gzip' }, gzipSync('{"error":"NotEnoughResources","message":"busy"}')),
    query: { result: UpstreamFailureError, ...quick(3) },
    procedure: { result: UpstreamFailureError, ...quick(1) },
  },
  {
    name: 'corrupt gzip in a complete 200',
    handler: () => reply(200, '', { ...JSON_TYPE, 'content-encoding': 'gzip' }, gzipSync(OK_CONVO).subarray(0, 12)),
    query: { result: InvalidResponseError, ...quick(1) },
    procedure: { result: InvalidResponseError, ...quick(1) },
  },
  {
    // Not asked for, not known: read as it is, as fetch reads it, so the JSON decoding decides.
    name: 'a coding not asked for (zstd)',
    handler: () => reply(200, '', { ...JSON_TYPE, 'content-encoding': 'zstd' }, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x01, 0x00])),
    query: { result: InvalidResponseError, ...quick(1) },
    procedure: { result: InvalidResponseError, ...quick(1) },
  },
  {
    name: 'gzip bomb: 1 KiB that decodes past the cap',
    handler: () => reply(200, '', { ...JSON_TYPE, 'content-encoding': 'gzip' }, gzipSync(`{"pad":"${'x'.repeat(64 * CAP_BYTES)}"}`)),
    // The cap counts decoded bytes.
    query: { result: ResponseTooLargeError, ...quick(1) },
    procedure: { result: ResponseTooLargeError, ...quick(1) },
  },
  {
    name: '307 redirect to another origin',
    // 307 keeps the method and the body: followed, it would replay the procedure elsewhere.
    handler:
      ({ other }) =>
      (req, res) => {
        res.writeHead(307, { location: `${other}${req.url}` })
        res.end()
      },
    query: { result: UnexpectedRedirectError, ...quick(1) },
    procedure: { result: UnexpectedRedirectError, ...quick(1) },
  },
]

export interface Figures {
  cells: number
  failures: number
  duplicates: number
  leakedSockets: number
  tokenLeaks: number
}

/** Defines the matrix as vitest tests over whichever transport `#transport` resolves to in this file. */
export function defineFaultMatrix(transport: 'node' | 'undici' | 'fetch', makeDispatcher?: () => Promise<Dispatcherish>): Figures {
  const figures: Figures = { cells: 0, failures: 0, duplicates: 0, leakedSockets: 0, tokenLeaks: 0 }
  const rejections = trackUnhandledRejections()
  let server: FaultServer
  let other: FaultServer

  beforeAll(async () => {
    server = await startFaultServer()
    // Another origin the faulty server may point at: whatever reaches it is a failure.
    other = await startFaultServer(reply(200, SENT))
  })
  afterAll(async () => {
    rejections.stop()
    await Promise.all([server.close(), other.close()])
    console.info(`[reliability] fault matrix (${transport}): ${JSON.stringify(figures)}`)
  })

  describe(`fault matrix over ${transport}`, () => {
    for (const fault of FAULTS) {
      for (const kind of ['query', 'procedure'] as const) {
        it(`${fault.name} × ${kind === 'query' ? 'getConvo' : 'sendMessage'}`, async () => {
          figures.cells++
          figures.failures++ // undone at the end of a passing cell
          const expected = fault[kind]
          server.reset()
          other.reset()
          server.handle(fault.handler?.({ other: other.url, kind }) ?? reply(200, body(kind)))
          server.onConnection(fault.onConnection)
          const dispatcher = await makeDispatcher?.()
          const service = fault.refused ? await closedPort() : server.url
          const seen: unknown[] = []
          const core = new Core(withDefaults({
            service,
            auth: TOKEN,
            timeout: TIMEOUT_MS,
            retries: RETRIES,
            maxResponseBytes: CAP_BYTES,
            ...(dispatcher ? { dispatcher } : {}),
            onRequest: (c) => void seen.push(c),
            onResponse: (c) => void seen.push(c),
            onError: (c) => void seen.push(c),
          }))

          const started = performance.now()
          const result: Result<unknown, XrpcError> =
            kind === 'query'
              ? await chatBskyConvoGetConvo(core, { convoId: 'c1' })
              : await chatBskyConvoSendMessage(core, { convoId: 'c1', message: { text: 'hi' } })
          const elapsed = performance.now() - started

          // The outcome, its attempt count, and no earlier than a wait it must include.
          if (expected.result === 'ok') {
            if (!result.ok) throw result.error
            expect(result.response.attempts).toBe(expected.attempts)
          } else {
            expect(result.ok ? result.value : result.error).toBeInstanceOf(expected.result)
            if (!result.ok) expect(result.error.attempts).toBe(expected.attempts)
          }
          // Node may fire a timer up to 1 ms early against performance.now().
          if (expected.atLeastMs !== undefined) expect(elapsed, 'ms taken').toBeGreaterThanOrEqual(expected.atLeastMs - 5)

          // What the server saw: no duplicate procedure (a 429 was provably not processed).
          expect(server.requests.length, 'requests the server received').toBe(expected.received)
          const actedOn = server.requests.filter((r) => r.method === 'POST' && r.status !== 429).length
          if (actedOn > 1) figures.duplicates++
          expect(actedOn).toBeLessThanOrEqual(1)
          fault.check?.(server)

          // Nothing reached the other origin; the token appears in no error, hook context or cause.
          expect(other.requests).toHaveLength(0)
          for (const text of [...renderings(result), ...seen.flatMap(renderings)]) {
            if (text.includes(TOKEN)) figures.tokenLeaks++
            expect(text).not.toContain(TOKEN)
          }

          // No socket left holding a request, on either side.
          const idle = await eventually(() => server.busySockets() === 0)
          if (!idle) figures.leakedSockets += server.busySockets()
          expect(server.busySockets()).toBe(0)
          if (dispatcher) {
            // A destroyed body frees its request on the next turns of the event loop, not at once.
            const drained = () => Object.values(dispatcher.stats).every((s) => s.running === 0 && s.pending === 0 && (s.queued ?? 0) === 0)
            if (!(await eventually(drained))) figures.leakedSockets++
            expect(Object.values(dispatcher.stats)).toEqual(Object.values(dispatcher.stats).map(() => expect.objectContaining({ running: 0, pending: 0, queued: 0 })))
            await dispatcher.close()
            expect(await eventually(() => server.openSockets() === 0)).toBe(true)
          }

          await settle()
          expect(rejections.seen).toEqual([])
          figures.failures--
        })
      }
    }
  })
  return figures
}

/** The part of an undici Agent the matrix uses. */
export interface Dispatcherish {
  readonly stats: Record<string, { running: number; pending: number; queued?: number }>
  close(): Promise<void>
}
