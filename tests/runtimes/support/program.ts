/**
 * A user's program, run unchanged on Node, Bun, Deno and in a Cloudflare Worker by
 * runtimes.test.ts: it is copied into a consumer project (as src/program.ts, the generated client
 * beside it in src/generated/, so its import of '../../../generated/index.js' becomes
 * './generated/index.js') and makes real calls against the test's chat server. Each scenario's
 * outcome comes back as plain data; none may reject. Scenarios pick the server's behaviour with an
 * `x-scenario` header (see runtimes.test.ts).
 */
import { AbortError, ConnectionError, InvalidResponseError, RateLimitExceededError, ResponseTooLargeError, ResponseValidationError, TimeoutError, UnexpectedRedirectError } from '@lexgen/runtime'
import { chatBskyConvoGetConvo, chatBskyConvoSendMessage, Client, Core, CredentialSession, withDefaults } from '../../../generated/index.js'
import { InvalidConvoError } from '../../../generated/chat/bsky/convo/getConvo.js'
import { ConvoLockedError } from '../../../generated/chat/bsky/convo/sendMessage.js'

export interface Config {
  readonly service: string
  readonly token: string
  readonly convoId: string
  readonly locked: string
  /** A URL nothing listens on. */
  readonly closed: string
  readonly identifier: string
  readonly password: string
  /** Unique per run, so the server tells this run's requests apart. */
  readonly run: string
}

/** What a scenario gave: its value, or its error's classes (by `instanceof`), status and attempts. */
export type Outcome = { ok: true; value: unknown } | { ok: false; classes: string[]; status: number; attempts: number }

const CLASSES = { AbortError, ConnectionError, ConvoLockedError, InvalidConvoError, InvalidResponseError, RateLimitExceededError, ResponseTooLargeError, ResponseValidationError, TimeoutError, UnexpectedRedirectError }

function failed(error: unknown): Outcome {
  const { status, attempts } = error as { status: number; attempts: number }
  return { ok: false, classes: Object.entries(CLASSES).filter(([, c]) => error instanceof c).map(([name]) => name), status, attempts }
}

const scenario = (name: string) => ({ headers: { 'x-scenario': name } })

/** One quick call with a short timeout: in a Worker, the request before runAll's. */
export async function quickCall(config: Config): Promise<string> {
  return (await new Client({ service: config.service, auth: config.token, timeout: 200 }).chat.bsky.convo.getConvo({ convoId: config.convoId })).convo.id
}

export async function runAll(config: Config): Promise<Record<string, Outcome>> {
  const { service, token, convoId, run } = config
  const client = new Client({ service, auth: token })
  const core = new Core({ service, auth: token })
  const retrying = new Core(withDefaults({ service, auth: token }))
  const scenarios: Record<string, () => Promise<unknown>> = {
    getConvo: async () => (await client.chat.bsky.convo.getConvo({ convoId })).convo.id,
    'listConvos, every page': async () => {
      const ids: string[] = []
      for await (const convo of (await client.chat.bsky.convo.listConvos({ limit: 2 })).allItems()) ids.push(convo.id)
      return ids.length
    },
    sendMessage: async () => (await client.chat.bsky.convo.sendMessage({ convoId, message: { text: `hello from ${run}` } })).text,
    'a declared error, thrown': () => client.chat.bsky.convo.sendMessage({ convoId: config.locked, message: { text: 'x' } }),
    'a declared error, as a Result': async () => {
      const result = await chatBskyConvoGetConvo(core, { convoId: 'no-such-convo' })
      if (!result.ok) throw result.error
    },
    'a response breaking the lexicon': () => client.chat.bsky.convo.getConvo({ convoId }, scenario(`bad:${run}`)),
    'a timeout': () => client.chat.bsky.convo.getConvo({ convoId }, { timeout: 300, retries: false, ...scenario('hang') }),
    'an abort': () => client.chat.bsky.convo.getConvo({ convoId }, { signal: AbortSignal.timeout(300), ...scenario('hang') }),
    // Sent on a kept-alive connection (the calls above warmed it): Deno's node:http sent it again.
    'a timed-out sendMessage': async () => {
      const result = await chatBskyConvoSendMessage(core, { convoId, message: { text: 'x' } }, { ...scenario(`hang:${run}`), signal: AbortSignal.timeout(300) })
      if (!result.ok) throw result.error
    },
    'a 503 with Retry-After, retried': async () => {
      const result = await chatBskyConvoGetConvo(retrying, { convoId }, scenario(`503:${run}`))
      if (!result.ok) throw result.error
      return result.response.attempts
    },
    'a 429 on a procedure, retried': async () => {
      const result = await chatBskyConvoSendMessage(retrying, { convoId, message: { text: 'again' } }, scenario(`429:${run}`))
      if (!result.ok) throw result.error
      return result.response.attempts
    },
    'a refused connection, a procedure retried': async () => {
      const result = await chatBskyConvoSendMessage(new Core(withDefaults({ service: config.closed, auth: token, retries: { baseDelay: 10 } })), { convoId, message: { text: 'x' } })
      if (!result.ok) throw result.error
    },
    'a redirect, not followed': () => client.chat.bsky.convo.getConvo({ convoId }, { retries: false, ...scenario('redirect') }),
    'a body over maxResponseBytes': () => client.chat.bsky.convo.getConvo({ convoId }, { maxResponseBytes: 10_000, ...scenario('big') }),
    'a gzip body': async () => (await client.chat.bsky.convo.getConvo({ convoId }, scenario('gzip'))).convo.id,
    'a br body': async () => (await client.chat.bsky.convo.getConvo({ convoId }, scenario('br'))).convo.id,
    'a corrupt gzip body': () => client.chat.bsky.convo.getConvo({ convoId }, { retries: false, ...scenario('corrupt-gzip') }),
    'a session: login, refresh on ExpiredToken, logout': async () => {
      const events: string[] = []
      const session = new CredentialSession({ service, onSessionChange: (_data, event) => void events.push(event) })
      await session.login({ identifier: config.identifier, password: config.password })
      const chat = new Client(session.core)
      await chat.chat.bsky.convo.getConvo({ convoId })
      await chat.chat.bsky.convo.getConvo({ convoId }, scenario(`expire:${run}`))
      await session.logout()
      return events
    },
  }
  const outcomes: Record<string, Outcome> = {}
  for (const [name, scenario] of Object.entries(scenarios)) {
    try {
      outcomes[name] = { ok: true, value: await scenario() }
    } catch (error) {
      outcomes[name] = failed(error)
    }
  }
  return outcomes
}
