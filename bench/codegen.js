#!/usr/bin/env node
// Codegen wall time: the whole `lexgen generate` process (Node start included) for the
// chat.bsky.convo closure (with and without its Markdown docs) and for the whole corpus, plus
// where the time goes inside.
// Usage: npm run bench:codegen [-- --runs N]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { codegenStage, root, summarize } from './lib/util.js'

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7
const bin = join(root, 'codegen/bin/lexgen.js')

function wallTime(include, withDocs) {
  const times = []
  for (let i = 0; i <= runs; i++) {
    const out = mkdtempSync(join(tmpdir(), 'lexgen-bench-'))
    const docs = withDocs ? ['--docs', join(out, 'docs')] : []
    const started = performance.now()
    execFileSync(process.execPath, [bin, 'generate', '--out', join(out, 'code'), ...docs, '--include', include], { cwd: root })
    const elapsed = performance.now() - started
    rmSync(out, { recursive: true, force: true })
    if (i > 0) times.push(elapsed) // the first run warms the file cache
  }
  return summarize(times)
}

async function stages(include) {
  const { loadLexiconFiles } = await codegenStage('load.ts')
  const { skimLexicons } = await codegenStage('parse.ts')
  const { selectDocs } = await codegenStage('select.ts')
  const { buildModel } = await codegenStage('model.ts')
  const { emit } = await codegenStage('emit.ts')
  const { emitDocs } = await codegenStage('emit/docs/index.ts')
  const imported = performance.now()
  const files = await loadLexiconFiles(join(root, 'lexicons'))
  const loaded = performance.now()
  const skimmed = skimLexicons(files)
  const validated = performance.now()
  const selected = selectDocs(skimmed, { include: [include], exclude: [] })
  const model = buildModel(selected.docs, { runtimeImport: '@lexgen/runtime', fileExt: '.ts' })
  const modelled = performance.now()
  emit(model)
  const emitted = performance.now()
  emitDocs(model, { clientImport: './generated/index.js', regenerate: 'npx lexgen generate' })
  const documented = performance.now()
  return {
    'read JSON': loaded - imported,
    'skim ids': validated - loaded,
    'select (validates the closure) + model': modelled - validated,
    emit: emitted - modelled,
    'emit docs (Markdown)': documented - emitted,
  }
}

const rows = []
for (const [label, include, withDocs] of [
  ['chat.bsky.convo closure (44 docs)', 'chat.bsky.convo.*', false],
  ['chat.bsky.convo closure, with its docs', 'chat.bsky.convo.*', true],
  ['whole corpus (402 docs)', '*', false],
]) {
  const t = wallTime(include, withDocs)
  rows.push(`| ${label} | ${t.median.toFixed(0)} ms | ${t.min.toFixed(0)}–${t.max.toFixed(0)} ms |`)
}
console.log(`lexgen generate, whole process, median of ${runs} runs after a warm-up\n`)
console.log('| selection | median | spread |\n| --- | --- | --- |\n' + rows.join('\n'))

const breakdown = await stages('*')
console.log('\nWhere the time goes (whole corpus, one in-process run after loading the stages):\n')
console.log('| stage | ms |\n| --- | --- |')
for (const [stage, ms] of Object.entries(breakdown)) console.log(`| ${stage} | ${ms.toFixed(1)} |`)
