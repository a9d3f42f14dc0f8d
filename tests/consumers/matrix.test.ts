/**
 * The generated client in the projects users actually have. Each setup is a fresh temp project:
 * the client generated into it, the runtime installed as a package (provideRuntime), a consumer
 * program that uses both calling styles, pagination and typed errors, the user's usual build
 * (tsc with an outDir, or a bundler), and then the built program run with node against a real
 * `@atproto/xrpc-server` built from the same lexicons.
 *
 * Setups: this repo's tsconfig; `tsc --init` defaults (exactOptionalPropertyTypes,
 * noUncheckedIndexedAccess, verbatimModuleSyntax, module nodenext); @tsconfig/strictest's options
 * (noPropertyAccessFromIndexSignature, noUnusedLocals, …) over them; moduleResolution bundler
 * (bundled by esbuild); erasableSyntaxOnly; a `"type": "commonjs"` package (what `npm init -y`
 * writes), where the client is generated as `.mts`; and `.ts` imports (`--import-ext ts`), built by
 * tsc's rewriteRelativeImportExtensions and also run as written by Deno, with no `--sloppy-imports`.
 */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { seededServer } from '../helpers/convo-calls.js'
import { TEST_TOKEN } from '../helpers/xrpc-server.js'
import { provideRuntime, removeDir, ROOT, runCli, tempDir, typecheck } from '../codegen/helpers.js'
import { program } from './program.js'
import { STRICTEST } from './strictest.js'

const run = promisify(execFile)
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const world = seededServer()
const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

interface Setup {
  readonly name: string
  readonly packageType: 'module' | 'commonjs'
  readonly fileExt: '.ts' | '.mts'
  /** How modules import each other, the generated ones (`--import-ext`) and the program's. */
  readonly importExt?: 'ts'
  /** compilerOptions laid over the base (`tsc --init`'s output, or this repo's), and how the program is built. */
  readonly base: 'init' | 'repo'
  readonly options: Record<string, unknown>
  readonly build: 'tsc' | 'esbuild'
}

const SETUPS: Setup[] = [
  { name: "this repo's tsconfig", packageType: 'module', fileExt: '.ts', base: 'repo', options: {}, build: 'tsc' },
  { name: 'tsc --init defaults', packageType: 'module', fileExt: '.ts', base: 'init', options: {}, build: 'tsc' },
  { name: '@tsconfig/strictest', packageType: 'module', fileExt: '.ts', base: 'init', options: STRICTEST, build: 'tsc' },
  { name: 'moduleResolution bundler', packageType: 'module', fileExt: '.ts', base: 'init', options: { module: 'preserve', moduleResolution: 'bundler', noEmit: true }, build: 'esbuild' },
  { name: 'erasableSyntaxOnly', packageType: 'module', fileExt: '.ts', base: 'init', options: { erasableSyntaxOnly: true }, build: 'tsc' },
  { name: 'a "type": "commonjs" package (npm init -y), generated as .mts', packageType: 'commonjs', fileExt: '.mts', base: 'init', options: {}, build: 'tsc' },
  { name: '.ts imports, as Deno, Bun and Node\'s type stripping run them (--import-ext ts)', packageType: 'module', fileExt: '.ts', importExt: 'ts', base: 'init', options: { rewriteRelativeImportExtensions: true }, build: 'tsc' },
]

/** What `tsc --init` writes, as JSON (it writes comments and trailing commas). */
async function initOptions(project: string): Promise<Record<string, unknown>> {
  await run(process.execPath, [TSC, '--init'], { cwd: project })
  const text = await readFile(join(project, 'tsconfig.json'), 'utf8')
  const json = text.replace(/^\s*\/\/.*$/gm, '').replace(/,(\s*[}\]])/g, '$1')
  return (JSON.parse(json) as { compilerOptions: Record<string, unknown> }).compilerOptions
}

const REPO_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023', 'DOM'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  skipLibCheck: true,
  types: [],
}

/** Runs the program (`command`) in `project`: it must make every call and print what they gave. */
async function expectRuns(command: readonly string[], project: string): Promise<void> {
  const { stdout } = await run(command[0]!, command.slice(1), { cwd: project })
  expect(JSON.parse(stdout)).toEqual({ sent: 'hello', convos: expect.any(Number), items: expect.any(Number), ok: false, error: 'InvalidConvo', declared: true })
  expect(JSON.parse(stdout).convos).toBeGreaterThan(0)
  expect(JSON.parse(stdout).items).toBeGreaterThan(1)
}

describe('the generated client in users’ projects', () => {
  it.each(SETUPS.map((setup) => [setup.name, setup] as const))('%s: typechecks, builds, runs', async (_name, setup) => {
    const project = await tempDir('lexgen-consumer-')
    dirs.push(project)
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: setup.packageType }))
    await provideRuntime(project)
    const importExt = setup.importExt ?? 'js'
    const generated = await runCli(['generate', '--out', join(project, 'generated'), '--file-ext', setup.fileExt, '--import-ext', importExt], ROOT)
    expect(generated.stderr).toBe('')
    expect(generated.code).toBe(0)

    await writeFile(join(project, 'main.ts'), program(setup.packageType === 'commonjs' ? 'require' : 'esm', importExt))
    await writeFile(join(project, `config${setup.packageType === 'commonjs' ? '.mts' : '.ts'}`), `export const config = ${JSON.stringify({ service: world.server.url, token: TEST_TOKEN, convoId: world.convoId })}\n`)
    const base = setup.base === 'init' ? await initOptions(project) : REPO_OPTIONS
    const compilerOptions = { ...base, ...(setup.build === 'tsc' ? { outDir: 'dist', rootDir: '.' } : {}), ...setup.options }
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['**/*.ts', '**/*.mts'], exclude: ['node_modules', 'dist'] }, null, 2))

    const tsc = await typecheck(project)
    expect(tsc.output).toBe('')
    expect(tsc.code).toBe(0)

    let entry = join(project, 'dist/main.js')
    if (setup.build === 'esbuild') {
      entry = join(project, 'bundle.mjs')
      await run(join(ROOT, 'node_modules/.bin/esbuild'), [join(project, 'main.ts'), '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=${entry}`, '--log-level=error'], { cwd: project })
    }
    await expectRuns([process.execPath, entry], project)
    // Deno resolves imports as written: `./client.js` finds no `client.ts` without --sloppy-imports.
    if (importExt === 'ts') await expectRuns([join(ROOT, 'node_modules/.bin/deno'), 'run', '--allow-net', '--allow-read', '--allow-env', 'main.ts'], project)
  })

  it('warns when .ts output lands in a CommonJS package', async () => {
    const project = await tempDir('lexgen-consumer-')
    dirs.push(project)
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', type: 'commonjs' }))
    const result = await runCli(['generate', '--out', join(project, 'generated')], ROOT)
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('package.json makes the generated .ts files CommonJS for Node and tsc, and they are ESM: generate with --file-ext .mts')
  })
})
