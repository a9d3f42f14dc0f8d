/**
 * `generate --emit js`: JavaScript plus declarations for projects without a TypeScript build.
 * The emitted client runs from plain `node` (ESM) against the peer xrpc-server, its declarations
 * typecheck a TypeScript caller, the output is deterministic, and `check` guards it.
 */
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { seededServer } from '../helpers/convo-calls.js'
import { TEST_TOKEN } from '../helpers/xrpc-server.js'
import { provideRuntime, removeDir, runCli, snapshotDir, tempDir, typecheck } from './helpers.js'

const run = promisify(execFile)
const dirs: string[] = []
const world = seededServer()
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

async function project(type: 'module' | 'commonjs'): Promise<string> {
  const dir = await tempDir('lexgen-emitjs-')
  dirs.push(dir)
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'plain', private: true, type }))
  await provideRuntime(dir)
  return dir
}

const PROGRAM = (ext: string) => `import { Client, Core, chatBskyConvoGetConvo, ChatBskyConvoGetConvo } from './generated/index.${ext}'

const [service, token, convoId] = process.argv.slice(2)
const client = new Client({ service, auth: token })
const { convo } = await client.chat.bsky.convo.getConvo({ convoId })
const missing = await chatBskyConvoGetConvo(new Core({ service, auth: token }), { convoId: 'nope' })
console.log(JSON.stringify({ id: convo.id, declared: !missing.ok && missing.error instanceof ChatBskyConvoGetConvo.InvalidConvoError }))
`

