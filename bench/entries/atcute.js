import { Client, simpleFetchHandler } from '@atcute/client'

const client = new Client({ handler: simpleFetchHandler({ service: __SERVICE__ }), proxy: 'did:web:api.bsky.chat#bsky_chat' })
const response = await client.get('chat.bsky.convo.getConvo', { params: { convoId: __CONVO__ }, headers: { authorization: `Bearer ${__TOKEN__}` } })
console.log(response.ok ? response.data.convo.id : response.data.error)
