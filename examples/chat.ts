/**
 * A small Bluesky Chat client, written from the generated reference in docs/api only: it logs in,
 * lists your conversations page by page, and sends a message, telling you (rather than crashing)
 * when the conversation is locked.
 *
 *   ATPROTO_IDENTIFIER=alice.example.com ATPROTO_PASSWORD=... \
 *     npx tsx --conditions=lexgen-source examples/chat.ts <convoId> "Hello!"
 *
 * ATPROTO_SERVICE is your PDS (default https://bsky.social); ATPROTO_CHAT_PROXY picks another chat
 * service than Bluesky's. Exit codes: 0 sent, 1 the conversation is locked, 2 usage.
 */
import { ChatBskyConvoSendMessage, Client, CredentialSession } from '../generated/index.js'

const [convoId, text = 'Hello from lexgen!'] = process.argv.slice(2)
const identifier = process.env['ATPROTO_IDENTIFIER']
const password = process.env['ATPROTO_PASSWORD']
if (!convoId || !identifier || !password) {
  console.error('usage: ATPROTO_IDENTIFIER=<handle> ATPROTO_PASSWORD=<password> chat.ts <convoId> [text]')
  process.exit(2)
}

// Log in (README.md, "Sessions"): the account password, or an app password created with direct-message access.
const session = new CredentialSession({
  service: process.env['ATPROTO_SERVICE'] ?? 'https://bsky.social',
  proxy: process.env['ATPROTO_CHAT_PROXY'] ?? 'did:web:api.bsky.chat#bsky_chat',
})
const { handle } = await session.login({ identifier, password })
console.log(`logged in as ${handle}`)
const client = new Client(session.core)

try {
  // Page by page (chat.bsky.convo.md, "listConvos" › "Pagination"), at most 10 pages.
  const first = await client.chat.bsky.convo.listConvos({ limit: 10 }, { maxPages: 10 })
  let number = 0
  for await (const page of first) {
    number++
    console.log(`page ${number}: ${page.convos.length} conversations`)
    for (const convo of page.convos) {
      const members = convo.members.map((member) => member.handle).join(', ')
      console.log(`  ${convo.id}  ${members}  (${convo.unreadCount} unread)`)
    }
  }

  // Send, handling the declared error by its class (chat.bsky.convo.md, "sendMessage" › "Errors").
  try {
    const message = await client.chat.bsky.convo.sendMessage({ convoId, message: { text } })
    console.log(`sent ${message.id} to ${convoId}`)
  } catch (error) {
    if (!(error instanceof ChatBskyConvoSendMessage.ConvoLockedError)) throw error
    console.log(`not sent: conversation ${convoId} is locked (${error.message})`)
    process.exitCode = 1
  }
} finally {
  await session.logout()
}
