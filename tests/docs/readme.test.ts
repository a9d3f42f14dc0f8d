/**
 * The TypeScript blocks of README.md typecheck, together, in a strict user project against the
 * committed client, the runtime and the lexgen package, as a reader would paste them. A block
 * uses names it does not define (a token, a store): each gets a prelude declaring them, keyed by
 * a line of the block, so a new block fails here until it is given one or named as checked elsewhere.
 */
import { readFile, symlink } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { ROOT, typecheck, userProject } from './support.js'

/** What each block assumes, declared; keyed by a line the block holds. */
const PRELUDES: ReadonlyMap<string, string> = new Map([
  ["const session = new CredentialSession({ service: 'https://bsky.social' })", ''],
  ['const chat = new Client({ auth: oauthSession })', "import { Client } from './generated/index.js'\nimport type { SessionManager } from '@lexgen/runtime'\ndeclare const oauthClient: { restore(did: string): Promise<SessionManager> }\ndeclare const did: string"],
  ['const { convo } = await client.chat.bsky.convo.getConvo({ convoId })', 'declare const tokens: { accessJwt: string }\ndeclare const convoId: string\ndeclare const token: string'],
  ['const traced: Layer = (next) => async (request) => {', 'declare const metrics: { count(error: string): void }\ndeclare const service: string\ndeclare const token: string'],
  ["  service: 'https://pds.example.com',", 'declare const store: { save(data: unknown): void }\ndeclare const password: string'],
  ['const first = await client.chat.bsky.convo.listConvos({ limit: 50 }, { maxPages: 20 })', "import type { Client } from './generated/index.js'\ndeclare const client: Client"],
  ['    for await (const page of await client.chat.bsky.convo.getLog({ cursor })) {', "import type { Client } from './generated/index.js'\ndeclare const client: Client"],
  ["  await readLexiconsAtRef('lexicons', 'HEAD', 'HEAD:lexicons'),", ''],
  ["import * as GetConvo from './generated/chat/bsky/convo/getConvo.js'", 'declare const token: string\ndeclare const convoId: string'],
])

/** Blocks checked by other tests, or no code: keyed the same way. */
const ELSEWHERE: ReadonlyMap<string, string> = new Map([
  ["import lexgen = require('./generated/index.mjs')", 'CommonJS: tests/consumers (program.ts) compiles this form'],
  ["  const { Client } = await import('./generated/index.mjs')", 'CommonJS: tests/consumers (program.ts) compiles this form'],
  ["const lexgen: typeof import('./generated/index.mjs') = require('./generated/index.mjs')", "CommonJS: tests/packaging/pack.test.ts compiles the README's typed require"],
  ["  format: 'lexgen-diff/1'", 'a sketch of the JSON report (codegen/changes/report.ts), not code'],
])

it("every TypeScript block of README.md typechecks in a strict user project (each with its prelude)", async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  // Fenced where they stand, list items included (indented): the indent is the item's, not the code's.
  const blocks = [...readme.matchAll(/^( *)```ts\n([\s\S]*?)^\1```$/gm)].map(([, indent, code]) => ({ code: code!.split('\n').map((line) => line.slice(indent!.length)).join('\n') }))
  const keyOf = (code: string, keys: ReadonlyMap<string, string>) => code.split('\n').find((line) => keys.has(line))
  const unknown = blocks.filter((block) => keyOf(block.code, PRELUDES) === undefined && keyOf(block.code, ELSEWHERE) === undefined)
  expect(unknown.map((block) => block.code.split('\n')[0]), 'README blocks with no prelude here').toEqual([])
  const checked = blocks.filter((block) => keyOf(block.code, PRELUDES) !== undefined)
  expect(checked.length).toBe(PRELUDES.size)

  const project = await userProject()
  try {
    // The lexgen package, for the block that uses its stages from code.
    await symlink(join(ROOT, 'codegen'), join(project.dir, 'node_modules/lexgen'), 'dir')
    const files = await Promise.all(
      checked.map((block, i) => project.write(`readme${i}.ts`, `${PRELUDES.get(keyOf(block.code, PRELUDES)!)}\n${block.code}\nexport {}\n`)),
    )
    const result = await typecheck(project.dir, files)
    expect(result.output).toBe('')
    expect(result.code).toBe(0)
  } finally {
    await project.close()
  }
})
