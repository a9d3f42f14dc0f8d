import { writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lexiconDir, removeDir, runCli, snapshotDir, spawnCli, tempDir } from './helpers.js'

const query = (id: string, main: object = {}) => ({
  lexicon: 1,
  id,
  defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'object', properties: {} } }, ...main } },
})
const valid = { 'com/example/ok.json': query('com.example.ok') }

/** A previous good generation, which every failed run must leave exactly as it was. */
let out: string
let previous: Map<string, string>
const dirs: string[] = []

beforeAll(async () => {
  out = await tempDir()
  const lexicons = await lexiconDir(valid)
  dirs.push(out, lexicons)
  expect((await runCli(['generate', '--lexicons', lexicons, '--out', out, '--include', '*'])).code).toBe(0)
  previous = await snapshotDir(out)
})
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

async function generateWith(docs: Record<string, unknown>, extra: string[] = ['--include', '*']) {
  const lexicons = await lexiconDir(docs)
  dirs.push(lexicons)
  const result = await runCli(['generate', '--lexicons', lexicons, '--out', out, ...extra])
  return { ...result, stderr: result.stderr.replaceAll(lexicons, '<lexicons>') }
}

const cases: { name: string; docs: Record<string, unknown>; args?: string[]; message: string }[] = [
  {
    name: 'a file that is not JSON',
    docs: { ...valid, 'com/example/broken.json': '{\n  "lexicon": 1,\n  "id": "com.example.broken",,\n}' },
    message: 'com/example/broken.json: not valid JSON (Expected double-quoted property name at line 3, column 30)',
  },
  {
    name: 'a param type @atproto/lexicon rejects',
    docs: { 'com/example/bad.json': query('com.example.bad', { parameters: { type: 'params', properties: { q: { type: 'object' } } } }) },
    message:
      "com/example/bad.json at defs.main.parameters.properties.q.type: Invalid discriminator value. Expected 'array' | 'boolean' | 'integer' | 'string' | 'unknown'",
  },
  {
    name: 'an id that is not an NSID',
    docs: { 'bad.json': { lexicon: 1, id: 'not an nsid', defs: { main: { type: 'token' } } } },
    message: 'bad.json at id: Must be a valid NSID',
  },
  {
    name: 'an unsupported lexicon version',
    docs: { 'com/example/v2.json': { ...query('com.example.v2'), lexicon: 2 } },
    message: 'com/example/v2.json at lexicon: Invalid literal value, expected 1',
  },
  {
    name: 'a reference to a doc that does not exist',
    docs: {
      'com/example/ref.json': query('com.example.ref', {
        output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.example.missing#thing' } },
      }),
    },
    message:
      "com/example/ref.json at defs.main.output.schema.ref: reference 'com.example.missing#thing' names lexicon 'com.example.missing', which is not in the lexicon directory",
  },
  {
    name: 'a reference to a def that does not exist',
    docs: {
      ...valid,
      'com/example/ref.json': query('com.example.ref', {
        output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.example.ok#nope' } },
      }),
    },
    message: "com/example/ref.json at defs.main.output.schema.ref: reference 'com.example.ok#nope' names def 'nope', which 'com.example.ok' does not define",
  },
  {
    name: 'a union member that is not an object',
    docs: {
      'com/example/union.json': {
        lexicon: 1,
        id: 'com.example.union',
        defs: {
          main: { type: 'object', properties: { u: { type: 'union', refs: ['#tok'] } } },
          tok: { type: 'token' },
        },
      },
    },
    message: "com/example/union.json at defs.main.properties.u.refs[0]: reference '#tok' names a token def, which cannot be a union member",
  },
  {
    name: 'a duplicate NSID',
    docs: { ...valid, 'com/example/copy.json': query('com.example.ok') },
    message: "com/example/ok.json at id: duplicate lexicon id 'com.example.ok' (already defined in com/example/copy.json)",
  },
  {
    name: 'an --include that matches nothing',
    docs: valid,
    args: ['--include', 'chat.bsky.*', '--exclude', 'x.*'],
    message: "no lexicon matches --include 'chat.bsky.*' after --exclude 'x.*'",
  },
  {
    name: 'a lexicon directory without lexicons',
    docs: { 'README.md': 'nothing here' },
    message: '<lexicons>: no lexicon files (*.json) found',
  },
  {
    name: 'a constraint of the wrong type',
    docs: {
      'com/example/obj.json': {
        lexicon: 1,
        id: 'com.example.obj',
        defs: { main: { type: 'object', properties: { text: { type: 'string', maxLength: 'ten' } } } },
      },
    },
    message: 'com/example/obj.json at defs.main.properties.text.maxLength: Expected number, received string',
  },
]

describe('bad input: a clear message, exit 1, and the output untouched', () => {
  it.each(cases)('$name', async ({ docs, args, message }) => {
    const result = await generateWith(docs, args)
    expect(result.stderr).toBe(`lexgen: error: ${message}\n`)
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(await snapshotDir(out)).toEqual(previous)
  })

  it('exits 1 from the real binary with no stack trace', async () => {
    const lexicons = await lexiconDir({ 'x.json': '[' })
    dirs.push(lexicons)
    const result = await spawnCli(['generate', '--lexicons', lexicons, '--out', out, '--include', '*'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('lexgen: error: x.json: not valid JSON (Unexpected end of JSON input)\n')
    expect(await snapshotDir(out)).toEqual(previous)
  })

  it('exits 1 on a missing lexicon directory and an unknown config key', async () => {
    const missing = await runCli(['generate', '--lexicons', '/nonexistent/lexicons', '--out', out, '--include', '*'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^lexgen: error: \/nonexistent\/lexicons: cannot read lexicon directory: ENOENT/)

    const dir = await tempDir()
    dirs.push(dir)
    await mkdir(join(dir, 'sub'))
    await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify({ include: ['*'], ouput: 'typo' }))
    const config = await runCli(['generate'], dir)
    expect(config.code).toBe(1)
    expect(config.stderr).toBe(
      `lexgen: error: ${join(dir, 'lexgen.config.json')} at ouput: unknown config key (expected one of lexicons, out, include, exclude, runtimeImport, docs, strict, fileExt, emit, pull)\n`,
    )
  })

  it('exits 2 on an unknown flag', async () => {
    const result = await runCli(['generate', '--bogus'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("unknown option '--bogus'")
  })
})
