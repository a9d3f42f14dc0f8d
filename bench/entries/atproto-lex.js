import { Client } from '@atproto/lex'
// `lex build` output for the same 44-doc closure (bench/.work/atproto-lex-src).
import * as getConvo from '../.work/atproto-lex-src/chat/bsky/convo/getConvo.js'

const client = new Client({ service: __SERVICE__, headers: { authorization: `Bearer ${__TOKEN__}` } }, { service: 'did:web:api.bsky.chat#bsky_chat' })
const output = await client.call(getConvo.main, { convoId: __CONVO__ })
console.log(output.convo.id)
