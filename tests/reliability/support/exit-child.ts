/**
 * A bot's whole life, for the exit test: run with `node --conditions=lexgen-source --import tsx`,
 * args `<transport: node|fetch|undici> <service> <refused service>`. It logs in, makes one call of
 * every kind with its shutdown signal (a success, a 500 then a success, a 503 with Retry-After
 * then a success, a timeout mid-body, an abort, a refused connection, an expired token and its
 * refresh, pages broken off with `break`), aborts nothing else, prints what each call ended in and
 * the timers still armed, and returns. It never calls `process.exit`: the test waits for the
 * process to end by itself.
 */
import { Core, withDefaults, type Transport } from '@lexgen/runtime'
import { Client } from '../../../generated/client.js'
import { chatBskyConvoGetConvo, chatBskyConvoListConvos } from '../../../generated/index.js'
import { CredentialSession } from '../../../generated/session.js'

const [transport, service, refused] = process.argv.slice(2) as [string, string, string]
if (!service || !refused) throw new Error('usage: exit-child.ts <node|fetch|undici> <service> <refused service>')
let config: { transport?: Transport; dispatcher?: unknown } = {}
if (transport === 'fetch') config = { transport: (await import('../../../runtime/transport/fetch.js')).send }
if (transport === 'undici') config = { dispatcher: new (await import('undici')).Agent() }

const { signal } = new AbortController()
const outcomes: Record<string, string> = {}
const settled = (name: string, call: Promise<unknown>) =>
  call.then(
    () => void (outcomes[name] = 'ok'),
    (error: Error) => void (outcomes[name] = error.name),
  )
const retries = { baseDelay: 1, maxDelay: 2 }
const session = new CredentialSession({ service, retries, ...config })
await session.login({ identifier: 'viewer.test', password: 'hunter2' }, { signal })
const tokens = session.session!.accessJwt
const client = new Client(session.core)
const convo = (convoId: string, options = {}) => client.chat.bsky.convo.getConvo({ convoId }, { signal, ...options })

await settled('ok', convo('convo-1'))
await settled('500 then ok', convo('fail-500-once'))
await settled('503 Retry-After then ok', convo('retry-after-once'))
await settled('timeout mid-body', convo('stall-body', { timeout: 50, retries: false }))
const aborting = new AbortController()
const aborted = client.chat.bsky.convo.getConvo({ convoId: 'hold' }, { signal: aborting.signal })
aborting.abort(new Error('changed my mind'))
await settled('aborted', aborted)
const unreachable = new Core(withDefaults({ service: refused, retries, ...config }))
await settled('refused', chatBskyConvoGetConvo(unreachable, { convoId: 'convo-1' }, { signal }).then((r) => (r.ok ? r.value : Promise.reject(r.error))))
await settled('expired token, refreshed', convo('expire-tokens'))
outcomes['refreshed'] = String(session.session!.accessJwt !== tokens)
const pages = await client.chat.bsky.convo.listConvos({ limit: 1 }, { signal })
for await (const _ of pages.allItems()) break
const bare = await chatBskyConvoListConvos(new Core({ service, auth: session, ...config }), { limit: 1 }, { signal })
if (bare.ok) for await (const _ of bare.value) break

// Only timers a call left armed are listed: unref'd ones (idle sockets, AbortSignal.timeout) are not.
const timers = process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
console.log(JSON.stringify({ outcomes, timers }))
