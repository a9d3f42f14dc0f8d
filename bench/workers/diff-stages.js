// Where the time of `lexgen diff` with the compiler check goes, in one fresh process:
// `node bench/workers/diff-stages.js <old lexicon dir>` compares it with lexicons/ for the repo's
// configured selection and prints the milliseconds of each stage as JSON.
import { join } from 'node:path'
import { codegenStage, root } from '../lib/util.js'

const t = () => performance.now()
const ms = {}
let at = t()
const lap = (name) => {
  const now = t()
  ms[name] = now - at
  at = now
}

// Loaded from their sources (tsx: dist/ is bundled), so this first lap includes transpiling them.
const { resolveOptions } = await codegenStage('config.ts')
const { compareLexicons, readLexiconDir } = await codegenStage('changes/index.ts')
const { buildModel } = await codegenStage('model.ts')
const { emit } = await codegenStage('emit.ts')
const { skimLexicons } = await codegenStage('parse.ts')
const { selectDocs } = await codegenStage('select.ts')
lap('import lexgen (its TypeScript sources, via tsx)')

const options = await resolveOptions({}, undefined, root)
const before = await readLexiconDir(process.argv[2], 'old')
const after = await readLexiconDir(options.lexicons, 'new')
lap('read both sets')

const old = selectDocs(skimLexicons(before), options).docs
const current = selectDocs(skimLexicons(after), options).docs
lap('select and validate both sets')

for (const docs of [old, current]) emit(buildModel(docs, { runtimeImport: '@lexgen/runtime', fileExt: '.ts' }))
lap('generate both clients in memory')

await import('ts-morph')
lap('import ts-morph (the TypeScript compiler)')

await compareLexicons({ label: 'old', docs: old }, { label: 'new', docs: current }, options)
lap('rules (compare, classify)')

const report = await compareLexicons({ label: 'old', docs: old }, { label: 'new', docs: current }, options, { compilerCheck: true })
if (!report.compiler?.checks) throw new Error('the compiler check did not run')
ms['compiler check (generate again, build the project, type-check)'] = t() - at - ms['rules (compare, classify)']
process.stdout.write(JSON.stringify(ms))
