#!/usr/bin/env node
import os from 'node:os'
// `generate` and `check` start the lexicon checker's thread before the CLI loads, so that its
// isolate loads @atproto/lexicon meanwhile (codegen/lexicon-check-thread.ts). `--watch` checks in its own thread.
const [command] = process.argv.slice(2)
const watching = process.argv.includes('--watch')
// A reader that stops early (`lexgen diff | head`) closes the pipe: the rest of the output is
// dropped and the command still ends with its own exit code, instead of crashing on EPIPE; a watch
// stops, as Ctrl-C stops it, since no one reads what it says any more. Output that cannot be
// written at all (`> /dev/full`, a full disk) fails the run, said on stderr while that works.
let unwritten
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') {
      if (watching) process.emit('SIGTERM', 'SIGTERM')
      return
    }
    unwritten ??= error
    if (stream === process.stdout) process.stderr.write(`lexgen: error: cannot write the output: ${error.message}\n`)
  })
}
if ((command === 'generate' || command === 'check') && !watching) {
  const { startCheckerThread } = await import('../dist/lexicon-check-thread.js')
  startCheckerThread()
}
const { interrupted, main, STOP_SIGNALS, stopSignalsHandled } = await import('../dist/cli.js')
// Ctrl-C, a cancelled CI job (SIGTERM), a closed terminal (SIGHUP): leave nothing half-written
// behind, and exit as the signal would have (128 + its number). --watch stops by itself, between runs.
let finished = false
if (!watching) {
  for (const signal of STOP_SIGNALS) {
    process.once(signal, () => {
      interrupted(signal, undefined, finished)
      process.exit(128 + os.constants.signals[signal])
    })
  }
}

const code = await main(process.argv.slice(2))
finished = true
// Node reads a signal in the event loop's poll phase: one that came in the run's last synchronous
// stretch (diff's compiler check, check's comparison, the report) is read here, or the process
// would end with the run's own code, as if no one had cancelled it.
await stopSignalsHandled()
process.exitCode = unwritten && code === 0 ? 1 : code
