/** Runs examples/send-and-list.ts as a user would, against the local chat server. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startChatServer, TEST_TOKEN, type ChatServer } from '../helpers/xrpc-server.js'

const ROOT = join(import.meta.dirname, '../..')
let server: ChatServer

beforeAll(async () => {
  server = await startChatServer()
})

afterAll(async () => {
  await server.close()
})

it('examples/send-and-list.ts sends a message and lists conversations', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=lexgen-source', '--import', 'tsx', 'examples/send-and-list.ts', 'did:plc:friend', 'hi from the example'],
    { cwd: ROOT, env: { ...process.env, ATPROTO_SERVICE: server.url, ATPROTO_TOKEN: TEST_TOKEN }, timeout: 20_000 },
  )
  const [sent, ...convos] = stdout.trim().split('\n')
  expect(sent).toMatch(/^sent msg-\d+ to convo-1$/)
  expect(convos).toEqual([expect.stringMatching(/^convo-1\tfriend\.test, viewer\.test\t0 unread\thi from the example$/)])
  expect(server.store.getMessages('convo-1').messages.map((m) => m.text)).toEqual(['hi from the example'])
  expect(server.requests.map((r) => r.nsid)).toEqual(['chat.bsky.convo.getConvoForMembers', 'chat.bsky.convo.sendMessage', 'chat.bsky.convo.listConvos'])
})
