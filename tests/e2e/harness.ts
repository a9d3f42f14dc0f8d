/**
 * End-to-end harness: a real `@atproto/pds` in front of a chat service, with an in-memory
 * PLC directory, all in this process and all bound to 127.0.0.1.
 *
 * - PLC: `@did-plc/server` over `Database.mock()`; the PDS registers account DIDs here and
 *   the chat service resolves their signing keys from here.
 * - Chat: an `@atproto/xrpc-server` built from every lexicon in `lexicons/`, serving the
 *   `chat.bsky.convo.*` methods from the tests' in-memory ConvoStore (handles resolved from
 *   the PLC directory). It is `did:web:localhost%3A<port>`
 *   and serves that DID's document, whose `#bsky_chat` service points at itself. Every call
 *   must carry the inter-service JWT a PDS mints: issuer = the user's DID, audience = the chat
 *   DID, `lxm` = the method, signed by the issuer's key as published in the PLC directory.
 * - PDS: `PDS.create(envToCfg(...), envToSecrets(...))` with SQLite and blobs in a temp dir,
 *   `devMode` (so it reaches http loopback upstreams: SSRF protection off), no invites.
 *
 * - Accounts and lexicon publishing: {@link createAccount} (a did:plc account the PDS registers
 *   in the PLC directory), {@link createDidWebAccount} (a did:web account: its DID document is
 *   served by a {@link DidWebHost} on 127.0.0.1 and the PDS takes it in through the account
 *   migration flow), and {@link publishLexicon}, which writes a `com.atproto.lexicon.schema`
 *   record keyed by the NSID, as an authority publishes its schemas.
 *
 * Binding: both servers we do not build ourselves (PDS, PLC) call `app.listen(port)` with no
 * host, i.e. on every interface. {@link preboundServer} binds an http server to 127.0.0.1
 * first and hands it to their `start()` in place of `app.listen`, so they never open a socket
 * of their own. It also tells us the PDS's port before the PDS is built, which its config
 * needs (its public URL is `http://localhost:<port>`).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@atproto/crypto'
import { IdResolver } from '@atproto/identity'
import { envToCfg, envToSecrets, PDS, type ServerEnvironment } from '@atproto/pds'
import { AuthRequiredError, createServer, createServiceJwt, verifyJwt } from '@atproto/xrpc-server'
import { Database as PlcDatabase, PlcServer } from '@did-plc/server'
import { ConvoStore } from '../helpers/convo-store.js'
import { closeServer, listen } from '../helpers/listen.js'
import { loadLexicons, serveChatMethods } from '../helpers/xrpc-server.js'

// ---------------------------------------------------------------------------------------------
// Loopback binding

/**
 * An http server bound to 127.0.0.1 on a free port, and `adopt(app)`, which makes `app.listen`
 * (which the PDS's and PLC's `start()` call with a port and no host) return this server instead
 * of binding anew: the server then serves `app`, and reports `listening` again for the
 * `events.once(server, 'listening')` that `start()` awaits. Their `destroy()` then closes it.
 */
async function preboundServer(): Promise<{ server: Server; port: number; adopt(app: { listen: unknown }): void }> {
  const server = createHttpServer()
  const port = await listen(server)
  const adopt = (app: { listen: unknown }) => {
    app.listen = () => {
      server.on('request', app as unknown as (req: IncomingMessage, res: ServerResponse) => void)
      setImmediate(() => server.emit('listening'))
      return server
    }
  }
  return { server, port, adopt }
}

/** The local addresses of the TCP sockets this process is listening on, e.g. `127.0.0.1:4321`. */
export function ownListeningAddresses(): string[] {
  const inodes = new Set<string>()
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))
      if (match) inodes.add(match[1]!)
    } catch {
      // closed between readdir and readlink
    }
  }
  const addresses: string[] = []
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    let lines: string[]
    try {
      lines = readFileSync(file, 'utf8').trim().split('\n').slice(1)
    } catch {
      continue
    }
    for (const line of lines) {
      const cols = line.trim().split(/\s+/)
      const [local, state, inode] = [cols[1]!, cols[3], cols[9]!]
      if (state !== '0A' || !inodes.has(inode)) continue // 0A = LISTEN
      const [hexIp, hexPort] = local.split(':') as [string, string]
      addresses.push(`${v6 ? decodeIpv6(hexIp) : decodeIpv4(hexIp)}:${parseInt(hexPort, 16)}`)
    }
  }
  return addresses
}

