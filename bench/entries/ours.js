// One getConvo with the chat proxy (the default for chat.*), as a browser app would write it.
import { Core, chatBskyConvoGetConvo } from '../../generated/index.js'

const core = new Core({ service: __SERVICE__, auth: __TOKEN__ })
const result = await chatBskyConvoGetConvo(core, { convoId: __CONVO__ })
console.log(result.ok ? result.value.convo.id : result.error.message)
