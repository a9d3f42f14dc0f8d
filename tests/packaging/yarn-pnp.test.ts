/**
 * The packed packages in a Yarn Berry project with its default linker, Plug'n'Play: no
 * node_modules, every package read from a zip archive through Yarn's own fs and resolver. The CLI
 * is run as `yarn lexgen`, the client as `yarn node`, against a real `@atproto/xrpc-server`.
 *
 * Yarn is this repository's pinned devDependency `@yarnpkg/cli-dist` (one bundled file, 3.7 MB),
 * run with node. It fetches the CLI's dependencies from the registry into its own cache (it cannot
 * read npm's), as `npm ci` does for the rest of the tests.
 */
import { execFile } from 'node:child_process'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { removeDir, ROOT } from '../codegen/helpers.js'
import { startChatServer, TEST_TOKEN, type ChatServer } from '../helpers/xrpc-server.js'
import { getConvoProgram, tarballProject } from './support/consumer.js'

// Installing and packing take tens of seconds on a busy 2-core machine: the limit stops a hang.
const SLOW = 10 * 60_000
const YARN = createRequire(import.meta.url).resolve('@yarnpkg/cli-dist/bin/yarn.js')
// CI=true makes Yarn refuse to write the lockfile the first install creates.
const YARN_ENV = { ...process.env, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_ENABLE_TELEMETRY: '0', YARN_ENABLE_PROGRESS_BARS: 'false' }

let dirs: string[] = []
let project: string
let chat: ChatServer

interface Result {
  readonly code: number
  readonly output: string
}

/** `yarn …` in the project, resolving with its exit code and output either way. */
function yarn(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [YARN, ...args], { cwd: project, env: YARN_ENV, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr })
    })
  })
}

async function succeeds(args: string[]): Promise<string> {
  const result = await yarn(args)
  expect(result.code, `yarn ${args.join(' ')}:\n${result.output}`).toBe(0)
  return result.output
}

beforeAll(async () => {
  const made = await tarballProject('yarn-pnp', 'resolutions')
  project = made.project
  dirs = made.dirs
  chat = await startChatServer()
  await writeFile(join(project, 'yarn.lock'), '') // the project's root, whatever the folders above hold
  await writeFile(join(project, '.yarnrc.yml'), 'nodeLinker: pnp\n')
  await succeeds(['install'])
}, SLOW)

afterAll(async () => {
  await chat?.close()
  await Promise.all(dirs.map((dir) => removeDir(dir)))
})

it("generates, checks and runs a client: the generated code's @lexgen/runtime import resolves under PnP", async () => {
  const convoId = chat.store.getConvoForMembers(['did:plc:other']).convo.id as string
  const generate = ['generate', '--lexicons', join(ROOT, 'lexicons'), '--include', 'chat.bsky.convo.getConvo', '--out', 'generated', '--emit', 'js']
  // Yarn's resolver, not node_modules, says the project has the runtime: no warning that it cannot resolve it.
  expect(await succeeds(['lexgen', ...generate])).not.toContain('warning')
  await succeeds(['lexgen', 'check', ...generate.slice(1)])
  await writeFile(join(project, 'main.js'), getConvoProgram(chat.url, TEST_TOKEN, convoId))
  expect((await succeeds(['node', 'main.js'])).trim()).toBe(`got ${convoId}`)
}, SLOW)

it("`lexgen diff` runs its TypeScript source check, reading the runtime's declarations out of Yarn's zip archive", async () => {
  // A required parameter added to getConvo: breaking, and old code that calls it no longer compiles.
  const to = join(project, 'lexicons-new')
  await mkdir(to)
  await cp(join(ROOT, 'lexicons'), to, { recursive: true })
  const file = join(to, 'chat/bsky/convo/getConvo.json')
  const doc = JSON.parse(await readFile(file, 'utf8'))
  doc.defs.main.parameters.required.push('extra')
  doc.defs.main.parameters.properties.extra = { type: 'string' }
  await writeFile(file, JSON.stringify(doc, null, 2))

  const result = await yarn(['lexgen', 'diff', '--from', join(ROOT, 'lexicons'), '--to', to, '--include', 'chat.bsky.convo.getConvo'])
  expect(result.output).not.toContain('internal error')
  expect(result.output).toMatch(/source check \(TypeScript [^)]+\): \d+ checks, \d+ failed/)
  expect(result.output).toContain("property 'extra' is required by the new type but old code does not set it")
  expect(result.code).toBe(1) // breaking, the default --fail-on
}, SLOW)
