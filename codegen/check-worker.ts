/**
 * The worker thread of check.ts: @atproto/lexicon's verdicts on the docs it is given. The first
 * message holds every file loaded, in order: it answers with the id verdicts of every file; then
 * with the full check of each batch of files the main thread asks for (by index), in the order
 * asked. @atproto/lexicon's schemas (lazy elsewhere) are loaded first thing, before the files
 * come: check-thread.ts starts this thread early for that.
 */
import { parentPort } from 'node:worker_threads'
import type { LoadedFile } from './load.js'
import { checkIds, parseDoc, type IdVerdict } from './parse.js'
import type { CheckerReply, CheckerRequest } from './check.js'
import { lexiconSchemas } from './lexicon-schemas.js'

lexiconSchemas()

const port = parentPort!
const reply = (message: CheckerReply) => port.postMessage(message)
let files: readonly LoadedFile[] = []
let ids: IdVerdict[] = []

port.on('message', (request: CheckerRequest) => {
  if ('files' in request) {
    files = request.files
    ids = checkIds(files)
    return reply({ ids })
  }
  reply({
    checked: request.check.map((i) => {
      const verdict = ids[i]!
      // The main thread asks only for docs it skimmed with these verdicts: each has an id.
      const result = parseDoc({ file: files[i]!.file, id: 'id' in verdict ? verdict.id : '', json: files[i]!.json as Record<string, unknown> })
      return 'problems' in result ? result.problems : null
    }),
  })
})
