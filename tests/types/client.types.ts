/**
 * Type-level tests: `tsc` fails if an `@ts-expect-error` below stops being an error,
 * or if any positive assertion stops holding. Run by tests/types/types.test.ts.
 */
import { expectTypeOf } from 'vitest'
import { Client, Core, CredentialSession, type SessionConfig, chatBskyConvoGetConvo, chatBskyConvoSendMessage, ChatBskyConvoDefs, ChatBskyConvoGetMessages, ChatBskyConvoSendMessage } from '../../generated/index.js'

declare const client: Client
declare const core: Core

// A missing required param is a compile error, in both calling styles.
// @ts-expect-error convoId is required
void client.chat.bsky.convo.getConvo({})
// @ts-expect-error convoId is required
void chatBskyConvoGetConvo(core, {})
// @ts-expect-error params are required for getConvo
void client.chat.bsky.convo.getConvo()
// @ts-expect-error a param of the wrong type
void client.chat.bsky.convo.getConvo({ convoId: 42 })
// @ts-expect-error the message body is required
void chatBskyConvoSendMessage(core, { convoId: 'c1' })
// Optional params may be left out entirely.
void client.chat.bsky.convo.listConvos()

// A known member of an open union, written in a call, is checked field by field: the catch-all for
// members of newer lexicons takes no misspelt or missing field.
const quoted = { uri: 'at://did:plc:a/app.bsky.feed.post/1', cid: 'bafy' }
void client.chat.bsky.convo.sendMessage({ convoId: 'c1', message: { text: 'x', embed: { $type: 'app.bsky.embed.record', record: quoted } } })
// @ts-expect-error a misspelt field of a known member
void client.chat.bsky.convo.sendMessage({ convoId: 'c1', message: { text: 'x', embed: { $type: 'app.bsky.embed.record', recrod: quoted } } })
// @ts-expect-error a known member without a required field
void chatBskyConvoSendMessage(core, { convoId: 'c1', message: { text: 'x', embed: { $type: 'app.bsky.embed.record', record: { uri: quoted.uri } } } })
// @ts-expect-error a facet feature with a misspelt field
void client.chat.bsky.convo.sendMessage({ convoId: 'c1', message: { text: 'x', facets: [{ index: { byteStart: 0, byteEnd: 1 }, features: [{ $type: 'app.bsky.richtext.facet#link', url: 'https://x' }] }] } })
// A member of a newer lexicon still goes, as a value of its own.
const fromTheFuture = { $type: 'app.bsky.embed.poll', question: 'tea?' }
void client.chat.bsky.convo.sendMessage({ convoId: 'c1', message: { text: 'x', embed: fromTheFuture } })

// An unknown NSID method does not exist on the client.
// @ts-expect-error no such method
void client.chat.bsky.convo.deleteConvo({ convoId: 'c1' })
// @ts-expect-error no such namespace was generated
void client.app.bsky.feed.getTimeline()

// A knownValues field accepts the known literals and any other string.
const status: ChatBskyConvoDefs.ConvoStatus = 'a-status-from-the-future'
expectTypeOf<'request'>().toExtend<ChatBskyConvoDefs.ConvoStatus>()
expectTypeOf(status).toBeString()

// Open union members narrow with their generated guards (which check `$type`).
declare const page: ChatBskyConvoGetMessages.Output
for (const message of page.messages) {
  if (ChatBskyConvoDefs.isMessageView(message)) {
    expectTypeOf(message.text).toBeString()
    expectTypeOf(message.$type).toEqualTypeOf<'chat.bsky.convo.defs#messageView'>()
  } else if (ChatBskyConvoDefs.isDeletedMessageView(message)) {
    expectTypeOf(message.sender.did).toBeString()
    // @ts-expect-error a deleted message has no text
    void message.text
  }
}

// Optional vs required exactly as the lexicon says.
expectTypeOf<ChatBskyConvoDefs.MessageView['text']>().toBeString()
expectTypeOf<ChatBskyConvoDefs.MessageView['reactions']>().toEqualTypeOf<ChatBskyConvoDefs.ReactionView[] | undefined>()

// Results carry the method's declared errors; the namespaced client returns the output.
declare const sent: Awaited<ReturnType<typeof chatBskyConvoSendMessage>>
if (!sent.ok) {
  expectTypeOf(sent.error).toExtend<ChatBskyConvoSendMessage.Errors>()
  if (sent.error instanceof ChatBskyConvoSendMessage.ConvoLockedError) expectTypeOf(sent.error.error).toEqualTypeOf<'ConvoLocked'>()
} else {
  expectTypeOf(sent.value).toEqualTypeOf<ChatBskyConvoDefs.MessageView>()
}
expectTypeOf(client.chat.bsky.convo.sendMessage).returns.resolves.toEqualTypeOf<ChatBskyConvoDefs.MessageView>()

// A session factory is typed from the index, as the session is.
const sessionFor = (config: SessionConfig) => new CredentialSession(config)
expectTypeOf(sessionFor).parameter(0).toEqualTypeOf<ConstructorParameters<typeof CredentialSession>[0]>()

// A page's helpers are not its own enumerable properties: a spread copy has none, and its type says so.
declare const convos: Awaited<ReturnType<Client['chat']['bsky']['convo']['listConvos']>>
expectTypeOf(convos.hasNextPage).toBeFunction()
const copied = { ...convos }
// @ts-expect-error a spread copy of a page has no helpers
void copied.nextPage()
expectTypeOf(copied.convos).toEqualTypeOf(convos.convos)
for await (const page of convos) expectTypeOf(page.convos).toEqualTypeOf(convos.convos)
