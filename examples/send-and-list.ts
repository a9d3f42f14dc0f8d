/**
 * Sends a Bluesky Chat message and lists your conversations, showing both calling styles:
 * the namespaced client (throws) and a standalone function (returns a Result).
 *
 *   ATPROTO_SERVICE=https://your.pds.example ATPROTO_TOKEN=<accessJwt> \
 *     npx tsx --conditions=lexgen-source examples/send-and-list.ts did:plc:recipient "hello!"
 *
 * The token is an access JWT (e.g. `accessJwt` from com.atproto.server.createSession); calls
 * go to your PDS, which proxies `chat.*` methods to the Bluesky Chat service.
 */
import { Client } from '../generated/client.js'
import { ConvoLockedError, chatBskyConvoSendMessage } from '../generated/chat/bsky/convo/sendMessage.js'

const service = process.env.ATPROTO_SERVICE
const token = process.env.ATPROTO_TOKEN
const [recipient, text = 'Hello from lexgen!'] = process.argv.slice(2)
if (!service || !token || !recipient) {
  console.error('usage: ATPROTO_SERVICE=<pds url> ATPROTO_TOKEN=<access jwt> send-and-list.ts <recipient did> [text]')
  process.exit(2)
}

const client = new Client({ service, auth: token })

// Namespaced style: resolves to the output, throws a typed XrpcError on failure.
const { convo } = await client.chat.bsky.convo.getConvoForMembers({ members: [recipient] })

// Standalone style: never throws for HTTP, XRPC or network failures; branch on the Result.
const sent = await chatBskyConvoSendMessage(client.core, { convoId: convo.id, message: { text } })
if (!sent.ok) {
  const reason = sent.error instanceof ConvoLockedError ? 'the conversation is locked' : String(sent.error)
  console.error(`could not send: ${reason}`)
  process.exit(1)
}
console.log(`sent ${sent.value.id} to ${convo.id}`)

const { convos } = await client.chat.bsky.convo.listConvos({ limit: 10 })
for (const c of convos) {
  const members = c.members.map((m) => m.handle).join(', ')
  const last = c.lastMessage && 'text' in c.lastMessage ? c.lastMessage.text : '(no messages)'
  console.log(`${c.id}\t${members}\t${c.unreadCount} unread\t${last}`)
}
