// Runs the real CLI (dist/) and kills this process with SIGKILL when it is about to make its
// Nth rename (KILL_AT_RENAME): what a crash, an OOM kill or a power cut does halfway through a swap.
import fs from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'

const killAt = Number(process.env.KILL_AT_RENAME)
const rename = fs.rename
let calls = 0
fs.rename = async (...args) => {
  if (++calls === killAt) process.kill(process.pid, 'SIGKILL')
  return rename(...args)
}
syncBuiltinESMExports()

const { main } = await import(new URL('../../../codegen/dist/cli.js', import.meta.url))
process.exitCode = await main(process.argv.slice(2))
