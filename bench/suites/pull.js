// Row 7: `lexgen pull` of the chat.bsky.convo.* closure from the local @atproto/pds, against
// @atproto/lex's installer doing the same. The worker (bench/workers/pull.ts) runs in its own
// process with the e2e harness, since it needs the TypeScript harness (tsx).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { root, summarize } from '../lib/util.js'

export function pullBench({ quick }) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/workers/pull.ts'), ...(quick ? ['--quick'] : [])], {
    cwd: root,
    encoding: 'utf8',
    timeout: 600_000,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const { docs, authorities, repositories, times } = JSON.parse(out.trim().split('\n').at(-1))
  const perSecond = (ms) => summarize(ms.map((t) => (docs * 1000) / t))
  return { docs, authorities, repositories, ms: { ours: summarize(times.ours), lex: summarize(times.lex) }, docsPerSec: { ours: perSecond(times.ours), lex: perSecond(times.lex) } }
}
