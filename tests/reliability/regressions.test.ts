/**
 * Defects the reliability suite found, each pinned by the smallest case that showed it
 * (the rest are cells of the fault matrix, security.test.ts and limits.test.ts; see docs/RELIABILITY.md).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Core, InvalidResponseError, withDefaults } from '@lexgen/runtime'
import { chatBskyConvoGetConvo, chatBskyConvoListConvos } from '../../generated/index.js'
import { removeDir, runCli, tempDir } from '../codegen/helpers.js'
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
    const core = new Core(withDefaults({ service: server.url, retries: false }))
    const single = await chatBskyConvoGetConvo(core, { convoId: 'c1' })
    expect(single.ok ? single.value : single.error).toBeInstanceOf(InvalidResponseError)
    const paged = await chatBskyConvoListConvos(core, {})
    expect(paged.ok ? paged.value : paged.error).toBeInstanceOf(InvalidResponseError)
    if (!paged.ok) expect(paged.error.message).toMatch(/^Expected a JSON object, got (null|number|string|boolean|an array)$/)
  })
})

describe('a lone surrogate in a lexicon description', () => {
  // Found by fuzz-generator: the JSDoc kept the lone surrogate in memory while the file on disk
  // got U+FFFD, so `check` called a fresh output stale, and every `generate` rewrote it.
  it('generate, then check passes and a second generate changes nothing', async () => {
    const dir = await tempDir('lexgen-surrogate-')
    try {
      await mkdir(join(dir, 'lex'), { recursive: true })
      const doc = { lexicon: 1, id: 'com.example.surrogate', defs: { main: { type: 'token', description: 'half an emoji: \ud83d, and the other half: \ude00' } } }
      await writeFile(join(dir, 'lex/doc.json'), JSON.stringify(doc))
      const args = ['--lexicons', join(dir, 'lex'), '--out', join(dir, 'out'), '--include', '*']
      expect((await runCli(['generate', ...args], dir)).code).toBe(0)
      const check = await runCli(['check', ...args], dir)
      expect(check.code, check.stderr).toBe(0)
      expect((await runCli(['generate', ...args], dir)).stdout).toMatch(/\(0 changed\)/)
    } finally {
      await removeDir(dir)
    }
  })
})
