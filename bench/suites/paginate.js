// Row 5: pagination at scale. 100,000 messages through getMessages (pages of 100, 1,000
// requests), each run in a fresh process; ours through `allItems()`, the others with the
// cursor loop their docs show. Same work: every message, in order, and the server served the
// same 1,000 requests and the same bytes to each.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { PAGE_SIZE, TOTAL_MESSAGES } from '../lib/fixtures.js'
import { delta } from '../lib/server.js'
import { root, summarize } from '../lib/util.js'

const KINDS = ['ours', 'ours-off', 'undici', 'atproto-api', 'atcute']
const worker = join(root, 'bench/workers/paginate.js')
const MB = 1024 * 1024

export async function pagination(server, { quick }) {
  // Five rounds, each client once per round in rotating order: the target is judged on the median of
  // the per-round ratios (as for the calls), since one run spreads ±20% on a shared machine.
  const runs = quick ? 1 : 5
  const m = { itemsPerSec: {}, growthMB: {}, baselineMB: {}, retainedMB: {} }
  for (const key of Object.keys(m)) for (const k of KINDS) m[key][k] = []
  const problems = []
  const bytes = {}
  const pages = Math.ceil(TOTAL_MESSAGES / PAGE_SIZE)
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < KINDS.length; i++) {
      const kind = KINDS[(i + run) % KINDS.length]
      const before = await server.stats()
      const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', worker, kind, server.url], { encoding: 'utf8', maxBuffer: 1 << 20 }))
      const served = delta(before, await server.stats())
      // 5 warm-up pages, then all of them.
      const measuredBytes = served.bytes
      if (out.count !== TOTAL_MESSAGES || !out.inOrder || served.getMessages !== pages + 5 || served.bad !== 0) {
        problems.push(`${kind}: ${out.count} messages (in order: ${out.inOrder}), server saw ${JSON.stringify(served)}`)
      }
      ;(bytes[measuredBytes] ??= []).push(kind)
      m.itemsPerSec[kind].push(out.count / (out.ms / 1000))
      m.growthMB[kind].push((Math.max(out.peak, out.maxRss) - out.baseline) / MB)
      m.baselineMB[kind].push(out.baseline / MB)
      m.retainedMB[kind].push(out.retained / MB)
    }
  }
  if (Object.keys(bytes).length !== 1) problems.push(`clients received different bytes: ${JSON.stringify(bytes)}`)
  if (problems.length) throw new Error(`pagination: clients did not do the same work:\n${problems.join('\n')}`)
  const result = { runs, kinds: KINDS, total: TOTAL_MESSAGES, pages, bytes: Number(Object.keys(bytes)[0]) }
  for (const key of Object.keys(m)) result[key] = Object.fromEntries(KINDS.map((k) => [k, summarize(m[key][k])]))
  // Ours' time over atcute's in each round (throughput is per run, one run per client and round).
  result.roundTimeRatioToAtcute = summarize(m.itemsPerSec.atcute.map((atcute, round) => atcute / m.itemsPerSec.ours[round]))
  return result
}
