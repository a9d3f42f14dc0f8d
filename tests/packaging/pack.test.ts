/**
 * The published packages, used as a new user would: packed, installed into fresh projects of the
 * usual kinds (TypeScript nodenext, bundler and `tsc --init` defaults; plain JavaScript ESM;
 * CommonJS, through require() and as TypeScript), a client generated there with the installed
 * CLI, typechecked and built with the project's own settings, then run against a real
 * `@atproto/xrpc-server`.
 */
import { execFile } from 'node:child_process'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, ROOT, tempDir } from '../codegen/helpers.js'
import { startChatServer, TEST_TOKEN, type ChatServer } from '../helpers/xrpc-server.js'
import { createConsumer, installedPackages, packPackages, type Consumer, type Tarballs } from './support/consumer.js'

// Packing, installing and compiling take tens of seconds on a busy 2-core machine: the limit is
// there to stop a hang, not to judge speed.
const SLOW = 10 * 60_000

let packDir: string
let tarballs: Tarballs
let chat: ChatServer
let convoId: string
const consumers: Consumer[] = []
const bundleDirs: string[] = []

beforeAll(async () => {
  packDir = await tempDir('lexgen-pack-')
  tarballs = await packPackages(packDir)
  chat = await startChatServer()
  convoId = chat.store.getConvoForMembers(['did:plc:other']).convo.id as string
}, SLOW)

afterAll(async () => {
  await chat?.close()
  await Promise.all([packDir, ...consumers.map((c) => c.dir), ...bundleDirs].filter(Boolean).map((dir) => removeDir(dir)))
})

/** The user's program: one call in each style, against the test server. */
function program(): Record<string, string> {
  return {
    'src/fixture.ts': [
      `export const service = ${JSON.stringify(chat.url)}`,
      `export const token = ${JSON.stringify(TEST_TOKEN)}`,
      `export const convoId = ${JSON.stringify(convoId)}`,
      '',
    ].join('\n'),
    'src/main.ts': [
      `import { Client, Core, chatBskyConvoGetConvo } from './generated/index.js'`,
      `import { convoId, service, token } from './fixture.js'`,
      '',
      'const client = new Client({ service, auth: token })',
      'const { convo } = await client.chat.bsky.convo.getConvo({ convoId })',
      'const result = await chatBskyConvoGetConvo(new Core({ service, auth: token }), { convoId })',
      'if (!result.ok) throw result.error',
      'console.log(`namespaced ${convo.id} standalone ${result.value.convo.id}`)',
      '',
    ].join('\n'),
  }
}

/** The same program in plain JavaScript, loading the client with `import` (ESM) or `require` (CommonJS). */
function javascriptProgram(load: 'import' | 'require', client: string): string {
  const header =
    load === 'import'
      ? `import { Client, Core, chatBskyConvoGetConvo } from '${client}'`
      : `const { Client, Core, chatBskyConvoGetConvo } = require('${client}')`
  return [
    header,
    `const [service, token, convoId] = ${JSON.stringify([chat.url, TEST_TOKEN, convoId])}`,
    '',
    'async function main() {',
    '  const client = new Client({ service, auth: token })',
    '  const { convo } = await client.chat.bsky.convo.getConvo({ convoId })',
    '  const result = await chatBskyConvoGetConvo(new Core({ service, auth: token }), { convoId })',
    '  if (!result.ok) throw result.error',
    '  console.log(`namespaced ${convo.id} standalone ${result.value.convo.id}`)',
    '}',
    'main()',
    '',
  ].join('\n')
}

const GENERATE = ['generate', '--lexicons', join(ROOT, 'lexicons'), '--include', 'chat.bsky.convo.getConvo', '--out', 'src/generated']

async function consumer(packageJson: Record<string, unknown>, files: Record<string, string>): Promise<Consumer> {
  const project = await createConsumer(tarballs, packageJson, { ...program(), ...files })
  consumers.push(project)
  await project.lexgen(GENERATE)
  return project
}

/** The files in a tarball, as `tar` lists them. */
async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('tar', ['tzf', tarball])
  return stdout.trim().split('\n')
}

const ESBUILD = join(ROOT, 'node_modules/esbuild/bin/esbuild')

/**
 * The README's esbuild commands for Node (its "Bundling" section), as arguments: the tests below
 * build with exactly these, so the recipes and what is tested cannot drift apart.
 */
