// Builds a package's dist/ (`node tools/build.js runtime|codegen`, what each package's `build`
// script runs): the declarations with tsc, one .d.ts per module (what editors, `tsc` users and
// `lexgen diff`'s compiler check read), and the code with esbuild, one file per entry point plus
// the chunks entries share.
//
// Why bundle: Node's ESM loader pays about 1 ms per module (resolve, stat, read, compile) whatever
// its size. The runtime's ~25 source modules cost ~30 ms more to import than a few files (bench
// row 4), and the CLI's ~50 cost every `lexgen generate` about as much (bench row 1).
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const PACKAGES = {
  runtime: {
    // The package's `exports`, and every target of its `#transport` import: `#transport` stays an
    // import, so bundlers still pick the fetch transport for browsers from the `imports` map.
    entryPoints: ['index.ts', 'validate.ts', 'transport/node.ts', 'transport/fetch.ts'],
    platform: 'neutral',
    external: ['#transport', 'node:*'],
  },
  codegen: {
    // bin/lexgen.js loads lexicon-check-thread.js then cli.js; it starts lexicon-check-worker.js by its
    // path next to it (so chunks stay in dist/ too: `new URL('./lexicon-check-worker.js', import.meta.url)`).
    entryPoints: ['index.ts', 'cli.ts', 'lexicon-check-thread.ts', 'lexicon-check-worker.ts'],
    platform: 'node',
    packages: 'external',
  },
}

const name = process.argv[2]
const settings = Object.hasOwn(PACKAGES, name) ? PACKAGES[name] : undefined
if (!settings) throw new Error(`usage: node tools/build.js ${Object.keys(PACKAGES).join('|')}`)
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', name)
rmSync(join(dir, 'dist'), { recursive: true, force: true })

const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc')
execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json'), '--emitDeclarationOnly'], { stdio: 'inherit' })

await build({
  ...settings,
  absWorkingDir: dir,
  outdir: join(dir, 'dist'),
  outbase: dir,
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2022',
  // Named by content hash: the same sources give the same files on every machine.
  chunkNames: 'chunk-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
})