/** /proc/net/tcp stores the address as a little-endian 32-bit word. */
function decodeIpv4(hex: string): string {
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.')
}

function decodeIpv6(hex: string): string {
  const words: string[] = []
  for (let i = 0; i < 32; i += 8) {
    const le = hex.slice(i, i + 8)
    const be = le.slice(6, 8) + le.slice(4, 6) + le.slice(2, 4) + le.slice(0, 2)
    words.push(be.slice(0, 4), be.slice(4, 8))
  }
  const groups = words.map((w) => parseInt(w, 16).toString(16))
  return `[${groups.join(':')}]`
}

// ---------------------------------------------------------------------------------------------
// PLC directory

export interface Plc {
  readonly url: string
  close(): Promise<void>
}

export async function startPlc(): Promise<Plc> {
  const plc = PlcServer.create({ db: PlcDatabase.mock(), port: 0 })
  const { server, port, adopt } = await preboundServer()
  adopt(plc.app)
  try {
    await plc.start()
  } catch (error) {
    if (server.listening) await closeServer(server)
    throw error
  }
  return { url: `http://127.0.0.1:${port}`, close: () => plc.destroy() }
}

// ---------------------------------------------------------------------------------------------
// Chat service

/** What the chat service's auth verifier accepted: the verified claims of a service JWT. */
export interface VerifiedCall {
  readonly nsid: string
  readonly iss: string
  readonly aud: string
  readonly lxm: string | undefined
}

/** A call the verifier turned away, with the error name it answered. */
export interface RejectedCall {
  readonly nsid: string
  readonly error: string
}

export interface ChatService {
  /** `did:web:localhost%3A<port>`. */
  readonly did: string
  /** `<did>#bsky_chat`, the `atproto-proxy` value that routes a call here. */
  readonly proxy: string
  /** `http://localhost:<port>`, the endpoint its DID document publishes. */
  readonly url: string
  readonly verified: VerifiedCall[]
  readonly rejected: RejectedCall[]
  close(): Promise<void>
}

export async function startChatService(plcUrl: string): Promise<ChatService> {
  const idResolver = new IdResolver({ plcUrl })
  const handles = new Map<string, string>()
  /** Looks the handles of the DIDs a call names up in the PLC directory, before the store answers. */
  const resolveHandles = async (dids: string[]): Promise<void> => {
    for (const did of dids) {
      if (handles.has(did)) continue
      handles.set(did, (await idResolver.did.resolveAtprotoData(did).catch(() => undefined))?.handle ?? 'handle.invalid')
    }
  }
  const store = new ConvoStore('did:web:nobody', { handleOf: (did) => handles.get(did) ?? 'handle.invalid' })
  const verified: VerifiedCall[] = []
  const rejected: RejectedCall[] = []

  const server = createHttpServer()
  const port = await listen(server)
  const did = `did:web:localhost%3A${port}`
  const url = `http://localhost:${port}`
  const didDoc = {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    service: [{ id: '#bsky_chat', type: 'BskyChatService', serviceEndpoint: url }],
  }

  /** The signing key of the issuer (a DID, or `<did>#<service>`), from its DID document. */
  const getSigningKey = async (iss: string, forceRefresh: boolean): Promise<string> => {
    const issuerDid = iss.split('#')[0]!
    return idResolver.did.resolveAtprotoKey(issuerDid, forceRefresh)
  }

  const xrpc = createServer(loadLexicons(), { validateResponse: true })
  const verifyServiceJwt = async ({ req }: { req: IncomingMessage }) => {
    const nsid = (req.url ?? '').replace(/^\/xrpc\//, '').split('?')[0] ?? ''
    try {
      const header = req.headers.authorization
      if (!header?.startsWith('Bearer ')) throw new AuthRequiredError('Authentication Required')
      const payload = await verifyJwt(header.slice('Bearer '.length), did, nsid, getSigningKey)
      verified.push({ nsid, iss: payload.iss, aud: payload.aud, lxm: payload.lxm })
      return { credentials: { did: payload.iss } }
    } catch (error) {
      rejected.push({ nsid, error: error instanceof AuthRequiredError ? (error.customErrorName ?? error.type.toString()) : String(error) })
      throw error
    }
  }
  serveChatMethods(xrpc, () => store, verifyServiceJwt, (_nsid, viewer, params) => resolveHandles([viewer, ...((params.members as string[] | undefined) ?? [])]))

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/.well-known/did.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(didDoc))
      return
    }
    xrpc.router(req, res)
  })

  return {
    did,
    proxy: `${did}#bsky_chat`,
    url,
    verified,
    rejected,
    close: () => closeServer(server),
  }
}

