// Row 4: cold start. A fresh `node` process that imports a client and completes its first
// getConvo against the local server: wall time from spawn to the decoded output (Node's own
// start included), and the import alone. Runs interleave the clients, after one warm-up round
// that fills the file cache.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { delta } from '../lib/server.js'
import { root, summarize } from '../lib/util.js'

const KINDS = ['ours', 'ours-mts', 'atproto-api', 'atcute', 'atproto-lex', 'undici']
const worker = join(root, 'bench/workers/cold.js')
const now = () => performance.timeOrigin + performance.now()

export async function coldStart(server, { quick }) {
  const runs = quick ? 4 : 15
  const m = { wall: {}, toImported: {}, importMs: {}, callMs: {} }
  for (const key of Object.keys(m)) for (const k of KINDS) m[key][k] = []
  const nodeOnly = []
  const problems = []
  for (let run = -1; run < runs; run++) {
    const t = performance.now()
    execFileSync(process.execPath, ['-e', '0']) // bare Node start, for reference
    if (run >= 0) nodeOnly.push(performance.now() - t)
    for (let i = 0; i < KINDS.length; i++) {
      const kind = KINDS[(i + run + 1) % KINDS.length]
      const before = await server.stats()
      const spawned = now()
      const out = JSON.parse(execFileSync(process.execPath, [worker, kind, server.url], { encoding: 'utf8' }))
      const served = delta(before, await server.stats())
      if (!out.ok || served.getConvo !== 1 || served.bad !== 0 || served.bytes !== server.convoBytes) {
        problems.push(`${kind}: ok=${out.ok}, server saw ${JSON.stringify(served)}`)
      }
      if (run < 0) continue
      m.wall[kind].push(out.doneAt - spawned)
      m.toImported[kind].push(out.importedAt - spawned)
      m.importMs[kind].push(out.importMs)
      m.callMs[kind].push(out.callMs)
    }
  }
  if (problems.length) throw new Error(`cold start: clients did not do the same work:\n${problems.join('\n')}`)
  const result = { runs, kinds: KINDS, node: summarize(nodeOnly) }
  for (const key of Object.keys(m)) result[key] = Object.fromEntries(KINDS.map((k) => [k, summarize(m[key][k])]))
  return result
}
