// Row 3: bundle size. A one-call program per client (bench/entries/*.js: getConvo with the chat
// proxy) bundled by esbuild --bundle --minify --platform=browser --format=esm and gzipped with
// node:zlib (level 9). Ours resolves @lexgen/runtime through package exports to dist/ with the
// `browser` condition, so `#transport` is the fetch transport: the bundle must not contain undici.
// Same work: each bundle is run once (Node's global fetch stands in for the browser's) and must
// make exactly one well-formed getConvo request and print the convo id.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'
import { CONVO_ID, TOKEN } from '../lib/fixtures.js'
import { delta } from '../lib/server.js'
import { root, work } from '../lib/util.js'

export const BUNDLES = ['ours', 'atproto-api', 'atproto-lex', 'atcute']

/**
 * One entry bundled for the browser, minified, in memory, with its metafile. `fromSources` (for
 * bundle-split.js) resolves our runtime to its TypeScript modules rather than the bundled dist/, so
 * the metafile can say what each module adds.
 */
export function buildBrowserBundle(name, serviceUrl, { fromSources = false } = {}) {
  const sources = fromSources
    ? { alias: { '@lexgen/runtime/validate': join(root, 'runtime/validate.ts'), '@lexgen/runtime': join(root, 'runtime/index.ts') }, conditions: ['lexgen-source'] }
    : {}
  return esbuild.build({
    ...sources,
    entryPoints: [join(root, 'bench/entries', `${name}.js`)],
    bundle: true,
    minify: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'error',
    // As a user's bundler sees the package: through its exports to dist/, not through this repo's
    // tsconfig `paths` to the sources (which would also pull in a second copy of transport/types).
    tsconfigRaw: {},
    define: { __SERVICE__: JSON.stringify(serviceUrl), __TOKEN__: JSON.stringify(TOKEN), __CONVO__: JSON.stringify(CONVO_ID) },
  })
}

export async function bundleSize(server) {
  const out = join(work, 'bundles')
  mkdirSync(out, { recursive: true })
  const result = {}
  const problems = []
  for (const name of BUNDLES) {
    const built = await buildBrowserBundle(name, server.url)
    const code = built.outputFiles[0].contents
    const inputs = Object.keys(built.metafile.inputs)
    const file = join(out, `${name}.mjs`)
    writeFileSync(file, code)
    const before = await server.stats()
    const printed = execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim()
    const served = delta(before, await server.stats())
    if (printed !== CONVO_ID || served.getConvo !== 1 || served.bad !== 0 || served.other !== 0) {
      problems.push(`${name}: printed ${JSON.stringify(printed)}, server saw ${JSON.stringify(served)}`)
    }
    result[name] = {
      raw: code.length,
      gzip: gzipSync(code, { level: 9 }).length,
      modules: inputs.length,
      undici: inputs.filter((i) => /(^|\/)undici\//.test(i)),
      transport: inputs.filter((i) => /runtime\/(dist\/)?transport\//.test(i)).map((i) => relative(root, join(root, i))),
    }
  }
  if (result.ours.undici.length) problems.push(`our bundle contains undici: ${result.ours.undici.join(', ')}`)
  if (!result.ours.transport.some((t) => t.endsWith('transport/fetch.js'))) problems.push(`our bundle did not use the fetch transport: ${result.ours.transport.join(', ')}`)
  if (problems.length) throw new Error(`bundle size: bundles did not do the same work:\n${problems.join('\n')}`)
  return result
}
