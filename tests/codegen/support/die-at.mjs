// Runs the real CLI (dist/, without bin/lexgen.js and so without its Ctrl-C handling) killed at
// a chosen step of its write: KILL_AT and KILL_SIGNAL as kill-at.mjs reads them.
import './kill-at.mjs'

const { main } = await import(new URL('../../../codegen/dist/cli.js', import.meta.url))
process.exitCode = await main(process.argv.slice(2))
