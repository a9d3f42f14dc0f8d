/**
 * Two copies of the runtime in one process: a library with an install of its own, or a bundle
 * next to node_modules. The built package (runtime/package.json and dist/, as npm installs it) is
 * copied to two folders and both are loaded by a child Node process, so each copy is a module
 * graph of its own, as Node loads them. A Core from one copy works with the other copy's
 * functions, layers and classes; a Core from an incompatible copy is refused before anything is
 * sent; a CommonJS `require` of the package next to its `import` gets the same copy.
 */
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { removeDir, ROOT, tempDir } from '../codegen/helpers.js'
import { startRawServer, type RawServer } from '../helpers/raw-server.js'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

let dir: string
let server: RawServer
const answered = new Map<string, number>()

beforeAll(async () => {
  dir = await tempDir('lexgen-copies-')
  for (const copy of ['a', 'b', 'incompatible']) {
    const home = join(dir, copy, 'node_modules/@lexgen/runtime')
    await mkdir(home, { recursive: true })
    await cp(join(ROOT, 'runtime/package.json'), join(home, 'package.json'))
    await cp(join(ROOT, 'runtime/dist'), join(home, 'dist'), { recursive: true })
    await writeFile(join(dir, copy, 'runtime.mjs'), "export * from '@lexgen/runtime'\n")
  }
  // A copy whose Core speaks another version of what `call` hands it.
  // (dist/ is bundled: whichever file holds core.ts's constant, there must be exactly one.)
  const dist = join(dir, 'incompatible/node_modules/@lexgen/runtime/dist')
  const files = (await readdir(dist, { recursive: true })).filter((file) => file.endsWith('.js')).map((file) => join(dist, file))
  const PROTOCOL = /\b(const|var|let) CALL_PROTOCOL = 1;/
  const holders: string[] = []
  for (const file of files) if (PROTOCOL.test(await readFile(file, 'utf8'))) holders.push(file)
  expect(holders).toHaveLength(1)
  const source = await readFile(holders[0]!, 'utf8')
  await writeFile(holders[0]!, source.replace(PROTOCOL, '$1 CALL_PROTOCOL = 2;'))
  await writeFile(join(dir, 'main.mjs'), CHILD)
  server = await startRawServer((req, res) => {
    const which = new URL(req.url ?? '', 'http://x').searchParams.get('convoId') ?? ''
    const n = (answered.get(which) ?? 0) + 1
    answered.set(which, n)
    const reply = (status: number, body: object) => (res.writeHead(status, { 'content-type': 'application/json' }), res.end(JSON.stringify(body)))
    if (which === 'limited' && n === 1) return reply(429, { error: 'RateLimitExceeded', message: 'slow down' })
    if (which === 'declared') return reply(400, { error: 'InvalidConvo', message: 'no such convo' })
    reply(200, { convo: { id: which, authorization: req.headers.authorization ?? null } })
  })
})

afterAll(async () => {
  await server?.close()
  if (dir) await removeDir(dir)
})

/** Runs in the child: each case mixes the copies one way, and the results come back as JSON. */
const CHILD = `
import { createRequire } from 'node:module'
const A = await import('./a/runtime.mjs')
const B = await import('./b/runtime.mjs')
const Old = await import('./incompatible/runtime.mjs')
const service = process.argv[2]
const getConvo = { nsid: 'chat.bsky.convo.getConvo', type: 'query', output: 'application/json', errors: { InvalidConvo: B.declaredError('InvalidConvo') } }
const out = { separate: A.Core !== B.Core && A.XrpcError !== B.XrpcError }

// Generated code of copy B (its call) with a Core of copy A, whose layers come from copy B.
const core = new A.Core(B.withDefaults({ service, auth: 'token-of-a', retries: { limit: 2, baseDelay: 1 } }))
const authed = await B.call(core, getConvo, { params: { convoId: 'auth' } })
out.auth = authed.ok ? authed.value.convo.authorization : authed.error.message
const limited = await B.call(core, getConvo, { params: { convoId: 'limited' } })
out.retried = limited.ok ? limited.response.attempts : 'failed: ' + limited.error.message
const declared = await B.call(core, getConvo, { params: { convoId: 'declared' } })
const error = declared.error
out.classes = {
  'B.XrpcError': error instanceof B.XrpcError,
  'B.XrpcResponseError': error instanceof B.XrpcResponseError,
  'B.InvalidConvoError': error instanceof B.declaredError('InvalidConvo'),
  'A.InvalidConvoError': error instanceof A.declaredError('InvalidConvo'),
  'B.InvalidRequestError (not it)': error instanceof B.InvalidRequestError,
  'B.Core': core instanceof B.Core,
}
out.name = error.name

// A Core of an incompatible copy: refused before sending.
const old = new Old.Core({ service, auth: 'token-of-old' })
out.incompatible = await B.call(old, getConvo, { params: { convoId: 'old' } }).then(
  () => 'sent',
  (e) => ({ configurationError: e instanceof B.ConfigurationError, message: e.message }),
)

// ESM and CommonJS in one process: require() of the package gets the copy import() got.
out.dualLoad = createRequire(import.meta.url + '/../a/')('@lexgen/runtime').Core === A.Core
console.log(JSON.stringify(out))
`

it('a Core of one copy with the functions, layers and classes of another; an incompatible copy refused before sending', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--no-warnings', join(dir, 'main.mjs'), server.url], { cwd: dir })
  const out = JSON.parse(stdout.trim().split('\n').at(-1)!)
  expect(out).toEqual({
    separate: true,
    auth: 'Bearer token-of-a',
    // B's retry layer recognises A's RateLimitExceededError.
    retried: 2,
    classes: {
      'B.XrpcError': true,
      'B.XrpcResponseError': true,
      'B.InvalidConvoError': true,
      'A.InvalidConvoError': true,
      'B.InvalidRequestError (not it)': false,
      'B.Core': true,
    },
    name: 'InvalidConvoError',
    incompatible: { configurationError: true, message: expect.stringMatching(/^this Core comes from another copy of @lexgen\/runtime, an incompatible version of it/) },
    dualLoad: true,
  })
  expect(answered.get('old')).toBeUndefined()
})
