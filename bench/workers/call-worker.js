// A long-lived process holding one client (argv: kind, service URL). The parent sends
// { mode: 'seq' | 'conc', n, inflight } and gets back { ms, ok }: `ok` counts calls whose output
// was right. Only one worker runs at a time, so workers never compete for the CPU.
import { loaders } from './clients.js'

const [kind, service] = process.argv.slice(2)
const call = await loaders[kind](service)

async function run({ mode, n, inflight }) {
  let ok = 0
  const started = performance.now()
  if (mode === 'seq') {
    for (let i = 0; i < n; i++) if (await call()) ok++
  } else {
    let next = 0
    const lane = async () => {
      while (next < n) {
        next++
        if (await call()) ok++
      }
    }
    await Promise.all(Array.from({ length: Math.min(inflight, n) }, lane))
  }
  return { ms: performance.now() - started, ok }
}

process.on('message', async (message) => {
  try {
    process.send(await run(message))
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) })
  }
})
process.on('disconnect', () => process.exit(0))
process.send({ ready: true })
