#!/usr/bin/env node
// `generate` and `check` start the lexicon checker's thread before the CLI loads, so that its
// isolate loads @atproto/lexicon meanwhile (codegen/check-thread.ts). `--watch` checks in its own thread.
const [command] = process.argv.slice(2)
if ((command === 'generate' || command === 'check') && !process.argv.includes('--watch')) {
  const { startCheckerThread } = await import('../dist/check-thread.js')
  startCheckerThread()
}
const { main } = await import('../dist/cli.js')

process.exitCode = await main(process.argv.slice(2))
