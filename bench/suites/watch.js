// Row 9: `lexgen generate --watch` latency. The real binary watches a copy of the repository's
// lexicons and config; each round saves chat/bsky/convo/defs.json the way editors do (temp
// file renamed over it) and times from the rename to the summary line, which the watcher prints
// once the output is written. A round waits for that round's report before the next save.
import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { root, summarize } from '../lib/util.js'

export async function watchBench({ quick }) {
  const rounds = quick ? 7 : 21
  const dir = mkdtempSync(join(tmpdir(), 'lexgen-bench-watch-'))
  cpSync(join(root, 'lexicons'), join(dir, 'lexicons'), { recursive: true })
  cpSync(join(root, 'lexgen.config.json'), join(dir, 'lexgen.config.json'))
  const child = spawn(process.execPath, [join(root, 'codegen/bin/lexgen.js'), 'generate', '--watch'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] })
  const waiting = []
  const seen = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    const at = performance.now()
    seen.push(line)
    for (const w of waiting.splice(0)) if (!w.pattern.test(line)) waiting.push(w); else w.resolve({ line, at })
  })
  // A line that never comes is a broken bench, not a slow watcher: fail loudly, with what came instead.
  const next = (pattern) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watch bench: no line matching ${pattern} within 60 s; last lines:\n${seen.slice(-5).join('\n')}`)), 60_000)
      waiting.push({ pattern, resolve: (value) => (clearTimeout(timer), resolve(value)) })
    })
  try {
    await next(/^lexgen: read \d+ docs/)
    const file = join(dir, 'lexicons/chat/bsky/convo/defs.json')
    const original = JSON.parse(readFileSync(file, 'utf8'))
    const latency = []
    const generateMs = []
    for (let round = 0; round < rounds + 1; round++) {
      const doc = structuredClone(original)
      doc.defs.messageRef.description = `Edited in round ${round}.`
      writeFileSync(`${file}.swp`, JSON.stringify(doc, null, 2))
      // The module and its reference page change: the code and the docs are both written.
      const summary = next(/^lexgen: read \d+ docs, selected \d+, wrote \d+ files to generated( and \d+ docs to \S+)? \(\d+ changed\) in (\d+) ms$/)
      const report = next(/^lexgen: lexicon changes: 0 breaking, 0 source, 0 compatible, 1 docs$/)
      const saved = performance.now()
      renameSync(`${file}.swp`, file)
      const { line, at } = await summary
      await report
      if (round === 0) continue // warm-up
      latency.push(at - saved)
      generateMs.push(Number(/in (\d+) ms$/.exec(line)[1]))
    }
    return { rounds, latency: summarize(latency), generateMs: summarize(generateMs) }
  } finally {
    child.kill('SIGINT')
    await new Promise((resolve) => child.once('exit', resolve))
    rmSync(dir, { recursive: true, force: true })
  }
}
