/**
 * A getConvo response whose last message nests `depth` record embeds, each spending two levels of
 * the validators' budget (the record view and the view record): 748 pass MAX_DEPTH (1,500), 749
 * do not. The chat lexicons recurse this way (a message embeds a record view, which embeds
 * records with embeds, …), which is how a hostile server could overflow the stack.
 */
const level =
  '{"$type":"app.bsky.embed.record#view","record":{"$type":"app.bsky.embed.record#viewRecord","uri":"at://did:plc:x/app.bsky.feed.post/1","cid":"bafyreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe","author":{"did":"did:plc:x","handle":"a.test"},"value":{},"indexedAt":"2024-01-01T00:00:00Z","embeds":['
const innermost = '{"$type":"app.bsky.embed.record#view","record":{"$type":"app.bsky.embed.record#viewNotFound","uri":"at://did:plc:x/app.bsky.feed.post/1","notFound":true}}'

export function deepConvoBody(depth: number): string {
  const message = `{"$type":"chat.bsky.convo.defs#messageView","id":"m","rev":"1","text":"x","sender":{"did":"did:plc:x"},"sentAt":"2024-01-01T00:00:00Z","embed":${level.repeat(depth)}${innermost}${']}}'.repeat(depth)}}`
  return `{"convo":{"id":"c","rev":"1","members":[],"muted":false,"unreadCount":0,"lastMessage":${message}}}`
}

/** The deepest `deepConvoBody` that passes validation. */
export const DEEPEST_PASSING = 748
