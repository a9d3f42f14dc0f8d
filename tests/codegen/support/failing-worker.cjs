// Preloaded (`node --require`) by lexicon-check-thread.test.ts: every worker thread started in this process
// dies at once, as one that cannot start (or is killed) would.
const threads = require('node:worker_threads')
const { syncBuiltinESMExports } = require('node:module')

threads.Worker = class FailingWorker extends threads.Worker {
  constructor(_url, options) {
    super("throw new Error('this worker thread fails on purpose')", { ...options, eval: true })
  }
}
syncBuiltinESMExports()
