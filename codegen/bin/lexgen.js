#!/usr/bin/env node
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
const { interrupted, main } = await import('../dist/cli.js')
// Ctrl-C: leave nothing half-written behind (--watch stops by itself, between runs).
if (!process.argv.includes('--watch')) {
  process.once('SIGINT', () => {
    interrupted()
    process.exit(130)
  })
}

process.exitCode = await main(process.argv.slice(2))
