/**
 * A real `@atproto/xrpc-server` on 127.0.0.1 (port 0), built from every lexicon in
 * `lexicons/`, serving all of Bluesky Chat (`chat.bsky.convo.*` here, the group, actor and
 * notification methods from chat-handlers.ts) from a ConvoStore, and the session methods of a
 * PDS (session-handlers.ts). It validates requests (and, here, responses) against the lexicons,
 * records the headers every request arrived with, checks the bearer token like a PDS, and can be
 * told to fail the next call of a method with any error, or hand every request to the test first
 * (to hold, answer or reset it). The e2e chat service serves the same
 * chat methods (`serveChatMethods`) behind its own auth.
 */
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import type { LexiconDoc } from '@atproto/lexicon'
import { AuthRequiredError, createServer, XRPCError, type HandlerContext, type MethodConfigOrHandler, type Params } from '@atproto/xrpc-server'
import { chatHandlers, EncodedBody } from './chat-handlers.js'
import { ConvoStore } from './convo-store.js'
import { closeServer, listen } from './listen.js'
import { checkSessionAuth, sessionHandlers, SessionTokens, type Account } from './session-handlers.js'

export const LEXICON_DIR = join(import.meta.dirname, '../../lexicons')
export const VIEWER_DID = 'did:plc:viewer'
export const TEST_TOKEN = 'test-access-jwt.eyJzdWIiOiJkaWQ6cGxjOnZpZXdlciJ9.s3cr3t-signature'
/** A token the server reports as expired, with a 400 as the PDS does. */
export const EXPIRED_TOKEN = 'expired-access-jwt.eyJleHAiOjB9.s3cr3t-signature'

export interface RecordedRequest {
  readonly method: string
  readonly nsid: string
  /** The raw path and query, as the client sent them. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
}

export interface InjectedError {
  /** Defaults to 400, the status the service uses for declared errors. */
  readonly status?: number
  readonly error: string
  readonly message?: string
}

/**
 * Sees each request before the XRPC router does: it may hold it (calling `route` later lets the
 * server answer as usual), answer it itself through `res`, or reset its connection.
 */
export type Interceptor = (req: IncomingMessage, res: ServerResponse, route: () => void) => void

export interface ChatServer {
  readonly url: string
  /** The chat state; `reset()` replaces it with an empty one. */
  readonly store: ConvoStore
  /** The account's live tokens (session methods). */
  readonly sessions: SessionTokens
  /** Starts over with an empty store, for a test that needs a world of its own. */
  reset(): ConvoStore
  readonly requests: RecordedRequest[]
  /** The last request received for `nsid`. */
  last(nsid: string): RecordedRequest | undefined
  /** Makes the next call of `nsid` fail with `error` (after auth and lexicon validation). */
  failNext(nsid: string, error: InjectedError): void
  /** Hands every request to `interceptor` first; `undefined` removes it. */
  intercept(interceptor: Interceptor | undefined): void
  /**
   * Resolves once no client connection is open: whatever a client that has exited had sent is
   * then in `requests` (its bytes arrive before its connection's end), so none can come later.
   */
  drained(): Promise<void>
  close(): Promise<void>
}

let lexicons: LexiconDoc[] | undefined

/** Every lexicon document under `lexicons/`, so every reference resolves. */
export function loadLexicons(): LexiconDoc[] {
  return (lexicons ??= readdirSync(LEXICON_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(join(LEXICON_DIR, file), 'utf8')) as LexiconDoc))
}

/** The 22 `chat.bsky.convo.*` methods, read from the lexicons rather than listed by hand. */
export function convoMethods(): string[] {
  return loadLexicons()
    .filter((doc) => doc.id.startsWith('chat.bsky.convo.') && (doc.defs.main?.type === 'query' || doc.defs.main?.type === 'procedure'))
    .map((doc) => doc.id)
    .sort()
}

type Body = Record<string, unknown>
/** One method, answered from the store as the authenticated viewer sees it. */
type Handler = (store: ConvoStore, params: Params, input: Body) => unknown

const handlers: Record<string, Handler> = {
  acceptConvo: (s, _p, i) => s.acceptConvo(i.convoId as string),
  addReaction: (s, _p, i) => s.react(i.convoId as string, i.messageId as string, i.value as string, true),
  removeReaction: (s, _p, i) => s.react(i.convoId as string, i.messageId as string, i.value as string, false),
  deleteMessageForSelf: (s, _p, i) => s.deleteMessageForSelf(i.convoId as string, i.messageId as string),
  getConvo: (s, p) => s.getConvo(p.convoId as string),
  getConvoAvailability: (s, p) => s.getConvoAvailability(p.members as string[]),
  getConvoForMembers: (s, p) => s.getConvoForMembers(p.members as string[]),
  getConvoMembers: (s, p) => s.getConvoMembers(p.convoId as string, p.limit as number | undefined, p.cursor as string | undefined),
  getLog: (s, p) => s.getLog(p.cursor as string | undefined),
  getMessages: (s, p) => s.getMessages(p.convoId as string, p.limit as number | undefined, p.cursor as string | undefined),
  getUnreadCounts: (s) => s.getUnreadCounts(),
  leaveConvo: (s, _p, i) => s.leaveConvo(i.convoId as string),
  listConvoRequests: (s, p) => s.listConvoRequests(p.limit as number | undefined, p.cursor as string | undefined),
  listConvos: (s, p) => s.listConvos(p as { limit?: number; cursor?: string; status?: string; readState?: string }),
  lockConvo: (s, _p, i) => s.setLocked(i.convoId as string, true),
  unlockConvo: (s, _p, i) => s.setLocked(i.convoId as string, false),
  muteConvo: (s, _p, i) => s.setMuted(i.convoId as string, true),
  unmuteConvo: (s, _p, i) => s.setMuted(i.convoId as string, false),
  sendMessage: (s, _p, i) => s.sendMessage(i.convoId as string, i.message as { text: string }),
  sendMessageBatch: (s, _p, i) => ({
    items: (i.items as { convoId: string; message: { text: string } }[]).map((item) => s.sendMessage(item.convoId, item.message)),
  }),
  updateAllRead: (s, _p, i) => s.updateAllRead(i.status as string | undefined),
  updateRead: (s, _p, i) => s.updateRead(i.convoId as string),
}