// ---------------------------------------------------------------------------------------------
// PDS

export interface Pds {
  /** `http://localhost:<port>`, the PDS's public URL (it also listens only on 127.0.0.1). */
  readonly url: string
  readonly did: string
  readonly adminPassword: string
  close(): Promise<void>
}

export async function startPds(plcUrl: string, dataDirectory: string): Promise<Pds> {
  const adminPassword = randomBytes(12).toString('hex')
  let pds: PDS | undefined
  // Bind first: the config needs the port (PDS.create() then builds the app we hand the server).
  const { server, port, adopt } = await preboundServer()
  try {
    const env: ServerEnvironment = {
      port,
      hostname: 'localhost',
      version: '0.0.0-e2e',
      devMode: true,
      disableSsrfProtection: true,
      dataDirectory,
      blobstoreDiskLocation: join(dataDirectory, 'blobs'),
      blobstoreDiskTmpLocation: join(dataDirectory, 'blobs-tmp'),
      didPlcUrl: plcUrl,
      serviceHandleDomains: ['.test'],
      inviteRequired: false,
      rateLimitsEnabled: false,
      // As bsky.social answers: a session carries the account's DID document, whose PDS its calls then go to.
      enableDidDocWithSession: true,
      crawlers: [],
      jwtSecret: randomBytes(16).toString('hex'),
      dpopSecret: randomBytes(32).toString('hex'),
      adminPassword,
      // Any 32 random bytes form a valid secp256k1 private key (but for ~2^-128 of them).
      plcRotationKeyK256PrivateKeyHex: randomBytes(32).toString('hex'),
    }
    pds = await PDS.create(envToCfg(env), envToSecrets(env))
    adopt(pds.app)
    await pds.start()
  } catch (error) {
    await pds?.destroy().catch(() => {})
    if (server.listening) await closeServer(server)
    throw error
  }
  const started = pds
  return {
    url: `http://localhost:${port}`,
    did: started.ctx.cfg.service.did,
    adminPassword,
    close: () => started.destroy(),
  }
}

// ---------------------------------------------------------------------------------------------
// Everything together

export interface E2e {
  readonly plc: Plc
  readonly chat: ChatService
  readonly pds: Pds
  readonly dataDirectory: string
  close(): Promise<void>
}

/** Starts PLC, chat service and PDS; on failure, stops whatever had started. */
export async function startE2e(): Promise<E2e> {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'lexgen-e2e-'))
  const closers: (() => Promise<void>)[] = []
  const close = async () => {
    const errors: unknown[] = []
    for (const closer of closers.reverse()) await closer().catch((error: unknown) => errors.push(error))
    closers.length = 0
    rmSync(dataDirectory, { recursive: true, force: true })
    if (errors.length) throw new AggregateError(errors, 'e2e teardown failed')
  }
  try {
    const plc = await startPlc()
    closers.push(() => plc.close())
    const chat = await startChatService(plc.url)
    closers.push(() => chat.close())
    const pds = await startPds(plc.url, dataDirectory)
    closers.push(() => pds.close())
    return { plc, chat, pds, dataDirectory, close }
  } catch (error) {
    await close().catch(() => {})
    throw error
  }
}

// ---------------------------------------------------------------------------------------------
// Accounts and lexicon publishing

