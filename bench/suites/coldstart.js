// Row 4: cold start. A fresh `node` process that imports a client and completes its first
// getConvo against the local server: wall time from spawn to the decoded output (Node's own
// start included), and the import alone. Runs interleave the clients, after one warm-up round
// that fills the file cache.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { delta } from '../lib/server.js'
import { node22, root, summarize } from '../lib/util.js'

/**
 * Each kind of run: a client of bench/workers/clients.js and the Node that runs it. Ours and
 * atcute run on Node 22 too: Node 22 loads built-ins differently (importing `node:http` as an ES
 * module loads undici there), and many users run it.
 */
const RUNS = {
  ours: ['ours', process.execPath],
  'ours-mts': ['ours-mts', process.execPath],
  'ours-direct': ['ours-direct', process.execPath],
  'atproto-api': ['atproto-api', process.execPath],
  atcute: ['atcute', process.execPath],
  'atproto-lex': ['atproto-lex', process.execPath],
  undici: ['undici', process.execPath],
  'ours@node22': ['ours', node22],
  'atcute@node22': ['atcute', node22],
}
const worker = join(root, 'bench/workers/cold.js')
const now = () => performance.timeOrigin + performance.now()

export async function coldStart(server, { quick }) {
  // Decided per run, not at import: on a fresh clone the bench installs Node 22 (bench/node22) after loading this module.
  const KINDS = Object.keys(RUNS).filter((kind) => existsSync(RUNS[kind][1]))
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
      const [client, node] = RUNS[kind]
      const out = JSON.parse(execFileSync(node, [worker, client, server.url], { encoding: 'utf8' }))
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
