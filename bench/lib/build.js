// Prepares what the runtime benchmarks load, under bench/.work/ (git-ignored):
//   generated/    our committed client (generated/*.ts) compiled file by file to JS, the way a
//                 user's tsc would: `@lexgen/runtime` stays an import and resolves to dist/.
//   generated-mts/ the same client generated with `--file-ext .mts` (from generated-mts-src/),
//                 compiled to .mjs as tsc compiles .mts
//   closure/      the 44 lexicon docs of the chat.bsky.convo.* closure (input for the peers' codegen)
//   atproto-lex/  `lex build` output for that closure (atproto-lex-src/), compiled to JS the same way
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import * as esbuild from 'esbuild'
import { codegenStage, node22, root, work } from './util.js'

export const dirs = {
  generated: join(work, 'generated'),
  generatedMtsSrc: join(work, 'generated-mts-src'),
  generatedMts: join(work, 'generated-mts'),
  closure: join(work, 'closure'),
  atprotoLexSrc: join(work, 'atproto-lex-src'),
  atprotoLex: join(work, 'atproto-lex'),
}

function listFiles(dir, suffix) {
  const out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listFiles(path, suffix))
    else if (entry.name.endsWith(suffix)) out.push(path)
  }
  return out.sort()
}

/** Every `*.json` under `dir`, relative paths with `/`, sorted. */
export function listJson(dir) {
  return listFiles(dir, '.json').map((f) => relative(dir, f).split('\\').join('/'))
}

/**
 * Compiles every .ts (or .mts) under `from` to a .js (.mjs) under `to`, one file each (no
 * bundling), keeping each module's kind as tsc does.
 */
async function compileTree(from, to, ext = '.ts') {
  rmSync(to, { recursive: true, force: true })
  await esbuild.build({
    entryPoints: listFiles(from, ext).filter((f) => !f.endsWith(`.d${ext}`)),
    outdir: to,
    outbase: from,
    ...(ext === '.mts' ? { outExtension: { '.js': '.mjs' } } : {}),
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  })
}

/**
 * Installs bench/node22 (`npm ci`, under the shared npm lock when flock exists) if it is missing.
 * Returns undefined when Node 22 is there, or why it is not.
 */
export function ensureNode22() {
  if (existsSync(node22)) return undefined
  const dir = join(root, 'bench/node22')
  const npm = ['npm', 'ci', '--no-audit', '--no-fund']
  try {
    try {
      execFileSync('flock', ['/tmp/lexgen-npm.lock', ...npm], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
    } catch (error) {
      if (error.code !== 'ENOENT') throw error
      execFileSync(npm[0], npm.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
    }
  } catch (error) {
    return `could not install Node 22 (npm ci in bench/node22 failed: ${String(error.message).split('\n')[0]})`
  }
  return existsSync(node22) ? undefined : 'bench/node22 installed no Node 22 binary'
}

/** The NSIDs and files of the chat.bsky.convo.* closure, as our own selector computes it. */
export async function closureFiles() {
  const { loadLexiconFiles } = await codegenStage('load.ts')
  const { skimLexicons } = await codegenStage('parse.ts')
  const { selectDocs } = await codegenStage('select.ts')
  const lexicons = skimLexicons(await loadLexiconFiles(join(root, 'lexicons')))
  return selectDocs(lexicons, { include: ['chat.bsky.convo.*'], exclude: [] }).docs.map((d) => ({ nsid: d.doc.id, file: d.file }))
}

export async function prepare() {
  for (const file of ['runtime/dist/index.js', 'codegen/dist/cli.js']) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first`)
  }
  const runtimeDir = join(root, 'runtime')
  const built = statSync(join(runtimeDir, 'dist/index.js')).mtimeMs // dist/ is bundled: one build time
  const stale = listFiles(runtimeDir, '.ts').filter((f) => !f.startsWith(join(runtimeDir, 'dist')) && statSync(f).mtimeMs > built)
  if (stale.length) console.error(`warning: runtime/dist/ is older than ${stale.map((f) => relative(root, f)).join(', ')}; \`npm run build\` to measure the current runtime`)

  mkdirSync(work, { recursive: true })
  await compileTree(join(root, 'generated'), dirs.generated)
  // The committed client's config (lexgen.config.json) with `.mts` modules instead of `.ts`.
  execFileSync(process.execPath, [join(root, 'codegen/bin/lexgen.js'), 'generate', '--file-ext', '.mts', '--out', dirs.generatedMtsSrc], { cwd: root, stdio: 'ignore' })
  await compileTree(dirs.generatedMtsSrc, dirs.generatedMts, '.mts')

  const closure = await closureFiles()
  rmSync(dirs.closure, { recursive: true, force: true })
  for (const { file } of closure) {
    mkdirSync(dirname(join(dirs.closure, file)), { recursive: true })
    cpSync(join(root, 'lexicons', file), join(dirs.closure, file))
  }

  // The codegen benchmark leaves its `lex build` output here; buildAtprotoLex() makes it otherwise.
  rmSync(dirs.atprotoLexSrc, { recursive: true, force: true })
  return { closure, stale: stale.map((f) => relative(root, f)) }
}

/** `lex build` output for the closure (unless the codegen benchmark left one), compiled to JS. */
export async function buildAtprotoLex() {
  if (!existsSync(dirs.atprotoLexSrc)) {
    execFileSync(process.execPath, [join(root, 'node_modules/@atproto/lex/bin/lex'), 'build', '--lexicons', dirs.closure, '--out', dirs.atprotoLexSrc, '--clear', '--pretty', 'false'], { stdio: 'ignore' })
  }
  await compileTree(dirs.atprotoLexSrc, dirs.atprotoLex)
}
