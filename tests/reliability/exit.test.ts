/**
 * A bot that is done exits by itself: a child process (support/exit-child.ts) makes one call of
 * every kind through a CredentialSession's Client, with its shutdown signal, against the real
 * @atproto/xrpc-server (xrpc-server.ts), and returns without `process.exit`. With each transport
 * (node:http, fetch, an undici dispatcher): every call ends as it should, no timer is left armed
 * once they have (retry backoff, deadlines, refresh bounds), and the process ends on its own with
 * code 0. Waited for by the child's 'exit' event; the spawn timeout is only a hang guard.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../codegen/helpers.js'
import { closedPort } from '../helpers/listen.js'
import { startChatServer, type ChatServer } from '../helpers/xrpc-server.js'

const run = promisify(execFile)
let server: ChatServer
let refused: string
const failedOnce = new Set<string>()

beforeAll(async () => {
  server = await startChatServer()
  server.store.getConvoForMembers(['did:plc:friend'], 'accepted')
  server.store.getConvoForMembers(['did:plc:other'], 'accepted')
  refused = await closedPort()
  // Each child's calls are told apart by their convoId; `failedOnce` is cleared per child.
  server.intercept((req, res, route) => {
    const url = req.url ?? ''
    const json = (status: number, body: object, headers = {}) => void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
    const once = (key: string) => !failedOnce.has(key) && failedOnce.add(key)
    if (url.includes('convoId=fail-500-once')) return once('500') ? json(500, { error: 'InternalServerError' }) : json(200, { convo: server.store.getConvo('convo-1').convo })
    if (url.includes('convoId=retry-after-once')) return once('503') ? json(503, { error: 'Unavailable' }, { 'retry-after': '0' }) : json(200, { convo: server.store.getConvo('convo-1').convo })
    if (url.includes('convoId=stall-body')) return void res.writeHead(200, { 'content-type': 'application/json' }).write('{"convo":')
    if (url.includes('convoId=hold')) return
    if (url.includes('convoId=expire-tokens') && once('expire')) {
      server.sessions.expireAccessTokens()
      return json(400, { error: 'ExpiredToken', message: 'Token has expired' })
    }
    if (url.includes('convoId=expire-tokens')) return json(200, { convo: server.store.getConvo('convo-1').convo })
    route()
  })
})
afterAll(async () => {
  server.intercept(undefined)
  await server.close()
})

describe.each(['node', 'fetch', 'undici'])('a bot that is done exits by itself (%s)', (transport) => {
  it('every call ends as it should, no timer is left, and the process ends with code 0', async () => {
    failedOnce.clear()
    const args = ['--conditions=lexgen-source', '--import', 'tsx', 'tests/reliability/support/exit-child.ts', transport, server.url, refused]
    // execFile resolves on the child's exit (code 0); the timeout only guards against a hang.
    const { stdout } = await run(process.execPath, args, { cwd: ROOT, timeout: 90_000 })
    const { outcomes, timers } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { outcomes: Record<string, string>; timers: number }
    expect(outcomes).toEqual({
      ok: 'ok',
      '500 then ok': 'ok',
      '503 Retry-After then ok': 'ok',
      'timeout mid-body': 'TimeoutError',
      aborted: 'AbortError',
      refused: 'ConnectionError',
      'expired token, refreshed': 'ok',
      refreshed: 'true',
    })
    expect(timers).toBe(0)
  })
})
