// Runs the real CLI (dist/) and kills this process with SIGKILL when it is about to make its
// Nth rename (KILL_AT_RENAME): what a crash, an OOM kill or a power cut does halfway through a swap.
// Renames are counted whichever fs API makes them (the swap renames synchronously, back to back).
import fs from 'node:fs'
import fsPromises from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'

const killAt = Number(process.env.KILL_AT_RENAME)
let calls = 0
const counted = (rename) =>
  function (...args) {
    if (++calls === killAt) process.kill(process.pid, 'SIGKILL')
    return rename.apply(this, args)
  }
fs.renameSync = counted(fs.renameSync)
fsPromises.rename = counted(fsPromises.rename)
syncBuiltinESMExports()

const { main } = await import(new URL('../../../codegen/dist/cli.js', import.meta.url))
process.exitCode = await main(process.argv.slice(2))
