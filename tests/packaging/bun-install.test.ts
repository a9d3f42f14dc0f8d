/**
 * The packed packages in a project installed by `bun install` (this repository's devDependency
 * `bun`): the CLI run as `bunx lexgen` (by what its `#!` line names, and by bun with `--bun`), the
 * client run by `bun run` from its TypeScript, against a real `@atproto/xrpc-server`. bun fetches
 * the CLI's dependencies from the registry into its own cache, as `npm ci` does for the rest.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { removeDir, ROOT } from '../codegen/helpers.js'
import { startChatServer, TEST_TOKEN, type ChatServer } from '../helpers/xrpc-server.js'
import { getConvoProgram, tarballProject } from './support/consumer.js'

// Installing and packing take tens of seconds on a busy 2-core machine: the limit stops a hang.
const SLOW = 10 * 60_000
const BUN = join(ROOT, 'node_modules/.bin/bun')
const run = promisify(execFile)

let dirs: string[] = []
let project: string
let chat: ChatServer

/** `bun …` in the project; rejects with its output when it exits non-zero. */
async function bun(args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(BUN, args, { cwd: project, maxBuffer: 64 * 1024 * 1024 })
    return stdout + stderr
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string }
    throw new Error(`bun ${args.join(' ')} failed (exit ${e.code}):\n${e.stdout ?? ''}${e.stderr ?? e.message}`)
  }
}

beforeAll(async () => {
  const made = await tarballProject('bun', 'overrides')
  project = made.project
  dirs = made.dirs
  chat = await startChatServer()
  await bun(['install', '--no-progress'])
}, SLOW)

afterAll(async () => {
  await chat?.close()
  await Promise.all(dirs.map((dir) => removeDir(dir)))
})

it.each([
  { how: 'bunx lexgen', flags: [] },
  { how: 'bun --bun x lexgen', flags: ['--bun'] },
])('$how: generates and checks a client, which `bun run` runs', async ({ flags }) => {
  const convoId = chat.store.getConvoForMembers(['did:plc:other']).convo.id as string
  const generate = ['generate', '--lexicons', join(ROOT, 'lexicons'), '--include', 'chat.bsky.convo.getConvo', '--out', 'generated']
  await bun([...flags, 'x', 'lexgen', ...generate])
  await bun([...flags, 'x', 'lexgen', 'check', ...generate.slice(1)])
  await writeFile(join(project, 'main.ts'), getConvoProgram(chat.url, TEST_TOKEN, convoId))
  expect((await bun(['run', 'main.ts'])).trim()).toBe(`got ${convoId}`)
}, SLOW)
