// Row 2: call overhead. N sequential and N concurrent getConvo calls over keep-alive loopback.
// Each client lives in its own process (forked once, warmed up), the server in another; rounds
// interleave the clients so background load hits them alike. Before any time is compared, the
// server must have served exactly N well-formed getConvo requests with the same bytes, and the
// client must have decoded N correct outputs.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { delta } from '../lib/server.js'
import { root, summarize } from '../lib/util.js'
import { labels } from '../workers/clients.js'

const KINDS = ['ours', 'ours-bare', 'ours-validated', 'undici', 'atproto-api', 'atproto-lex', 'atcute']

async function startWorker(kind, service) {
  const child = fork(join(root, 'bench/workers/call-worker.js'), [kind, service], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [first] = await Promise.race([once(child, 'message'), once(child, 'exit').then(() => [{ error: `${kind} worker exited` }])])
  if (first.error) throw new Error(first.error)
  let pending
  child.on('message', (m) => pending?.(m))
  const run = (job) =>
    new Promise((resolve, reject) => {
      pending = (m) => (m.error ? reject(new Error(`${kind}: ${m.error}`)) : resolve(m))
      child.send(job)
    })
  return { kind, run, close: () => child.kill() }
}

export async function callOverhead(server, { quick }) {
  const n = quick ? 500 : 2000
  // With 32 in flight, 2000 calls took ~75 ms: a scheduling hiccup on the shared machine moved a
  // round's ratio by ±20% (spread 0.77–1.22). Five times the calls makes each timing long enough
  // that the ratio measures the client.
  const concN = quick ? 500 : 10_000
  const inflight = 32
  const rounds = quick ? 3 : 6
  const warmupRounds = 1
  const workers = []
  for (const kind of KINDS) workers.push(await startWorker(kind, server.url))
  const times = { seq: {}, conc: {} }
  for (const kind of KINDS) times.seq[kind] = []
  for (const kind of KINDS) times.conc[kind] = []
  const problems = []
  try {
    for (const w of workers) await w.run({ mode: 'seq', n: 300 }) // JIT and connection warm-up
    for (let round = 0; round < warmupRounds + rounds; round++) {
      for (const mode of ['seq', 'conc']) {
        // Rotate the order each round so no client always runs first or last.
        const order = workers.map((_, i) => workers[(i + round) % workers.length])
        for (const w of order) {
          const before = await server.stats()
          const calls = mode === 'seq' ? n : concN
          const { ms, ok } = await w.run({ mode, n: calls, inflight })
          const served = delta(before, await server.stats())
          if (ok !== calls || served.getConvo !== calls || served.bad !== 0 || served.other !== 0 || served.bytes !== calls * server.convoBytes) {
            problems.push(`${w.kind} ${mode}: ${ok}/${calls} correct outputs, server saw ${JSON.stringify(served)}`)
          }
          if (round >= warmupRounds) times[mode][w.kind].push(ms)
        }
      }
    }
  } finally {
    for (const w of workers) w.close()
  }
  if (problems.length) throw new Error(`call overhead: clients did not do the same work:\n${problems.join('\n')}`)
  const result = { n, concN, inflight, rounds, kinds: KINDS, labels, seq: {}, conc: {} }
  for (const mode of ['seq', 'conc']) {
    for (const kind of KINDS) result[mode][kind] = summarize(times[mode][kind])
    // Ratio per round (same round, back to back) is less noisy than a ratio of medians.
    result[mode].ratioToUndici = {}
    for (const kind of KINDS) {
      const ratios = times[mode][kind].map((t, i) => t / times[mode].undici[i])
      result[mode].ratioToUndici[kind] = summarize(ratios)
    }
  }
  return result
}