/** A plain XRPC call with fetch (account management is outside the chat client). */
export async function xrpc(method: 'GET' | 'POST', url: string, nsid: string, init: { body?: unknown; token?: string; params?: Record<string, string> } = {}) {
  const query = init.params ? `?${new URLSearchParams(init.params)}` : ''
  const res = await fetch(`${url}/xrpc/${nsid}${query}`, {
    method,
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined
  return { status: res.status, body: body ?? {} }
}

/** The body of a 200, else an error carrying the status and body. */
async function xrpcOk(...args: Parameters<typeof xrpc>): Promise<Record<string, unknown>> {
  const res = await xrpc(...args)
  if (res.status !== 200) throw new Error(`${args[2]} answered ${res.status}: ${JSON.stringify(res.body)}`)
  return res.body
}

export interface Account {
  readonly did: string
  readonly handle: string
  readonly password: string
  /** A full-access session from createSession. */
  readonly accessJwt: string
}

/** A did:plc account (the PDS registers it in the PLC directory), logged in afresh. */
export async function createAccount(pdsUrl: string, handle: string): Promise<Account> {
  const password = `pw-${handle}-${randomBytes(6).toString('hex')}`
  const created = await xrpcOk('POST', pdsUrl, 'com.atproto.server.createAccount', { body: { handle, email: `${handle.split('.')[0]}@example.com`, password } })
  const session = await xrpcOk('POST', pdsUrl, 'com.atproto.server.createSession', { body: { identifier: handle, password } })
  if (session.did !== created.did) throw new Error(`createSession answered ${String(session.did)}, not ${String(created.did)}`)
  return { did: session.did as string, handle, password, accessJwt: session.accessJwt as string }
}

/** Serves one did:web DID document from 127.0.0.1; its key and PDS endpoint can be changed. */
export interface DidWebHost {
  /** `did:web:localhost%3A<port>`. */
  readonly did: string
  /** Replaces the `#atproto` key (a `did:key:…`) and/or the `#atproto_pds` endpoint. */
  set(update: { signingKey?: string; pds?: string }): void
  close(): Promise<void>
}

export async function startDidWebHost(handle: string, signingKey: string, pds: string): Promise<DidWebHost> {
  const server = createHttpServer()
  const port = await listen(server)
  const did = `did:web:localhost%3A${port}`
  let current = { signingKey, pds }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/.well-known/did.json') return void res.writeHead(404).end()
    const doc = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      alsoKnownAs: [`at://${handle}`],
      verificationMethod: [{ id: `${did}#atproto`, type: 'Multikey', controller: did, publicKeyMultibase: current.signingKey.replace(/^did:key:/, '') }],
      service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: current.pds }],
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc))
  })
  return { did, set: (update) => void (current = { ...current, ...update }), close: () => closeServer(server) }
}

/**
 * A did:web account on the PDS, through the migration flow a real did:web user follows: create
 * the account for an existing DID (a service JWT signed by the key its document names), point
 * the document at the signing key the PDS recommends, then activate it.
 */
export async function createDidWebAccount(pds: Pds, handle: string): Promise<Account & { readonly host: DidWebHost }> {
  const keypair = await Secp256k1Keypair.create()
  const host = await startDidWebHost(handle, keypair.did(), pds.url)
  try {
    const password = `pw-${handle}-${randomBytes(6).toString('hex')}`
    const jwt = await createServiceJwt({ iss: host.did, aud: pds.did, lxm: 'com.atproto.server.createAccount', keypair })
    const created = await xrpcOk('POST', pds.url, 'com.atproto.server.createAccount', {
      body: { did: host.did, handle, email: `${handle.split('.')[0]}@example.com`, password },
      token: jwt,
    })
    const token = created.accessJwt as string
    const credentials = await xrpcOk('GET', pds.url, 'com.atproto.identity.getRecommendedDidCredentials', { token })
    host.set({ signingKey: (credentials.verificationMethods as { atproto: string }).atproto })
    await xrpcOk('POST', pds.url, 'com.atproto.server.activateAccount', { token })
    const session = await xrpcOk('POST', pds.url, 'com.atproto.server.createSession', { body: { identifier: handle, password } })
    return { did: host.did, handle, password, accessJwt: session.accessJwt as string, host }
  } catch (error) {
    await host.close()
    throw error
  }
}

/** Publishes `doc` as the account's `com.atproto.lexicon.schema` record keyed by its NSID (or `rkey`), creating or replacing it. */
export async function publishLexicon(pdsUrl: string, account: Account, doc: { id: string }, rkey = doc.id): Promise<{ uri: string; cid: string }> {
  const body = await xrpcOk('POST', pdsUrl, 'com.atproto.repo.putRecord', {
    body: { repo: account.did, collection: 'com.atproto.lexicon.schema', rkey, record: { $type: 'com.atproto.lexicon.schema', ...doc } },
    token: account.accessJwt,
  })
  return { uri: body.uri as string, cid: body.cid as string }
}

export async function unpublishLexicon(pdsUrl: string, account: Account, nsid: string): Promise<void> {
  await xrpcOk('POST', pdsUrl, 'com.atproto.repo.deleteRecord', {
    body: { repo: account.did, collection: 'com.atproto.lexicon.schema', rkey: nsid },
    token: account.accessJwt,
  })
}