/** The bearer token of a request, if any. */
function bearer(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined
}

/** The access tokens the server takes: TEST_TOKEN, and those a session was given. */
function isAccessToken(sessions: SessionTokens, token: string): boolean {
  return token === TEST_TOKEN || sessions.access.has(token)
}

/** Checks `authorization: Bearer <token>` the way a PDS does. */
function verifyAuth(sessions: SessionTokens) {
  return ({ req }: { req: { headers: IncomingHttpHeaders } }) => {
    const token = bearer(req.headers)
    if (token === undefined) throw new AuthRequiredError('Authentication Required')
    if (token === EXPIRED_TOKEN || sessions.expired.has(token)) throw new XRPCError(400, 'Token has expired', 'ExpiredToken')
    if (!isAccessToken(sessions, token)) throw new AuthRequiredError('Token could not be verified', 'InvalidToken')
    return { credentials: { did: VIEWER_DID } }
  }
}

type XrpcServer = ReturnType<typeof createServer>
type AuthVerifier = Extract<MethodConfigOrHandler, { auth?: unknown }>['auth']

/**
 * Serves every Bluesky Chat method on `xrpc` from `store()`, as the DID `auth` verified (its
 * `credentials.did`) sees it. `before` runs first and may throw instead of answering.
 */
export function serveChatMethods(
  xrpc: XrpcServer,
  store: () => ConvoStore,
  auth: AuthVerifier,
  before?: (nsid: string, viewer: string, params: Params) => void | Promise<void>,
): void {
  const chat = [...Object.entries(handlers).map(([name, handler]) => [`chat.bsky.convo.${name}`, handler] as const), ...Object.entries(chatHandlers)]
  for (const [nsid, handler] of chat) {
    xrpc.method(nsid, {
      auth,
      handler: async (ctx: HandlerContext) => {
        const viewer = (ctx.auth as { credentials: { did: string } }).credentials.did
        const params = ctx.params ?? {}
        await before?.(nsid, viewer, params)
        const output = handler(store().as(viewer), params, (ctx.input?.body ?? {}) as Body)
        // The server takes plain objects only.
        return output instanceof EncodedBody ? { encoding: output.encoding, body: output.body } : { encoding: 'application/json', body: output }
      },
    })
  }
}

/** The account the session methods log in; its DID is the viewer's. */
export const DEFAULT_ACCOUNT: Account = { did: VIEWER_DID, handle: 'viewer.test', password: 'hunter2' }

export async function startChatServer(options: { account?: Omit<Account, 'did'> } = {}): Promise<ChatServer> {
  let store = new ConvoStore(VIEWER_DID)
  const sessions = new SessionTokens({ ...DEFAULT_ACCOUNT, ...options.account })
  const requests: RecordedRequest[] = []
  const injected = new Map<string, InjectedError>()
  let interceptor: Interceptor | undefined
  const xrpc = createServer(loadLexicons(), { validateResponse: true })

  /** Fails the call as told by failNext, after auth and request validation, as a real error would. */
  const injectedFailure = (nsid: string) => {
    const failure = injected.get(nsid)
    if (!failure) return
    injected.delete(nsid)
    throw new XRPCError(failure.status ?? 400, failure.message ?? failure.error, failure.error)
  }

  serveChatMethods(xrpc, () => store, verifyAuth(sessions), injectedFailure)

  for (const [nsid, method] of Object.entries(sessionHandlers)) {
    xrpc.method(nsid, {
      auth: ({ req }: { req: { headers: IncomingHttpHeaders } }) => {
        checkSessionAuth(sessions, method.auth, bearer(req.headers), (token) => isAccessToken(sessions, token))
        return { credentials: { did: VIEWER_DID } }
      },
      handler: (ctx: HandlerContext) => {
        injectedFailure(nsid)
        const output = method.handle(sessions, (ctx.input?.body ?? {}) as Body, bearer(ctx.req.headers))
        return output === undefined ? undefined : { encoding: 'application/json', body: output }
      },
    })
  }

  const server = createHttpServer((req, res) => {
    const nsid = (req.url ?? '').replace(/^\/xrpc\//, '').split('?')[0] ?? ''
    requests.push({ method: req.method ?? '', nsid, url: req.url ?? '', headers: req.headers })
    if (interceptor) interceptor(req, res, () => xrpc.router(req, res))
    else xrpc.router(req, res)
  })
  const port = await listen(server)
  const connections = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    connections.add(socket)
    socket.once('close', () => connections.delete(socket))
  })

  return {
    url: `http://127.0.0.1:${port}`,
    get store() {
      return store
    },
    sessions,
    reset: () => (store = new ConvoStore(VIEWER_DID)),
    requests,
    last: (nsid) => requests.findLast((r) => r.nsid === nsid),
    failNext: (nsid, error) => void injected.set(nsid, error),
    intercept: (next) => void (interceptor = next),
    drained: async () => {
      await Promise.all([...connections].map((socket) => once(socket, 'close')))
    },
    close: () => closeServer(server),
  }
}
