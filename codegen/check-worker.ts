/**
 * The worker thread of check.ts: @atproto/lexicon's verdicts on the docs it is given (`workerData`:
 * every file loaded, in order). It answers with the id verdicts of every file first, then with the
 * full check of each batch of files the main thread asks for (by index), in the order asked.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { LoadedFile } from './load.js'
import { checkIds, parseDoc } from './parse.js'
import type { CheckerReply, CheckerRequest } from './check.js'

const files = (workerData as { files: LoadedFile[] }).files
const port = parentPort!
const reply = (message: CheckerReply) => port.postMessage(message)

const ids = checkIds(files)
reply({ ids })
port.on('message', ({ check }: CheckerRequest) => {
  reply({
    checked: check.map((i) => {
      const verdict = ids[i]!
      // The main thread asks only for docs it skimmed with these verdicts: each has an id.
      const result = parseDoc({ file: files[i]!.file, id: 'id' in verdict ? verdict.id : '', json: files[i]!.json as Record<string, unknown> })
      return 'problems' in result ? result.problems : null
    }),
  })
})
