/**
 * Session races, generated (seeded fast-check): interleavings of login, resume, logout, calls with
 * an expired access token, and answers to each request: the server's own, or one that fails, resets
 * the connection, names a prototype key as its error, or comes after the server already acted on it
 * (refresh tokens rotated, the client not yet told). The peer is the real `@atproto/xrpc-server`
 * with a PDS's session methods (tests/helpers); every request it receives is held until the test
 * releases it, and the next step starts only once every request the client sent is held at the
 * server again ("quiet"), so each interleaving runs the same way on any machine: no timers.
 *
 * Properties, whatever the interleaving:
 * - the last session change wins: after a logout (or a dead refresh token) onSessionChange reports
 *   no refreshed session until a login or resume; a refresh only ever renews the session it started
 *   from, so a newer login or resume is never overwritten; `session` ends as last reported;
 * - every call goes out with the current session's access token, or none without a session;
 * - one refresh in flight per session, and a refresh token is tried again only for a call sent after
 *   the last try;
 * - a call of a session that ends with ExpiredToken while that session is still current had the
 *   session's refresh tried (and failed);
 * - a session a refresh brought back but the client dropped (for a login, resume or logout) is
 *   revoked on the server, and so is a logged-out one (or, when the server fails that request, was
 *   asked to be);
 * - every operation settles: calls resolve to a Result (the Client's to a value or an XrpcError),
 *   nothing hangs, no promise is left rejected unhandled; no token or password shows in any error
 *   or hook context, although the server echoes the token in every failure it makes up.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { XrpcError, type SessionData, type SessionEvent, type Transport } from '@lexgen/runtime'
import { chatBskyConvoGetUnreadCounts, Client, CredentialSession } from '../../generated/index.js'
import { send as nodeSend } from '../../runtime/transport/node.js'
import { DEFAULT_ACCOUNT, startChatServer, type ChatServer } from '../helpers/xrpc-server.js'
import { leaks, renderings, settle, trackUnhandledRejections } from './support/guards.js'
import { PROTOTYPE_NAMES } from './support/hostile.js'
import { report, runs, SEED } from './support/seed.js'

const REFRESH = 'com.atproto.server.refreshSession'
const DELETE = 'com.atproto.server.deleteSession'
const CALL = 'chat.bsky.convo.getUnreadCounts'
const JSON_TYPE = { 'content-type': 'application/json' }

let chat: ChatServer
const rejections = trackUnhandledRejections()
beforeAll(async () => {
  chat = await startChatServer()
})
afterAll(async () => {
  rejections.stop()
  await chat?.close()
})

/**
 * How the test releases a held request: `answer` lets the server answer; `rotate` lets it act and
 * holds its answer again; `dead` revokes the request's refresh token first (a refresh or logout then
 * meets a dead token); `fail` is a 500, `proto` a 400 named like a prototype key; `reset` closes the
 * connection. Applied to a request whose answer is already held, all but `reset` deliver it.
 */
type Outcome = 'answer' | 'rotate' | 'dead' | 'fail' | 'proto' | 'reset'

type Step =
  | { readonly op: 'login'; readonly password: 'right' | 'wrong' }
  | { readonly op: 'resume'; readonly saved: number }
  | { readonly op: 'logout' }
  | { readonly op: 'expire' }
  /** Concurrent calls, one per style listed. */
  | { readonly op: 'call'; readonly styles: readonly ('standalone' | 'client')[] }
  | { readonly op: 'release'; readonly pick: number; readonly outcome: Outcome; readonly proto: string }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('login' as const), password: fc.constantFrom('right' as const, 'right' as const, 'right' as const, 'wrong' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('resume' as const), saved: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ op: 'logout' as const }) },
  { weight: 3, arbitrary: fc.constant({ op: 'expire' as const }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('call' as const), styles: fc.array(fc.constantFrom('standalone' as const, 'client' as const), { minLength: 1, maxLength: 3 }) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('release' as const),
      pick: fc.nat(),
      outcome: fc.constantFrom<Outcome>('answer', 'answer', 'answer', 'rotate', 'rotate', 'dead', 'fail', 'proto', 'reset'),
      proto: fc.constantFrom(...PROTOTYPE_NAMES),
    }),
  },
)

