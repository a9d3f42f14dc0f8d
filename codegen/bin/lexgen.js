#!/usr/bin/env node
import os from 'node:os'
// `generate` and `check` start the lexicon checker's thread before the CLI loads, so that its
// isolate loads @atproto/lexicon meanwhile (codegen/check-thread.ts). `--watch` checks in its own thread.
const [command] = process.argv.slice(2)
// A reader that stops early (`lexgen diff | head`) closes the pipe: the rest of the output is
// dropped and the command still ends with its own exit code, instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error
  })
}
if ((command === 'generate' || command === 'check') && !process.argv.includes('--watch')) {
  const { startCheckerThread } = await import('../dist/check-thread.js')
  startCheckerThread()
}
const { interrupted, main, STOP_SIGNALS } = await import('../dist/cli.js')
// Ctrl-C, a cancelled CI job (SIGTERM), a closed terminal (SIGHUP): leave nothing half-written
// behind, and exit as the signal would have (128 + its number). --watch stops by itself, between runs.
if (!process.argv.includes('--watch')) {
  for (const signal of STOP_SIGNALS) {
    process.once(signal, () => {
      interrupted(signal)
      process.exit(128 + os.constants.signals[signal])
    })
  }
}

process.exitCode = await main(process.argv.slice(2))
