/**
 * The memory half of the load test, in a process of its own so the heap holds nothing but the
 * client: run with `node --expose-gc --conditions=lexgen-source --import tsx`, args
 * `<service> <rounds> <concurrency>`. Warms up, takes a baseline after full GCs, runs the rounds
 * of concurrent calls through one Core, collects again and prints the figures as one JSON line.
 */
import { Core, withDefaults } from '@lexgen/runtime'
import { chatBskyConvoGetConvo, chatBskyConvoSendMessage } from '../../../generated/index.js'

const [service, roundsArg, concurrencyArg] = process.argv.slice(2)
const rounds = Number(roundsArg)
const concurrency = Number(concurrencyArg)
const gc = (globalThis as { gc?: () => void }).gc
if (!service || !gc) throw new Error('usage: node --expose-gc … load-child.ts <service> <rounds> <concurrency>')

const core = new Core(withDefaults({ service, auth: 'load-token', retries: false, timeout: 30_000 }))
let ok = 0
let failed = 0
const failures = new Map<string, number>()

async function round(tag: string): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: concurrency }, (_, i) =>
      i % 2 === 0
        ? chatBskyConvoGetConvo(core, { convoId: `c${i}` })
        : chatBskyConvoSendMessage(core, { convoId: 'c1', message: { text: `${tag}-${i}` } }),
    ),
  )
  for (const result of results) {
    if (result.ok) ok++
    else {
      failed++
      failures.set(result.error.message, (failures.get(result.error.message) ?? 0) + 1)
    }
  }
}

const settle = async () => {
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const heap = () => process.memoryUsage()
await round('warmup')
await settle()
const baseline = heap()
const started = performance.now()
let peakHeap = 0
for (let r = 0; r < rounds; r++) {
  await round(`r${r}`)
  peakHeap = Math.max(peakHeap, heap().heapUsed)
}
const elapsed = performance.now() - started
await settle()
const after = heap()
console.log(
  JSON.stringify({
    calls: rounds * concurrency,
    ok: ok - concurrency,
    failed,
    failures: Object.fromEntries(failures),
    ms: Math.round(elapsed),
    baselineHeap: baseline.heapUsed,
    afterHeap: after.heapUsed,
    peakHeap,
    heapDelta: after.heapUsed - baseline.heapUsed,
    arrayBuffersDelta: after.arrayBuffers - baseline.arrayBuffers,
  }),
)
process.exit(0)
