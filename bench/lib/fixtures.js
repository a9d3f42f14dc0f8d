// Shared constants and response bodies: every client is called with the same token, proxy and
// parameters, and every server answer is byte-for-byte the same for all of them.
export const TOKEN = 'bench-access-token-0123456789abcdef'
export const PROXY = 'did:web:api.bsky.chat#bsky_chat'
export const CONVO_ID = '3kbenchconvo00'
export const DID = 'did:plc:benchviewer000000000000'
export const OTHER = 'did:plc:benchother0000000000000'
export const TOTAL_MESSAGES = 100_000
export const PAGE_SIZE = 100

const member = (did, handle) => ({ did, handle, displayName: handle.split('.')[0] })

/** A valid chat.bsky.convo.getConvo output (validating clients accept it). */
export function getConvoBody() {
  return JSON.stringify({
    convo: {
      id: CONVO_ID,
      rev: '3kbenchrev0000',
      members: [member(DID, 'viewer.bsky.social'), member(OTHER, 'other.bsky.social')],
      lastMessage: {
        $type: 'chat.bsky.convo.defs#messageView',
        id: '3kbenchmsg0000',
        rev: '3kbenchrev0000',
        text: 'see you tomorrow',
        sender: { did: OTHER },
        sentAt: '2026-01-01T00:00:00.000Z',
      },
      muted: false,
      status: 'accepted',
      unreadCount: 1,
    },
  })
}

/** One page of chat.bsky.convo.getMessages: messages `offset` .. `offset + PAGE_SIZE - 1`. */
export function getMessagesBody(offset) {
  const messages = []
  for (let i = offset; i < Math.min(offset + PAGE_SIZE, TOTAL_MESSAGES); i++) {
    messages.push({
      $type: 'chat.bsky.convo.defs#messageView',
      id: `m${i}`,
      rev: `r${i}`,
      text: `message number ${i} in a long conversation, with a bit of text to make it realistic`,
      sender: { did: i % 2 ? OTHER : DID },
      sentAt: '2026-01-01T00:00:00.000Z',
    })
  }
  const next = offset + PAGE_SIZE
  return JSON.stringify(next < TOTAL_MESSAGES ? { cursor: String(next), messages } : { messages })
}
