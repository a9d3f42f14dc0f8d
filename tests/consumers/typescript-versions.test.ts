/**
 * The generated client and @lexgen/runtime's declarations under the oldest TypeScript lexgen
 * supports (5.0, the first with `moduleResolution: bundler`, `verbatimModuleSyntax` and
 * `customConditions`: a devDependency `typescript-5.0`, an npm alias pinned to 5.0.4) and under the
 * repo's own (the newest), each a real tsc process. Each setup is a fresh temp project as in
 * matrix.test.ts, typechecked only (matrix.test.ts builds and runs): that version's `tsc --init`
 * defaults (5.0 writes `"target": "es2016"`, so a `lib` without ES2018's async iterables) with
 * module nodenext, as written and with `skipLibCheck: false`, so the runtime's .d.ts files are
 * checked too; @tsconfig/strictest's options; moduleResolution bundler; a CommonJS package with
 * `.mts` modules; and `--emit js`'s `.d.ts` declarations.
 *
 * A CommonJS module loads the ES module client with `import x = require()` only from TypeScript 5.8
 * on (before, TS1471); the older version is given `import()`, as the README says.
 */
import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { provideRuntime, removeDir, ROOT, runCli, tempDir } from '../codegen/helpers.js'
import { program } from './program.js'
import { STRICTEST } from './strictest.js'

const run = promisify(execFile)
const require = createRequire(join(ROOT, 'package.json'))
const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

interface Compiler {
  readonly name: string
  readonly tsc: string
  /** `import x = require()` of an ES module from a CommonJS one (TypeScript 5.8+). */
  readonly requiresEsm: boolean
}

function compiler(pkg: string): Compiler {
  const dir = dirname(require.resolve(`${pkg}/package.json`))
  const { version } = require(`${pkg}/package.json`) as { version: string }
  const [major, minor] = version.split('.').map(Number) as [number, number]
  return { name: `TypeScript ${version}`, tsc: join(dir, 'bin/tsc'), requiresEsm: major > 5 || (major === 5 && minor >= 8) }
}

const COMPILERS = [compiler('typescript-5.0'), compiler('typescript')]

const NODENEXT = { module: 'nodenext', moduleResolution: 'nodenext' }

interface Setup {
  readonly name: string
  readonly packageType: 'module' | 'commonjs'
  readonly fileExt: '.ts' | '.mts'
  readonly emit: 'ts' | 'js'
  /** compilerOptions laid over that version's `tsc --init` output. */
  readonly options: Record<string, unknown>
}

const SETUPS: Setup[] = [
  { name: 'tsc --init defaults, module nodenext', packageType: 'module', fileExt: '.ts', emit: 'ts', options: NODENEXT },
  { name: 'tsc --init defaults, module nodenext, skipLibCheck false', packageType: 'module', fileExt: '.ts', emit: 'ts', options: { ...NODENEXT, skipLibCheck: false } },
  { name: '@tsconfig/strictest, skipLibCheck false', packageType: 'module', fileExt: '.ts', emit: 'ts', options: { ...NODENEXT, ...STRICTEST, skipLibCheck: false } },
  { name: 'moduleResolution bundler, skipLibCheck false', packageType: 'module', fileExt: '.ts', emit: 'ts', options: { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: false } },
  { name: 'a CommonJS package, generated as .mts, skipLibCheck false', packageType: 'commonjs', fileExt: '.mts', emit: 'ts', options: { ...NODENEXT, skipLibCheck: false } },
  { name: '--emit js (.d.ts), skipLibCheck false', packageType: 'module', fileExt: '.ts', emit: 'js', options: { ...NODENEXT, skipLibCheck: false } },
]

/** What that version's `tsc --init` writes, as JSON (it writes comments and trailing commas). */
async function initOptions(tsc: string, project: string): Promise<Record<string, unknown>> {
  await run(process.execPath, [tsc, '--init'], { cwd: project })
  const text = await readFile(join(project, 'tsconfig.json'), 'utf8')
  const json = text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/,(\s*[}\]])/g, '$1')
  return (JSON.parse(json) as { compilerOptions: Record<string, unknown> }).compilerOptions
}

async function typecheck(tsc: string, project: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [tsc, '-p', project, '--noEmit'])
    return { code: 0, output: stdout }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, output: e.stdout + e.stderr }
  }
}

describe('the generated client under the oldest and the newest TypeScript', () => {
  const cases = COMPILERS.flatMap((ts) => SETUPS.map((setup) => [`${ts.name}, ${setup.name}`, ts, setup] as const))
  it.each(cases)('%s: typechecks', async (_name, ts, setup) => {
    const project = await tempDir('lexgen-tsversion-')
    dirs.push(project)
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: setup.packageType }))
    await provideRuntime(project)
    const generated = await runCli(['generate', '--out', join(project, 'generated'), '--docs', join(project, 'docs'), '--file-ext', setup.fileExt, '--emit', setup.emit], ROOT)
    expect(generated.stderr).toBe('')
    expect(generated.code).toBe(0)

    const commonjs = setup.packageType === 'commonjs'
    await writeFile(join(project, 'main.ts'), program(commonjs ? (ts.requiresEsm ? 'require' : 'import') : 'esm'))
    await writeFile(join(project, `config${commonjs ? '.mts' : '.ts'}`), `export const config = ${JSON.stringify({ service: 'http://127.0.0.1:1', token: 'token', convoId: 'convo' })}\n`)
    const compilerOptions = { ...(await initOptions(ts.tsc, project)), outDir: 'dist', rootDir: '.', ...setup.options }
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['**/*.ts', '**/*.mts'], exclude: ['node_modules', 'dist', 'docs'] }, null, 2))

    const result = await typecheck(ts.tsc, project)
    expect(result.output).toBe('')
    expect(result.code).toBe(0)
  })
})
