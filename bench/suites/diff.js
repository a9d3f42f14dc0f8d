// Row 7: `lexgen diff`, whole process (Node start included), on the real lexicon history:
//   a. the whole corpus: 2026-04-22 snapshot (349 docs) → lexicons/ (402), --include '*', rules only;
//   b. the repo's configured selection (lexgen.config.json), rules plus the TypeScript compiler check.
// No peer runs the same classification (goat's `lex breaking` is Go and compares docs one by one,
// without selection, refs or a compiler), so these rows carry absolute times and a target.
// Same work: every run must print the same JSON report (byte for byte), with the expected shape.
// Each run's CPU time is recorded too: on a shared 2-core machine wall time includes waiting for a core.
// A separate in-process pass splits (b) into its stages, to say what dominates.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { root, summarize } from '../lib/util.js'

const lexgen = join(root, 'codegen/bin/lexgen.js')
const stagesWorker = join(root, 'bench/workers/diff-stages.js')
const cpuWorker = join(root, 'bench/workers/cpu.js')

/** `../shared/lexicon-history` beside the clone, as CI has it; LEXICON_HISTORY names another place. */
function lexiconHistory() {
  const dir = process.env.LEXICON_HISTORY ?? resolve(root, '../shared/lexicon-history')
  if (!existsSync(join(dir, 'README.md'))) throw new Error(`lexicon history not found in ${dir} (set LEXICON_HISTORY)`)
  return dir
}

/** One `lexgen diff` process: wall time, CPU time (bench/workers/cpu.js) and the report it printed. */
function run(args) {
  const started = performance.now()
  const child = spawnSync(process.execPath, [cpuWorker, lexgen, 'diff', ...args, '--format', 'json', '--fail-on', 'none'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })
  const ms = performance.now() - started
  const cpu = /cpu-ms ([\d.]+)\n$/.exec(child.stderr)
  if (child.status !== 0 || !cpu) throw new Error(`lexgen diff ${args.join(' ')} failed: ${child.stderr || child.error}`)
  return { ms, cpuMs: Number(cpu[1]), stdout: child.stdout }
}

export async function diffBench({ quick }) {
  const from = join(lexiconHistory(), '2026-04-22')
  const sets = {
    corpus: { label: 'whole corpus, 2026-04-22 → lexicons/ (349 → 402 docs), rules only', args: ['--from', from, '--to', join(root, 'lexicons'), '--include', '*', '--no-compiler-check'] },
    selection: { label: 'configured selection, 2026-04-22 → lexicons/, rules + compiler check', args: ['--from', from, '--to', join(root, 'lexicons')] },
  }
  const [warm, measured] = quick ? [1, 3] : [1, 9]
  const result = { sets: {} }
  for (const [name, set] of Object.entries(sets)) {
    const times = []
    const cpu = []
    let first
    for (let i = 0; i < warm + measured; i++) {
      const { ms, cpuMs, stdout } = run(set.args)
      first ??= stdout
      if (stdout !== first) throw new Error(`lexgen diff (${name}): two runs printed different reports`)
      if (i >= warm) times.push(ms), cpu.push(cpuMs)
    }
    const report = JSON.parse(first)
    if (report.format !== 'lexgen-diff/1' || report.changes.length === 0) throw new Error(`lexgen diff (${name}): unexpected report`)
    if (name === 'selection' && !(report.compiler?.checks > 0)) throw new Error('lexgen diff (selection): the compiler check did not run')
    result.sets[name] = {
      label: set.label,
      times: summarize(times),
      cpu: summarize(cpu),
      docs: [report.before.docs, report.after.docs],
      summary: report.summary,
      checks: report.compiler?.checks,
    }
  }
  const stages = []
  for (let i = 0; i < (quick ? 2 : 5); i++) stages.push(JSON.parse(execFileSync(process.execPath, [stagesWorker, from], { cwd: root, encoding: 'utf8' })))
  result.stages = Object.fromEntries(Object.keys(stages[0]).map((key) => [key, summarize(stages.map((s) => s[key]))]))
  return result
}
