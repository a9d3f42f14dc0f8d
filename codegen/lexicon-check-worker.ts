/**
 * The worker thread of check.ts: @atproto/lexicon's verdict on each doc it is given, in order.
 * The schemas (lazy elsewhere) are loaded first thing, before the docs come: lexicon-check-thread.ts
 * starts this thread early for that.
 */
import { parentPort } from 'node:worker_threads'
import type { CheckerReply, CheckerRequest } from './lexicon-check.js'
import { lexiconSchemas } from './lexicon-schemas.js'
import { parseDoc } from './parse.js'

lexiconSchemas()

const port = parentPort!
port.on('message', ({ docs }: CheckerRequest) => {
  const problems = docs.map((doc) => {
    const result = parseDoc(doc)
    return 'problems' in result ? result.problems : null
  })
  port.postMessage({ problems } satisfies CheckerReply)
})
