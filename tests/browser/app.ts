/**
 * What the browser test runs in Chromium: the committed generated client and @lexgen/runtime,
 * bundled as the README says (esbuild, `--platform=browser`, minified), so the runtime's
 * `browser` export condition puts in the fetch transport. Each scenario returns plain data
 * (what a call gave, its error described) for the test to compare; none may reject.
 */
import {
  AbortError,
  ConnectionError,
  Core,
  ResponseTooLargeError,
  ResponseValidationError,
  TimeoutError,
  UnexpectedRedirectError,
  withDefaults,
  type Result,
} from '@lexgen/runtime'
import { ChatBskyConvoDefs, ChatBskyConvoGetConvo, chatBskyConvoGetConvo, Client, CredentialSession } from '../../generated/index.js'

/** An error as the test compares it: its class by `instanceof`, and what it says. */
export interface Described {
  readonly classes: string[]
  readonly name: string
  readonly status: number
  readonly error: string
  readonly message: string
}

const CLASSES = {
  AbortError,
  ConnectionError,
  InvalidConvoError: ChatBskyConvoGetConvo.InvalidConvoError,
  ResponseTooLargeError,
  ResponseValidationError,
  TimeoutError,
  UnexpectedRedirectError,
}

function describe(error: unknown): Described {
  const e = error as { name: string; status: number; error: string; message: string }
  const classes = Object.entries(CLASSES)
    .filter(([, cls]) => error instanceof cls)
    .map(([name]) => name)
  return { classes, name: e.name, status: e.status, error: e.error, message: e.message }
}

function outcome<T>(result: Result<T, unknown>): { ok: true } | { ok: false; error: Described } {
  return result.ok ? { ok: true } : { ok: false, error: describe(result.error) }
}

/** Logs in to the PDS, chats through it with the namespaced Client, logs out. */
async function chat(options: { service: string; proxy: `did:${string}#${string}`; identifier: string; password: string; peer: string }) {
  const session = new CredentialSession({ service: options.service, proxy: options.proxy, retries: false })
  await session.login({ identifier: options.identifier, password: options.password })
  const client = new Client(session.core)
  const { convo } = await client.chat.bsky.convo.getConvoForMembers({ members: [options.peer] })
  await client.chat.bsky.convo.sendMessage({ convoId: convo.id, message: { text: 'hello from a browser 👋' } })
  const texts: string[] = []
  for await (const message of (await client.chat.bsky.convo.getMessages({ convoId: convo.id, limit: 1 })).allItems()) {
    if (ChatBskyConvoDefs.isMessageView(message)) texts.push(message.text)
  }
  const missing = await chatBskyConvoGetConvo(session.core, { convoId: 'no-such-convo' })
  await session.logout()
  return { texts, missing: outcome(missing), loggedOut: session.session === undefined }
}

/** One getConvo on a Core with the Client's defaults, but no retries, and `options`. */
async function getConvo(options: { service: string; timeout?: number; maxResponseBytes?: number }) {
  const core = new Core(withDefaults({ ...options, retries: false }))
  return outcome(await chatBskyConvoGetConvo(core, { convoId: 'c1' }))
}

/** One getConvo through the namespaced Client (which validates responses), its throw described. */
async function clientGetConvo(options: { service: string }) {
  try {
    await new Client({ service: options.service, retries: false }).chat.bsky.convo.getConvo({ convoId: 'c1' })
    return { ok: true as const }
  } catch (error) {
    return { ok: false as const, error: describe(error) }
  }
}

let pending: AbortController | undefined

/** Starts a getConvo that `abortStarted()` aborts; resolves when it ends. */
async function getConvoAborted(options: { service: string }) {
  pending = new AbortController()
  const core = new Core(withDefaults({ service: options.service, retries: false }))
  return outcome(await chatBskyConvoGetConvo(core, { convoId: 'c1' }, { signal: pending.signal }))
}

function abortStarted(): void {
  pending?.abort()
}

/** A getConvo with one retry after a short backoff. */
async function getConvoRetried(options: { service: string }) {
  const core = new Core(withDefaults({ service: options.service, retries: { limit: 1, baseDelay: 10, maxDelay: 10 } }))
  return outcome(await chatBskyConvoGetConvo(core, { convoId: 'c1' }))
}

const scenarios = { chat, getConvo, clientGetConvo, getConvoAborted, abortStarted, getConvoRetried }
export type Scenarios = typeof scenarios
;(globalThis as { lexgen?: Scenarios }).lexgen = scenarios