/** A request the server holds: the order `pick` indexes is by `key`, never by arrival. */
interface Held {
  readonly nsid: string
  readonly key: string
  readonly bearer: string | undefined
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** The server has acted on it and its answer waits (`rotate`). */
  answered: boolean
  /** Set by `rotate` until the server's answer is caught. */
  holdAnswer: boolean
  /** Lets it go on: to the router, or (answered) out to the client. */
  proceed: () => void
}

/** What the client sent and got back, in order, as its transport saw it. */
type Wire =
  | { readonly t: 'send'; readonly nsid: string; readonly bearer: string | undefined; readonly op: string | undefined; readonly current: SessionData | undefined }
  | { readonly t: 'done'; readonly nsid: string; readonly bearer: string | undefined }

/** What settling an operation ended in. */
interface Op {
  /** The step number (a call's: and its place in the step), sent as `x-op` with its requests. */
  readonly id: string
  readonly label: string
  settled: boolean
  value?: unknown
  error?: unknown
  /** The session when it settled. */
  sessionAtEnd?: SessionData | undefined
}

const bearerOf = (headers: IncomingMessage['headers'] | Readonly<Record<string, string>>): string | undefined => {
  const value = headers.authorization
  return typeof value === 'string' && value.startsWith('Bearer ') ? value.slice('Bearer '.length) : undefined
}
const nsidOf = (url: string) => new URL(url, 'http://x').pathname.replace(/^\/xrpc\//, '')
/** The access token issued with a refresh token: the helper numbers each pair (session-handlers.ts). */
const accessOf = (refreshJwt: string) => refreshJwt.replace(/^refresh-/, 'access-')
/** The other token of a pair. */
const pairOf = (token: string) => (token.startsWith('refresh-') ? accessOf(token) : token.replace(/^access-/, 'refresh-'))

/** One interleaving, run against the server; returns what the properties look at. */
async function play(steps: readonly Step[], staleStart: boolean) {
  const held: Held[] = []
  const wire: Wire[] = []
  /** Answers the server finished (what the client was told), in order. */
  const answers: { nsid: string; bearer: string | undefined; status: number; body: string }[] = []
  const changes: [SessionData | undefined, SessionEvent][] = []
  const ops: Op[] = []
  const hooked: unknown[] = []
  let inFlight = 0
  let wake = () => {}
  const changed = () => wake()

  chat.intercept((req, res, route) => {
    const nsid = nsidOf(req.url ?? '')
    const bearer = bearerOf(req.headers)
    const item: Held = { nsid, bearer, req, res, key: `${nsid} ${req.headers['x-op'] ?? '-'} ${bearer ?? '-'}`, answered: false, holdAnswer: false, proceed: route }
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
    res.end = ((...args: unknown[]) => {
      const deliver = () => {
        answers.push({ nsid, bearer, status: res.statusCode, body: typeof args[0] === 'function' ? '' : String(args[0] ?? '') })
        return end(...args)
      }
      if (!item.holdAnswer) return deliver()
      item.holdAnswer = false
      item.answered = true
      item.proceed = deliver
      held.push(item)
      changed()
      return res
    }) as ServerResponse['end']
    held.push(item)
    changed()
  })

  /** Every request the client sent is held at the server and every answer it got is dealt with. */
  async function quiet(): Promise<void> {
    for (;;) {
      const change = new Promise<void>((resolve) => (wake = resolve))
      // Promise callbacks run before setImmediate's: the client has reacted to all it received.
      await new Promise((resolve) => setImmediate(resolve))
      if (inFlight === held.length) return
      await change
    }
  }

  function release(item: Held, outcome: Outcome, proto: string): void {
    held.splice(held.indexOf(item), 1)
    // A hostile server's own failures echo both tokens of the session the request came from.
    const fake = (status: number, error: string) => {
      item.res.writeHead(status, JSON_TYPE)
      item.res.end(JSON.stringify({ error, message: item.bearer ? `cannot take ${item.bearer} (${pairOf(item.bearer)})` : 'no token' }))
    }
    if (outcome === 'reset') return void item.req.socket.destroy()
    if (item.answered) return item.proceed()
    if (outcome === 'rotate') item.holdAnswer = true
    if (outcome === 'dead' && item.bearer) chat.sessions.refresh.delete(item.bearer)
    if (outcome === 'fail') return fake(500, 'InternalServerError')
    if (outcome === 'proto') return fake(400, proto)
    item.proceed()
  }

  const transport: Transport = async (request) => {
    const nsid = nsidOf(request.url)
    const bearer = bearerOf(request.headers)
    wire.push({ t: 'send', nsid, bearer, op: request.headers['x-op'], current: session.session })
    inFlight++
    try {
      return await nodeSend(request)
    } finally {
      inFlight--
      wire.push({ t: 'done', nsid, bearer })
      changed()
    }
  }
  const session = new CredentialSession({
    service: chat.url,
    transport,
    // No backoff or deadline timers: every step of the interleaving is the test's.
    retries: false,
    timeout: Infinity,
    onSessionChange: (data, event) => void changes.push([data && structuredClone(data), event]),
    onRequest: (context) => void hooked.push(context),
    onResponse: (context) => void hooked.push(context),
    onError: (context) => void hooked.push(context),
  })
  const client = new Client(session.core)

  function start(id: number | string, kind: string, promise: Promise<unknown>): void {
    const op: Op = { id: String(id), label: `${kind} ${id}`, settled: false }
    ops.push(op)
    promise.then(
      (value) => Object.assign(op, { settled: true, value, sessionAtEnd: session.session }),
      (error: unknown) => Object.assign(op, { settled: true, error, sessionAtEnd: session.session }),
    )
  }

  // A saved session, as an app resumes it at start: its access token may have expired meanwhile.
  const initial = chat.sessions.issue()
  if (staleStart) chat.sessions.expireAccessTokens()
  await session.resume(initial)
  for (const [n, step] of steps.entries()) {
    const headers = { 'x-op': String(n) }
    switch (step.op) {
      case 'login':
        start(n, 'login', session.login({ identifier: DEFAULT_ACCOUNT.handle, password: step.password === 'right' ? DEFAULT_ACCOUNT.password : 'wrong-password' }, { headers }))
        break
      case 'resume': {
        // Any session the app was told to persist (stale ones too), or something that is none.
        const saved = [...changes.flatMap(([data]) => (data ? [data] : [])), { did: DEFAULT_ACCOUNT.did, handle: DEFAULT_ACCOUNT.handle }]
        const before = changes.length
        start(n, 'resume', session.resume(structuredClone(saved[step.saved % saved.length]!) as SessionData).catch((error: unknown) => {
          if (!(error instanceof TypeError) || changes.length !== before) throw new Error('resume of malformed data changed the session', { cause: error })
        }))
        break
      }
      case 'logout':
        start(n, 'logout', session.logout({ headers }))
        break
      case 'expire':
        chat.sessions.expireAccessTokens()
        break
      case 'call':
        for (const [k, style] of step.styles.entries()) {
          const id = `${n}.${k}`
          const options = { headers: { 'x-op': id } }
          start(id, 'call', style === 'standalone' ? chatBskyConvoGetUnreadCounts(session.core, undefined, options) : client.chat.bsky.convo.getUnreadCounts(undefined, options))
        }
        break
      case 'release': {
        const sorted = held.toSorted((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : Number(a.answered) - Number(b.answered)))
        if (sorted.length) release(sorted[step.pick % sorted.length]!, step.outcome, step.proto)
        break
      }
    }
    await quiet()
  }
  // Then the server answers everything still held, one request at a time.
  let drained = 0
  for (; held.length && drained < 500; drained++) {
    release(held.toSorted((a, b) => (a.key < b.key ? -1 : 1))[0]!, 'answer', '')
    await quiet()
  }
  await settle()
  chat.intercept(undefined)
  return { initial, wire, answers, changes, ops, hooked, session, drained }
}

type Played = Awaited<ReturnType<typeof play>>

/** The properties, checked after one interleaving. */
function check({ initial, wire, answers, changes, ops, hooked, session, drained }: Played): void {
  const events = changes.map(([, event]) => event)

  // Every operation settled: nothing hangs once the server has answered all it was sent.
  expect(drained, 'the client kept sending').toBeLessThan(500)
  expect(ops.filter((op) => !op.settled).map((op) => op.label), 'operations that never settled').toEqual([])
  for (const op of ops) {
    if (op.label.startsWith('resume')) expect(op.error).toBeUndefined()
    else if (op.error !== undefined) expect(op.error, op.label).toBeInstanceOf(XrpcError)
  }

  // The last session change wins.
  for (const [i, [data, event]] of changes.entries()) {
    const before = changes[i - 1]
    if (before && (before[1] === 'logout' || before[1] === 'expired')) expect(['create', 'resume'], `${events.join(' ')}: ${event} after ${before[1]}`).toContain(event)
    if (event === 'refresh') {
      // A refresh renews only the session it started from: the one reported just before.
      const from = before?.[0]?.refreshJwt
      const renewal = answers.find((a) => a.nsid === REFRESH && a.status === 200 && a.bearer === from && JSON.parse(a.body).refreshJwt === data?.refreshJwt)
      expect(renewal, `${events.join(' ')}: refresh #${i} does not renew the session before it`).toBeDefined()
    }
  }
  expect(session.session).toEqual(changes.at(-1)?.[0])

  // Every call goes out with the token of the session current then, or none.
  for (const sent of wire) {
    if (sent.t === 'send' && sent.nsid === CALL) expect(sent.bearer, `a call sent during ${sent.current ? 'a session' : 'no session'}`).toBe(sent.current?.accessJwt)
  }

  // One refresh in flight per session (per refresh token: it may work once); a refresh token
  // tried again only for a call sent after the last try.
  const refreshing = new Set<string | undefined>()
  for (const [i, sent] of wire.entries()) {
    if (sent.nsid !== REFRESH) continue
    if (sent.t === 'done') {
      refreshing.delete(sent.bearer)
      continue
    }
    expect(refreshing.has(sent.bearer), 'two refreshes of one session in flight').toBe(false)
    refreshing.add(sent.bearer)
    const previous = wire.findLastIndex((w, j) => j < i && w.t === 'send' && w.nsid === REFRESH && w.bearer === sent.bearer)
    if (previous >= 0) {
      const prompted = wire.slice(previous + 1, i).some((w) => w.t === 'send' && w.nsid === CALL && w.bearer === accessOf(sent.bearer!))
      expect(prompted, 'a refresh token tried again for calls sent before the last try').toBe(true)
    }
  }

  // A call sent in a session that ended expired, the session still current, had its refresh
  // tried. (A call sent in an earlier session has spent its one replay on the new one.)
  for (const op of ops) {
    const result = op.value as { ok?: boolean; error?: unknown } | undefined
    const failure = op.error ?? (result?.ok === false ? result.error : undefined)
    if (!op.label.startsWith('call') || !(failure instanceof XrpcError) || failure.error !== 'ExpiredToken') continue
    const sent = wire.filter((w) => w.t === 'send' && w.op === op.id).map((w) => w.bearer)
    if (!op.sessionAtEnd || sent.some((token) => token !== op.sessionAtEnd!.accessJwt)) continue
    const tried = wire.some((w) => w.t === 'send' && w.nsid === REFRESH && w.bearer === op.sessionAtEnd!.refreshJwt)
    expect(tried, `${op.label} ended expired, its session current and never refreshed`).toBe(true)
  }

  // What the client was given by a refresh and dropped, and a logged-out session, are revoked:
  // dead on the server, or (when the server failed that request) at least asked to be.
  const revoked = (token: string) => !chat.sessions.refresh.has(token) || wire.some((w) => w.t === 'send' && w.nsid === DELETE && w.bearer === token)
  const reported = new Set(changes.flatMap(([data]) => (data ? [data.refreshJwt] : [])))
  for (const answer of answers) {
    if (answer.nsid !== REFRESH || answer.status !== 200) continue
    const { refreshJwt } = JSON.parse(answer.body) as SessionData
    if (!reported.has(refreshJwt)) expect(revoked(refreshJwt), 'a dropped refresh left alive').toBe(true)
  }
  if (events.at(-1) === 'logout') expect(revoked(changes.at(-2)![0]!.refreshJwt), 'a logged-out session left alive').toBe(true)

  // No token or password in any error or hook context.
  const secrets = [initial.accessJwt, initial.refreshJwt, DEFAULT_ACCOUNT.password]
  for (const answer of answers) if (answer.status === 200 && answer.body.includes('Jwt')) secrets.push(JSON.parse(answer.body).accessJwt, JSON.parse(answer.body).refreshJwt)
  const shown = [...hooked, ...ops.map((op) => (op.error ?? (op.value as { ok?: boolean; error?: unknown } | undefined)?.error))].filter((x) => x !== undefined)
  for (const text of shown.flatMap(renderings)) for (const secret of secrets) expect(leaks(text, secret), text.slice(0, 300)).toBe(false)
}

/** Interleavings the fuzzer shrank to when it found a defect, replayed as they were found. */
const FOUND: [string, Step[], boolean][] = [
  [
    'a call of a new session waited for the replaced session\'s refresh, then replayed its own expired token',
    [{ op: 'login', password: 'right' }, release(0), { op: 'expire' }, { op: 'call', styles: ['standalone'] }, release(0), { op: 'resume', saved: 0 }, { op: 'call', styles: ['standalone'] }],
    false,
  ],
  [
    'a login that finished while logout revoked a renewed session was logged out, and left alive',
    [{ op: 'call', styles: ['standalone', 'standalone'] }, release(0), { op: 'login', password: 'right' }, { op: 'logout' }, release(3), release(3), { op: 'login', password: 'right' }],
    true,
  ],
  [
    'one try per expired token, also when the session is resumed as it is refreshed (an early fix of the first defect broke this)',
    [{ op: 'call', styles: ['standalone', 'standalone'] }, { op: 'resume', saved: 0 }, release(0), { op: 'logout' }, release(2, 'fail')],
    true,
  ],
]

function release(pick: number, outcome: Outcome = 'answer'): Step {
  return { op: 'release', pick, outcome, proto: 'toString' }
}

describe('session races', () => {
  it.each(FOUND)('found by this fuzzer: %s', async (_defect, steps, staleStart) => {
    check(await play(steps, staleStart))
    expect(rejections.seen).toEqual([])
  })

  it('the last session change wins, one refresh in flight per session, dropped sessions revoked, everything settles, no token in any error', async () => {
    const tally: Record<string, number> = {}
    let cases = 0
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), fc.boolean(), async (steps, staleStart) => {
        cases++
        const played = await play(steps, staleStart)
        check(played)
        const { wire, changes, ops } = played
        const count = (key: string) => void (tally[key] = (tally[key] ?? 0) + 1)
        for (const [, event] of changes) count(`event ${event}`)
        for (const sent of wire) if (sent.t === 'send' && sent.nsid === REFRESH) count('refresh requests')
        for (const op of ops) {
          count(`${op.label.split(' ')[0]} ${op.error ? 'threw' : (op.value as { ok?: boolean } | undefined)?.ok === false ? 'err' : 'ok'}`)
        }
      }),
      { seed: SEED, numRuns: runs(1000) },
    )
    expect(rejections.seen).toEqual([])
    report('session races', { cases, failures: 0, ...tally })
  })
})
