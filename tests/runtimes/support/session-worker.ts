/**
 * A Cloudflare Worker holding one `CredentialSession` at module level, shared by the requests it
 * serves, as a bot's Worker keeps its login (worker-session.test.ts). Each path is one step the
 * test takes; answers are plain data. The server is told when a step has reached a point the
 * test orders on, by a request to `/xrpc/_step?name=…` (answered 404, which is all it needs).
 */
import { CredentialSession as AtpCredentialSession } from '@atproto/api'
import { Client, Core, CredentialSession, withDefaults } from '../../../generated/index.js'
import type { Layer } from '@lexgen/runtime'

interface Config {
  readonly service: string
  readonly identifier: string
  readonly password: string
  readonly convoId: string
  readonly refreshTimeout: number
}

let session: CredentialSession | undefined
/** What the calls go through: `session.core`, or (after `/login-manager`) a Core with @atproto/api's session as its auth. */
let core: Core | undefined
let events: string[] = []
/**
 * Called when the session sends a refresh: set by the request that waits for it (a promise made
 * by an earlier request would not do: workerd drops the continuations of an ended request's promises).
 */
let onRefreshSent = () => {}

/** Tells the server a step reached `name` (real I/O: it arrives after every microtask queued before it ran). */
function step(config: Config, name: string): Promise<unknown> {
  return fetch(`${config.service}/xrpc/_step?name=${name}`).then((res) => res.arrayBuffer(), () => undefined)
}

/**
 * Tells the server when a call got its `ExpiredToken`: the session's layer above has then asked
 * for the refresh (before any I/O, this report's included, makes progress).
 */
function reportExpired(config: Config): Layer {
  return (next) => async (request) => {
    const outcome = await next(request)
    if (!outcome.ok && outcome.error.error === 'ExpiredToken' && request.xrpc.nsid !== 'com.atproto.server.refreshSession') void step(config, 'expired')
    return outcome
  }
}

function outcome(error: unknown) {
  const { name, error: code, message } = error as { name: string; error?: string; message: string }
  return { ok: false, name, error: code, message }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname
    const config = (await request.json()) as Config
    if (path === '/login') {
      events = []
      const noteRefresh: Layer = (next) => (req) => {
        if (req.xrpc.nsid !== 'com.atproto.server.refreshSession') return next(req)
        onRefreshSent()
        return next(req)
      }
      session = new CredentialSession({ service: config.service, refreshTimeout: config.refreshTimeout, layers: [noteRefresh, reportExpired(config)], onSessionChange: (_data, event) => void events.push(event) })
      await session.login({ identifier: config.identifier, password: config.password })
      core = session.core
      return Response.json(events)
    }
    if (path === '/login-manager') {
      events = []
      // @atproto/api's session, its fetch watched for the refresh it sends.
      const manager = new AtpCredentialSession(new URL(config.service), (input, init) => {
        if (String(input instanceof Request ? input.url : input).includes('com.atproto.server.refreshSession')) onRefreshSent()
        return fetch(input, init)
      })
      await manager.login({ identifier: config.identifier, password: config.password })
      core = new Core(withDefaults({ auth: manager, timeout: config.refreshTimeout, layers: [reportExpired(config)] }))
      return Response.json(['create'])
    }
    const chat = new Client(core!)
    const call = (signal?: AbortSignal) => chat.chat.bsky.convo.getConvo({ convoId: config.convoId }, signal ? { signal } : {})
    try {
      if (path === '/a') {
        // Gives up on its call once the refresh it started is sent, and ends while that is in flight.
        const controller = new AbortController()
        onRefreshSent = () => {
          onRefreshSent = () => {}
          controller.abort()
        }
        await call(controller.signal)
        return Response.json({ ok: true, events })
      }
      if (path === '/call') {
        const res = await call()
        return Response.json({ ok: true, value: res.convo.id, events })
      }
    } catch (error) {
      return Response.json({ ...outcome(error), events })
    }
    return new Response('no such step', { status: 404 })
  },
}
