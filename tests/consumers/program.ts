/** The consumer program the tests in this folder build in users' projects. */

/**
 * The consumer: a user's program, written against the generated client as the README shows it,
 * passing on optional values that may be unset (a cursor, a signal, a reply target), as
 * exactOptionalPropertyTypes must allow. In a CommonJS package it is written as such code is
 * (`import x = require()`, which Node 20.19+ serves for ESM modules too, and TypeScript 5.8+ types)
 * or, for TypeScript before 5.8, which refuses that for an ES module (TS1471) as it does `import type`
 * and, before 5.3, `import()` types (TS1479), with `import()` and the types inferred from its values;
 * elsewhere as ESM, importing `.js` or, with `ts`, `.ts` files. The items `allItems()` yields must be typed, not `any` (which a `lib` without
 * ES2018's async iterables made them).
 */
export function program(style: 'esm' | 'require' | 'import', importExt: 'js' | 'ts' = 'js'): string {
  const header =
    style === 'require'
      ? `import lexgen = require('./generated/index.mjs')
import settings = require('./config.mjs')
const { Client, Core, chatBskyConvoGetConvo, ChatBskyConvoGetConvo, withDefaults } = lexgen
const { config } = settings
type CallOptions = lexgen.CallOptions
type MessageView = lexgen.ChatBskyConvoDefs.MessageView
type ReplyRef = lexgen.ChatBskyConvoDefs.ReplyRef
`
      : style === 'import'
        ? ''
        : `import { Client, Core, chatBskyConvoGetConvo, ChatBskyConvoGetConvo, withDefaults, type CallOptions } from './generated/index.${importExt}'
import type { ChatBskyConvoDefs } from './generated/index.${importExt}'
import { config } from './config.${importExt}'
type MessageView = ChatBskyConvoDefs.MessageView
type ReplyRef = ChatBskyConvoDefs.ReplyRef
`
  return `${header}
async function main(): Promise<void> {
${
    style === 'import'
      ? `  const { Client, Core, chatBskyConvoGetConvo, ChatBskyConvoGetConvo, withDefaults } = await import('./generated/index.mjs')
  const { config } = await import('./config.mjs')
  type CallOptions = NonNullable<Parameters<typeof chatBskyConvoGetConvo>[2]>
  type MessageView = Awaited<ReturnType<typeof client.chat.bsky.convo.sendMessage>>
  type ReplyRef = NonNullable<Parameters<typeof client.chat.bsky.convo.sendMessage>[0]['message']['replyTo']>
`
      : ''
  }  const client = new Client({ service: config.service, auth: config.token })
  const getConvo = (convoId: string, signal?: AbortSignal) => client.chat.bsky.convo.getConvo({ convoId }, { signal })
  const reply = (convoId: string, text: string, replyTo?: ReplyRef) => client.chat.bsky.convo.sendMessage({ convoId, message: { text, replyTo } })
  const { convo } = await getConvo(config.convoId)
  const sent: MessageView = await reply(convo.id, 'hello')

  // Pagination: a loop of its own over the cursor, then pages and items.
  let cursor: string | undefined
  let convos = 0
  do {
    const page = await client.chat.bsky.convo.listConvos({ limit: 1, cursor })
    convos += page.convos.length
    cursor = page.cursor
  } while (cursor)
  const first = await client.chat.bsky.convo.getMessages({ convoId: convo.id, limit: 1 }, { maxPages: 50 })
  let items = 0
  for await (const message of first.allItems()) {
    // @ts-expect-error an item is a message view, not a number (were it \`any\`, this would be unused)
    const wrong: number = message
    if (message.$type !== undefined && wrong !== 0) items++
  }

  // Standalone style: a Result, narrowed on the declared error class; withDefaults gives the Core
  // the Client's retries and per-attempt timeout, which the call's \`timeout\` option adjusts.
  const core = new Core(withDefaults({ service: config.service, auth: config.token }))
  const options: CallOptions = { timeout: 5_000 }
  const missing = await chatBskyConvoGetConvo(core, { convoId: 'no-such-convo' }, options)
  const declared = !missing.ok && missing.error instanceof ChatBskyConvoGetConvo.InvalidConvoError

  console.log(JSON.stringify({ sent: sent.text, convos, items, ok: missing.ok, error: missing.ok ? undefined : missing.error.error, declared }))
}

main().catch((error: unknown) => {
  console.error(error)
  throw error
})
`
}
