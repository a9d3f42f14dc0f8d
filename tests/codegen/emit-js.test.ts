/**
 * `generate --emit js`: JavaScript plus declarations for projects without a TypeScript build.
 * The emitted client runs from plain `node` (ESM) against the peer xrpc-server, its declarations
 * typecheck a TypeScript caller, the output is deterministic, and `check` guards it.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
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

describe('generate --emit js', () => {
  it('writes .js and .d.ts only, runs from plain node ESM, and its declarations type a TypeScript caller', async () => {
    const dir = await project('module')
    const out = join(dir, 'generated')
    const result = await runCli(['generate', '--emit', 'js', '--out', out, '--include', 'chat.bsky.convo.*'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
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

  it('with --file-ext .mts: .mjs and .d.mts, which a CommonJS package runs', async () => {
    const dir = await project('commonjs')
    const out = join(dir, 'generated')
    const result = await runCli(['generate', '--emit', 'js', '--file-ext', '.mts', '--out', out, '--include', 'chat.bsky.convo.getConvo'])
    expect(result.stderr).toBe('')
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
