/**
 * The memory half of the paging test, in a process of its own so the heap holds nothing but the
 * client: run with `node --expose-gc --conditions=lexgen-source --import tsx`, args
 * `<service> <pages>`. Pages through listConvos with `for await`, and every 10 pages collects
 * fully and records the heap and the RSS while the current page is still held; prints the
 * baselines (after the first page) and the peaks as one JSON line. Also what docs/RELIABILITY.md
 * runs against an older runtime to compare.
 */
import { Core, withDefaults } from '@lexgen/runtime'
import { chatBskyConvoListConvos } from '../../../generated/index.js'

const [service, pagesArg] = process.argv.slice(2)
const pages = Number(pagesArg)
const gc = (globalThis as { gc?: () => void }).gc
if (!service || !gc) throw new Error('usage: node --expose-gc … paging-child.ts <service> <pages>')

const core = new Core(withDefaults({ service, retries: false, timeout: 60_000 }))
const first = await chatBskyConvoListConvos(core, { limit: 1 }, { maxPages: pages })
if (!first.ok) throw first.error
let read = 0
let baseline = 0
let peak = 0
let baselineRss = 0
let peakRss = 0
for await (const page of first.value) {
  read++
  if (read === 1 || read % 10 === 0) {
    gc()
    const { heapUsed, rss } = process.memoryUsage()
    if (read === 1) [baseline, baselineRss] = [heapUsed, rss]
    peak = Math.max(peak, heapUsed)
    peakRss = Math.max(peakRss, rss)
    if (page.convos.length !== 1) throw new Error(`page ${read} had ${page.convos.length} convos`)
  }
}
console.log(JSON.stringify({ pages: read, baselineHeap: baseline, peakHeap: peak, growth: peak - baseline, rssGrowth: peakRss - baselineRss }))