/** An ESM project with the chat.bsky.convo.* client emitted as JavaScript, generated once for the tests that run it. */
let convoProject: Promise<string> | undefined
function convoClientInJs(): Promise<string> {
  convoProject ??= (async () => {
    const dir = await project('module')
    const result = await runCli(['generate', '--emit', 'js', '--out', join(dir, 'generated'), '--include', 'chat.bsky.convo.*'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    return dir
  })()
  return convoProject
}

/**
 * Records every file module Node loads, through a module hook (`module.register`, Node ≥ 20.6):
 * the `--import` argument that installs it, and where the loaded URLs are written, one per line.
 */
async function recordLoads(dir: string): Promise<{ args: string[]; log: string }> {
  const log = join(dir, 'loaded.txt')
  await writeFile(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs'
let log
export function initialize(data) { log = data.log }
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(log, url + '\\n')
  return next(url, context)
}
`,
  )
  await writeFile(join(dir, 'record.mjs'), `import { register } from 'node:module'\nregister('./hooks.mjs', import.meta.url, { data: { log: ${JSON.stringify(log)} } })\n`)
  await writeFile(log, '')
  return { args: ['--import', join(dir, 'record.mjs')], log }
}

describe('generate --emit js', () => {
  it('writes .js and .d.ts only, runs from plain node ESM, and its declarations type a TypeScript caller', async () => {
    const dir = await convoClientInJs()
    const out = join(dir, 'generated')
    const files = [...(await snapshotDir(out)).keys()]
    expect(files.filter((f) => !f.endsWith('.js') && !f.endsWith('.d.ts'))).toEqual([])
    expect(files.filter((f) => f.endsWith('.js')).map((f) => f.replace(/\.js$/, '.d.ts')).sort()).toEqual(files.filter((f) => f.endsWith('.d.ts')).sort())
    expect(files).toContain('chat/bsky/convo/getConvo.js')

    await writeFile(join(dir, 'main.js'), PROGRAM('js'))
    const { stdout } = await run(process.execPath, [join(dir, 'main.js'), world.server.url, TEST_TOKEN, world.convoId], { cwd: dir })
    expect(JSON.parse(stdout)).toEqual({ id: world.convoId, declared: true })

    // A TypeScript caller of the JavaScript client: the declarations carry the types.
    await writeFile(join(dir, 'typed.ts'), `import { Client, type ChatBskyConvoDefs } from './generated/index.js'
const client = new Client({ service: 'https://pds.example', auth: 'token' })
const view: ChatBskyConvoDefs.ConvoView = (await client.chat.bsky.convo.getConvo({ convoId: 'c' })).convo
// @ts-expect-error convoId is a string
await client.chat.bsky.convo.getConvo({ convoId: 1 })
export { view }
`)
    const compilerOptions = { target: 'es2022', module: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: [] }
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['typed.ts'] }))
    const tsc = await typecheck(dir)
    expect(tsc.output).toBe('')
    expect(tsc.code).toBe(0)
  })

  it("a program importing one function from its lexicon's module (README's fast start) loads only what that function references", async () => {
    const dir = await convoClientInJs()
    await writeFile(
      join(dir, 'one-call.js'),
      `import { Core, validating, withDefaults } from '@lexgen/runtime'
import * as GetConvo from './generated/chat/bsky/convo/getConvo.js'

const [service, token, convoId] = process.argv.slice(2)
const core = new Core(withDefaults({ service, auth: token, validation: validating({ [GetConvo.id]: GetConvo.validators }) }))
const found = await GetConvo.chatBskyConvoGetConvo(core, { convoId })
const missing = await GetConvo.chatBskyConvoGetConvo(core, { convoId: 'nope' })
const invalid = await GetConvo.chatBskyConvoGetConvo(core, { convoId: 42 })
console.log(JSON.stringify({
  id: found.ok && found.value.convo.id,
  declared: !missing.ok && missing.error instanceof GetConvo.InvalidConvoError,
  validated: !invalid.ok && invalid.error.name,
}))
`,
    )
    const hook = await recordLoads(dir)
    const { stdout } = await run(process.execPath, [...hook.args, join(dir, 'one-call.js'), world.server.url, TEST_TOKEN, world.convoId], { cwd: dir })
    expect(JSON.parse(stdout)).toEqual({ id: world.convoId, declared: true, validated: 'RequestValidationError' })

    const generated = pathToFileURL(join(dir, 'generated')).href + '/'
    const loaded = (await readFile(hook.log, 'utf8')).split('\n').filter((url) => url.startsWith(generated)).map((url) => url.slice(generated.length))
    expect(loaded).toContain('chat/bsky/convo/getConvo.js')
    expect(loaded).toContain('chat/bsky/convo/defs.js')
    // Neither the index, the namespaced Client, the validation registry nor any other method's module.
    for (const whole of ['index.js', 'client.js', 'validation.js', 'session.js']) expect(loaded).not.toContain(whole)
    const methods = await Promise.all(loaded.map(async (file) => ((await readFile(join(dir, 'generated', file), 'utf8')).includes('export const method = ') ? file : undefined)))
    expect(methods.filter(Boolean)).toEqual(['chat/bsky/convo/getConvo.js'])
  })

  it('with --file-ext .mts: .mjs and .d.mts, which a CommonJS package runs', async () => {
    const dir = await project('commonjs')
    const out = join(dir, 'generated')
    const docs = join(dir, 'docs')
    const result = await runCli(['generate', '--emit', 'js', '--file-ext', '.mts', '--out', out, '--docs', docs, '--include', 'chat.bsky.convo.getConvo'])
    expect(result.stderr).toBe('')
    // The docs name the index as written, and say where their ES-module examples go in this package.
    const readme = (await snapshotDir(docs)).get('README.md')!
    expect(readme).toContain('one module per lexicon, and `index.mjs`, which exports everything')
    expect(readme).toContain('in this package, put them in `.mjs` files')
    const files = [...(await snapshotDir(out)).keys()]
    expect(files).toContain('index.mjs')
    expect(files).toContain('index.d.mts')
    expect(files.filter((f) => !f.endsWith('.mjs') && !f.endsWith('.d.mts'))).toEqual([])
    await writeFile(join(dir, 'main.mjs'), PROGRAM('mjs'))
    const { stdout } = await run(process.execPath, [join(dir, 'main.mjs'), world.server.url, TEST_TOKEN, world.convoId], { cwd: dir })
    expect(JSON.parse(stdout)).toEqual({ id: world.convoId, declared: true })
  })

  it('is deterministic, covered by check, and its docs examples are JavaScript', async () => {
    const [a, b] = [await tempDir('lexgen-emitjs-'), await tempDir('lexgen-emitjs-')]
    dirs.push(a, b)
    const args = (dir: string) => ['generate', '--emit', 'js', '--out', join(dir, 'gen'), '--docs', join(dir, 'docs')]
    expect((await runCli(args(a))).code).toBe(0)
    expect((await runCli(args(b))).code).toBe(0)
    const [codeA, codeB] = [await snapshotDir(join(a, 'gen')), await snapshotDir(join(b, 'gen'))]
    expect(codeB).toEqual(codeA)
    for (const [path, text] of codeA) expect(text, path).toMatch(/^\/\/ Generated by lexgen from /)

    const check = ['check', '--emit', 'js', '--out', join(a, 'gen'), '--docs', join(a, 'docs')]
    expect((await runCli(check)).code).toBe(0)
    // TypeScript output where JavaScript belongs is stale, and so is a hand edit.
    expect((await runCli(['check', '--out', join(a, 'gen'), '--no-docs'])).code).toBe(1)
    await writeFile(join(a, 'gen/index.js'), `${codeA.get('index.js')}export const mine = 1\n`)
    const stale = await runCli(check)
    expect(stale.code).toBe(1)
    expect(stale.stderr).toContain('  changed: index.js\n')

    const readme = (await snapshotDir(join(a, 'docs'))).get('README.md')!
    expect(readme).toContain('```js\nimport { Client, Core, ')
    expect(readme).not.toContain('```ts')
    // Types are gone from the examples, blank lines and two-space indents are kept.
    expect(readme).toContain('const store = new Map();\n\nconst session = new CredentialSession({\n  service: ')
  })
})
