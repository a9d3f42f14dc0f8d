/**
 * Defects the reliability suite found, each pinned by the smallest case that showed it
 * (the rest are cells of the fault matrix, security.test.ts and limits.test.ts; see docs/RELIABILITY.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Core, InvalidResponseError } from 'lexgen/runtime'
import { chatBskyConvoGetConvo, chatBskyConvoListConvos } from '../../generated/index.js'
import { startFaultServer, type FaultServer } from './support/fault-server.js'

let server: FaultServer
beforeAll(async () => {
  server = await startFaultServer()
})
afterAll(async () => {
  await server.close()
})

describe('a 2xx JSON body that is not an object', () => {
  // Found by fuzz-responses: `null` came back as the output (the caller's `const { convo } = value`
  // threw a TypeError), and a paged method turned `""` or `5` into an empty page `{}` as if all was well.
  it.each(['null', '5', '"text"', 'true', '[]', '[{"id":"c1"}]'])('%s is an InvalidResponseError, paged or not', async (body) => {
    server.handle((_req, res) => (res.writeHead(200, { 'content-type': 'application/json' }), res.end(body)))
    const core = new Core({ service: server.url, retries: false })
    const single = await chatBskyConvoGetConvo(core, { convoId: 'c1' })
    expect(single.ok ? single.value : single.error).toBeInstanceOf(InvalidResponseError)
    const paged = await chatBskyConvoListConvos(core, {})
    expect(paged.ok ? paged.value : paged.error).toBeInstanceOf(InvalidResponseError)
    if (!paged.ok) expect(paged.error.message).toMatch(/^Expected a JSON object, got (null|number|string|boolean|an array)$/)
  })
})
