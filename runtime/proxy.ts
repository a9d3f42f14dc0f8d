/**
 * The `atproto-proxy` header: which service the user's PDS forwards a call to.
 * Bluesky Chat lives behind its own service, so `chat.*` calls are proxied by default.
 */
import { shown } from './shown.js'

export const BSKY_CHAT_PROXY = 'did:web:api.bsky.chat#bsky_chat'

/** `did:<method>:<identifier>#<service id>`, the only shape a PDS accepts. */
const PROXY = /^did:[a-z]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._-]#[A-Za-z0-9._~-]+$/

/** Throws a TypeError for a malformed proxy, so it is caught before any request is made. */
export function assertProxy(proxy: string | false | undefined): void {
  if (proxy === undefined || proxy === false) return
  if (typeof proxy !== 'string' || !PROXY.test(proxy)) {
    throw new TypeError(`Invalid atproto-proxy: expected "did:<method>:<id>#<service>", e.g. "${BSKY_CHAT_PROXY}", got ${shown(proxy)}`)
  }
}

/**
 * The proxy for one call: the per-call option, else the client's, else the default for the NSID.
 * `false` at either level switches proxying off.
 */
export function resolveProxy(nsid: string, clientProxy: string | false | undefined, callProxy: string | false | undefined): string | undefined {
  const proxy = callProxy ?? clientProxy ?? defaultProxy(nsid)
  return proxy === false ? undefined : proxy
}

function defaultProxy(nsid: string): string | undefined {
  return nsid.startsWith('chat.') ? BSKY_CHAT_PROXY : undefined
}
