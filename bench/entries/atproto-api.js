import { Agent } from '@atproto/api'

const agent = new Agent({ service: __SERVICE__, headers: { authorization: `Bearer ${__TOKEN__}` } }).withProxy('bsky_chat', 'did:web:api.bsky.chat')
const { data } = await agent.chat.bsky.convo.getConvo({ convoId: __CONVO__ })
console.log(data.convo.id)
