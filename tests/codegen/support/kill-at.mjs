// Preloaded (`node --import kill-at.mjs bin/lexgen.js …`) or imported by die-at.mjs: kills this
// process when it is about to make its Nth call of one file-system operation, or its Nth write to
// stdout (`output`: a report, written in a run's last synchronous stretch):
// KILL_AT=<rename|write|mkdir|rm|output>:<N> (`write` counts a file linked into place, as generate
// links a file whose text did not change, as one written), with SIGKILL (what a crash, an OOM kill or a power cut
// does) or KILL_SIGNAL (e.g. SIGINT, Ctrl-C; SIGSTOP holds it there, saying `kill-at: stopped` on
// stderr first, until the test sends SIGCONT). Calls are counted whichever fs
// API makes them, sync or promise, so the kill points are exact steps of the write, not moments.
// (A promise API returns at once: `inside` covers only its synchronous start.)
import fs from 'node:fs'
import fsPromises from 'node:fs/promises'
import { syncBuiltinESMExports } from 'node:module'

const [operation, nth] = (process.env.KILL_AT ?? '').split(':')
const signal = process.env.KILL_SIGNAL ?? 'SIGKILL'
const apis = { rename: ['rename'], write: ['writeFile', 'link'], mkdir: ['mkdir'], rm: ['rm', 'rmdir', 'unlink'], output: [] }[operation]
if (!apis || !(Number(nth) >= 1)) throw new Error(`KILL_AT must be <rename|write|mkdir|rm|output>:<N>, got ${JSON.stringify(process.env.KILL_AT)}`)

let calls = 0
// A call that a counted call makes itself is not a step: Node 20's rmSync unlinks through
// fs.unlinkSync, Node 24's does not, and the steps must be the same on every Node.
let inside = false
const counted = (original) =>
  function (...args) {
    if (inside) return original.apply(this, args)
    if (++calls === Number(nth)) {
      if (signal === 'SIGSTOP') fs.writeSync(2, 'kill-at: stopped\n')
      process.kill(process.pid, signal)
    }
    inside = true
    try {
      return original.apply(this, args)
    } finally {
      inside = false
    }
  }
for (const api of apis) {
  fs[`${api}Sync`] = counted(fs[`${api}Sync`])
  fsPromises[api] = counted(fsPromises[api])
}
syncBuiltinESMExports()
if (operation === 'output') {
  const write = process.stdout.write
  let writes = 0
  process.stdout.write = function (...args) {
    if (++writes === Number(nth)) process.kill(process.pid, signal)
    return write.apply(this, args)
  }
}