async function readmeRecipe(which: 'packages external' | 'whole program' | 'whole program, undici'): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf('\n### Bundling\n')
  const section = readme.slice(start, readme.indexOf('\n### ', start + 1)).replaceAll('\\\n', ' ')
  const recipes = [...section.matchAll(/^npx esbuild (.*--platform=node.*)$/gm)].map(([, args]) => args!.match(/(?:[^\s"]+|"[^"]*")+/g)!.map((arg) => arg.replaceAll('"', '')))
  const external = (args: string[]) => args.includes('--packages=external')
  const banner = (args: string[]) => args.some((arg) => arg.startsWith('--banner:js='))
  const found = recipes.filter((args) => (which === 'packages external' ? external(args) : !external(args) && banner(args) === (which === 'whole program, undici')))
  expect(found, `the README's ${which} recipe`).toHaveLength(1)
  return found[0]!
}

/** Where a recipe writes its bundle. */
const outfile = (args: string[]) => args.find((arg) => arg.startsWith('--outfile='))!.slice('--outfile='.length)

/** Runs a bundle of `project` copied into a folder of its own: nothing can be resolved from a node_modules. */
async function runAlone(project: Consumer, bundle: string): Promise<string> {
  const alone = await tempDir('lexgen-bundle-')
  bundleDirs.push(alone)
  await cp(join(project.dir, bundle), join(alone, 'main.mjs'))
  return project.exec(process.execPath, [join(alone, 'main.mjs')])
}

function expectBothCalls(output: string): void {
  // Node 20 may warn that require() of ESM is experimental: only stdout is the program's.
  expect(output.replace(/^\(node:\d+\) ExperimentalWarning[^\n]*\n(\(Use `node --trace-warnings[^\n]*\n)?/m, '').trim()).toBe(`namespaced ${convoId} standalone ${convoId}`)
  expect(chat.requests.filter((r) => r.nsid === 'chat.bsky.convo.getConvo').length).toBeGreaterThanOrEqual(2)
}

describe('the tarballs', () => {
  it.each(['runtime', 'cli'] as const)('%s: built JS, declarations, LICENSE; no TypeScript source a resolver could take for the entry', async (which) => {
    const listing = await tarballFiles(tarballs[which])
    expect(listing).toContain('package/LICENSE')
    expect(listing).toContain('package/package.json')
    expect(listing).toContain('package/dist/index.js')
    expect(listing).toContain('package/dist/index.d.ts')
    expect(listing.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([])
  })
})

describe('the packed packages in a fresh project', () => {
  it('TypeScript, module nodenext: typechecks, builds with tsc into outDir and runs', async () => {
    const project = await consumer(
      { type: 'module' },
      {
        'tsconfig.json': JSON.stringify({
          compilerOptions: { target: 'es2022', module: 'nodenext', strict: true, outDir: 'dist', rootDir: 'src', types: [], skipLibCheck: false },
          include: ['src'],
        }),
      },
    )
    await project.tsc(['-p', '.'])
    expectBothCalls(await project.exec(process.execPath, [join(project.dir, 'dist/main.js')]))
  }, SLOW)

  it('TypeScript, moduleResolution bundler: typechecks, bundles with esbuild and runs', async () => {
    const project = await consumer(
      { type: 'module' },
      {
        'tsconfig.json': JSON.stringify({
          compilerOptions: { target: 'es2022', module: 'preserve', moduleResolution: 'bundler', strict: true, noEmit: true, types: [] },
          include: ['src'],
        }),
      },
    )
    await project.tsc(['-p', '.'])
    const recipe = await readmeRecipe('packages external')
    await project.exec(ESBUILD, recipe)
    expectBothCalls(await project.exec(process.execPath, [join(project.dir, outfile(recipe))]))
  }, SLOW)

  it("TypeScript with the current `tsc --init` defaults: typechecks, builds and runs", async () => {
    const project = await consumer({ type: 'module' }, {})
    await project.tsc(['--init'])
    await project.tsc(['-p', '.', '--noEmit'])
    // What TypeScript 6+ asks for before it emits into an outDir.
    await project.tsc(['-p', '.', '--rootDir', 'src', '--outDir', 'dist'])
    expectBothCalls(await project.exec(process.execPath, [join(project.dir, 'dist/main.js')]))
  }, SLOW)

  it('bundled whole for Node by esbuild (--platform=node --format=esm, nothing external): builds without undici and runs with no node_modules', async () => {
    const project = await consumer({ type: 'module' }, {})
    const recipe = await readmeRecipe('whole program')
    await project.exec(ESBUILD, recipe)
    expectBothCalls(await runAlone(project, outfile(recipe)))
  }, SLOW)

  it("bundled whole with an undici dispatcher, by the README's recipe (a `require` for undici's CommonJS)", async () => {
    const dispatcher = [
      `import { Agent } from 'undici'`,
      `import { Client, Core, chatBskyConvoGetConvo } from './generated/index.js'`,
      `import { convoId, service, token } from './fixture.js'`,
      '',
      'const dispatcher = new Agent({ connections: 2 })',
      'const client = new Client({ service, auth: token, dispatcher })',
      'const { convo } = await client.chat.bsky.convo.getConvo({ convoId })',
      'const result = await chatBskyConvoGetConvo(new Core({ service, auth: token, dispatcher }), { convoId })',
      'if (!result.ok) throw result.error',
      'console.log(`namespaced ${convo.id} standalone ${result.value.convo.id}`)',
      'await dispatcher.close()',
      '',
    ].join('\n')
    const project = await consumer({ type: 'module' }, { 'src/main.ts': dispatcher })
    await project.install(['undici@^7'])
    const recipe = await readmeRecipe('whole program, undici')
    await project.exec(ESBUILD, recipe)
    expectBothCalls(await runAlone(project, outfile(recipe)))
  }, SLOW)

  it('plain JavaScript ESM, no TypeScript anywhere: generated with --emit js and run by node', async () => {
    const project = await createConsumer(tarballs, { type: 'module' }, { 'src/main.js': javascriptProgram('import', './generated/index.js') })
    consumers.push(project)
    await project.lexgen([...GENERATE, '--emit', 'js'])
    expect(await project.exec('find', ['src/generated', '-name', '*.ts', '!', '-name', '*.d.ts'])).toBe('')
    expectBothCalls(await project.exec(process.execPath, [join(project.dir, 'src/main.js')]))
  }, SLOW)

  it('CommonJS, require() of the generated ESM client (Node ≥ 20.19), emitted as .mjs', async () => {
    const project = await createConsumer(tarballs, {}, { 'src/main.js': javascriptProgram('require', './generated/index.mjs') })
    consumers.push(project)
    await project.lexgen([...GENERATE, '--emit', 'js', '--file-ext', '.mts'])
    expectBothCalls(await project.exec(process.execPath, [join(project.dir, 'src/main.js')]))
  }, SLOW)

  it('CommonJS TypeScript (`tsc --init` in a package without "type"), generated as .mts: typechecks, builds with tsc and runs', async () => {
    const main = [
      `import lexgen = require('./generated/index.mjs')`,
      `import fixture = require('./fixture.mjs')`,
      '',
      'async function main(): Promise<void> {',
      '  const { service, token, convoId } = fixture',
      '  const client = new lexgen.Client({ service, auth: token })',
      '  const { convo } = await client.chat.bsky.convo.getConvo({ convoId })',
      '  const result = await lexgen.chatBskyConvoGetConvo(new lexgen.Core({ service, auth: token }), { convoId })',
      '  if (!result.ok) throw result.error',
      '  console.log(`namespaced ${convo.id} standalone ${result.value.convo.id}`)',
      '}',
      'void main()',
      '',
    ].join('\n')
    const { 'src/fixture.ts': fixture } = program()
    const project = await createConsumer(tarballs, {}, { 'src/main.ts': main, 'src/fixture.mts': fixture! })
    consumers.push(project)
    await project.lexgen([...GENERATE, '--file-ext', '.mts'])
    await project.tsc(['--init'])
    await project.tsc(['-p', '.', '--rootDir', 'src', '--outDir', 'dist'])
    expectBothCalls(await project.exec(process.execPath, [join(project.dir, 'dist/main.js')]))

    // Under erasableSyntaxOnly (for Node's type stripping) `import x = require()` is refused: the
    // README's typed require call instead (`require` from @types/node, here this repository's copy),
    // still typed: a wrong argument fails the build.
    const typedRequire = (name: string, path: string) => `const ${name}: typeof import('${path}') = require('${path}')`
    const erasable = main
      .replace(`import lexgen = require('./generated/index.mjs')`, typedRequire('lexgen', './generated/index.mjs'))
      .replace(`import fixture = require('./fixture.mjs')`, typedRequire('fixture', './fixture.mjs'))
    const build = ['-p', '.', '--erasableSyntaxOnly', '--typeRoots', join(ROOT, 'node_modules/@types'), '--types', 'node', '--rootDir', 'src', '--outDir', 'dist']
    await writeFile(join(project.dir, 'src/main.ts'), erasable.replace('getConvo({ convoId })', 'getConvo({ convoId: 1 })'))
    await expect(project.tsc(build)).rejects.toThrow(/TS2322/)
    await writeFile(join(project.dir, 'src/main.ts'), erasable)
    await project.tsc(build)
    expectBothCalls(await project.exec(process.execPath, [join(project.dir, 'dist/main.js')]))
  }, SLOW)

  it('an application that only runs a generated client installs the runtime alone: no dependency, none of the generator', async () => {
    const project = await createConsumer(tarballs, { type: 'module' }, {}, { cli: false })
    consumers.push(project)
    const installed = await installedPackages(project.dir)
    // undici is never imported: a caller passing an undici `dispatcher` brings their own copy, which does the work.
    expect(installed).toEqual(['@lexgen/runtime'])
  }, SLOW)
})
