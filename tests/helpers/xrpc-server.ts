/**
 * A real `@atproto/xrpc-server` on 127.0.0.1 (port 0), built from every lexicon in
 * `lexicons/`, serving all `chat.bsky.convo.*` methods from a ConvoStore. It validates
 * requests (and, here, responses) against the lexicons, records the headers every request
 * arrived with, checks the bearer token like a PDS, and can be told to fail the next call
 * of a method with any error. The e2e chat service serves the same methods (`serveConvoMethods`)
 * behind its own auth.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import type { LexiconDoc } from '@atproto/lexicon'
import { AuthRequiredError, createServer, XRPCError, type HandlerContext, type MethodConfigOrHandler, type Params } from '@atproto/xrpc-server'
import { ConvoStore } from './convo-store.js'
import { closeServer, listen } from './listen.js'

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

export interface ChatServer {
  readonly url: string
  readonly store: ConvoStore
  readonly requests: RecordedRequest[]
  /** The last request received for `nsid`. */
  last(nsid: string): RecordedRequest | undefined
  /** Makes the next call of `nsid` fail with `error` (after auth and lexicon validation). */
  failNext(nsid: string, error: InjectedError): void
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

/** Checks `authorization: Bearer <token>` the way a PDS does. */
function verifyAuth({ req }: { req: { headers: IncomingHttpHeaders } }) {
  const header = req.headers.authorization
  if (!header?.startsWith('Bearer ')) throw new AuthRequiredError('Authentication Required')
  const token = header.slice('Bearer '.length)
  if (token === EXPIRED_TOKEN) throw new XRPCError(400, 'Token has expired', 'ExpiredToken')
  if (token !== TEST_TOKEN) throw new AuthRequiredError('Token could not be verified', 'InvalidToken')
  return { credentials: { did: VIEWER_DID } }
}

type XrpcServer = ReturnType<typeof createServer>
type AuthVerifier = Extract<MethodConfigOrHandler, { auth?: unknown }>['auth']

/**
 * Serves every `chat.bsky.convo.*` method on `xrpc` from `store`, as the DID `auth` verified
 * (its `credentials.did`) sees it. `before` runs first and may throw instead of answering.
 */
export function serveConvoMethods(
  xrpc: XrpcServer,
  store: ConvoStore,
  auth: AuthVerifier,
  before?: (nsid: string, viewer: string, params: Params) => void | Promise<void>,
): void {
  for (const [name, handler] of Object.entries(handlers)) {
    const nsid = `chat.bsky.convo.${name}`
    xrpc.method(nsid, {
      auth,
      handler: async (ctx: HandlerContext) => {
        const viewer = (ctx.auth as { credentials: { did: string } }).credentials.did
        const params = ctx.params ?? {}
        await before?.(nsid, viewer, params)
        const input = (ctx.input?.body ?? {}) as Body
        return { encoding: 'application/json', body: handler(store.as(viewer), params, input) }
      },
    })
  }
}

export async function startChatServer(): Promise<ChatServer> {
  const store = new ConvoStore(VIEWER_DID)
  const requests: RecordedRequest[] = []
  const injected = new Map<string, InjectedError>()
  const xrpc = createServer(loadLexicons(), { validateResponse: true })
  serveConvoMethods(xrpc, store, verifyAuth, (nsid) => {
    const failure = injected.get(nsid)
    if (!failure) return
    injected.delete(nsid)
    throw new XRPCError(failure.status ?? 400, failure.message ?? failure.error, failure.error)
  })

  const server = createHttpServer((req, res) => {
    const nsid = (req.url ?? '').replace(/^\/xrpc\//, '').split('?')[0] ?? ''
    requests.push({ method: req.method ?? '', nsid, url: req.url ?? '', headers: req.headers })
    xrpc.router(req, res)
  })
  const port = await listen(server)

  return {
    url: `http://127.0.0.1:${port}`,
    store,
    requests,
    last: (nsid) => requests.findLast((r) => r.nsid === nsid),
    failNext: (nsid, error) => void injected.set(nsid, error),
    close: () => closeServer(server),
  }
}
