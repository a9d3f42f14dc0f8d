/**
 * Conformance with the public atproto interop suite (bluesky-social/atproto-interop-tests,
 * `lexicon/`, vendored next to this file with its commit in SOURCE.md):
 * - every valid lexicon (and the catalog) generates code that strict tsc accepts;
 * - every invalid one is refused, exit 1, naming the file and the JSON path;
 * - the generated record validator gives the suite's verdict on its record data.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validate } from '../../runtime/validation.js'
import type { Validator } from '../../runtime/validate.js'
import { LEXICONS, makeTypecheckable, removeDir, ROOT, runCli, tempDir, typecheck } from '../codegen/helpers.js'

const SUITE = join(import.meta.dirname, 'atproto-interop-tests/lexicon')
const read = async <T>(file: string): Promise<T> => JSON.parse(await readFile(join(SUITE, file), 'utf8')) as T
type Case = { name: string; lexicon: { id?: unknown } }

let root: string
beforeAll(async () => {
  root = await tempDir('lexgen-interop-')
})
afterAll(async () => {
  await removeDir(root)
})

/** A lexicon folder: the catalog (or one suite case) plus the repo's snapshot, which the catalog's procedure refers into. */
async function lexiconFolder(name: string, docs: Record<string, unknown>): Promise<string> {
  const dir = join(root, name, 'lexicons')
  await cp(LEXICONS, dir, { recursive: true })
  for (const [file, doc] of Object.entries(docs)) {
    await mkdir(join(dir, file, '..'), { recursive: true })
    await writeFile(join(dir, file), JSON.stringify(doc))
  }
  return dir
}

describe('valid lexicons generate code that compiles', async () => {
  const valid = await read<Case[]>('lexicon-valid.json')
  const catalog = ['permission-set', 'procedure', 'query', 'record', 'subscription']

  it('the catalog and every valid case: exit 0, strict tsc passes', async () => {
    const project = join(root, 'valid-out')
    const runs: [string, Record<string, unknown>][] = [
      ['catalog', Object.fromEntries(await Promise.all(catalog.map(async (f) => [`example/lexicon/${f}.json`, await read(`catalog/${f}.json`)])))],
      ...valid.map((c, i): [string, Record<string, unknown>] => [`valid-${i}`, { 'example/case.json': c.lexicon }]),
    ]
    for (const [name, docs] of runs) {
      const lexicons = await lexiconFolder(name, docs)
      const result = await runCli(['generate', '--lexicons', lexicons, '--out', join(project, name), '--include', 'example.*'])
      expect(result.stderr, name).toBe('')
      expect(result.code, name).toBe(0)
    }
    const tsc = await typecheck(await makeTypecheckable(project))
    expect(tsc.output).toBe('')
    expect(tsc.code).toBe(0)
  })
})

describe('invalid lexicons are refused with the file, the JSON path and the reason', async () => {
  const invalid = await read<Case[]>('lexicon-invalid.json')
  const where: Record<string, RegExp> = {
    'invalid lexicon field': /^lexgen: error: lexicons\/case\.json:1:\d+ at lexicon: Expected 1, got 'one'\n$/,
    'invalid id field': /^lexgen: error: lexicons\/case\.json:1:\d+ at id: Expected string, received number\n$/,
    'invalid NSID': /^lexgen: error: lexicons\/case\.json:1:\d+ at id: Must be a valid NSID\n$/,
    'defined unknown': /^lexgen: error: lexicons\/case\.json:1:\d+ at defs\.demo\.type: an 'unknown' cannot be a named definition/,
    'defined ref': /^ {2}lexicons\/case\.json:1:\d+ at defs\.demo\.type: Expected 'record' \| 'permission-set' \| 'query' .*, got 'ref'$/m,
    'non-main primary': /^ {2}lexicons\/case\.json:1:\d+ at defs\.demo\.type: Records, permission sets, procedures, queries, and subscriptions must be the main definition\.$/m,
    'record missing type object': /^lexgen: error: lexicons\/case\.json:1:\d+ at defs\.main\.record\.type: Expected 'object', got nothing\n$/,
  }

  it('covers every case of the suite', () => {
    expect(invalid.map((c) => c.name).sort()).toEqual(Object.keys(where).sort())
  })

  it.each(invalid.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const dir = join(root, `invalid-${name.replace(/\W+/g, '-')}`)
    await mkdir(join(dir, 'lexicons'), { recursive: true })
    await writeFile(join(dir, 'lexicons/case.json'), JSON.stringify(c.lexicon))
    const result = await runCli(['generate', '--lexicons', join(dir, 'lexicons'), '--out', join(dir, 'out'), '--include', '*'], dir)
    expect(result.stderr).toMatch(where[name]!)
    expect(result.code).toBe(1)
  })
})

describe("the generated record validator gives the suite's verdict on its record data", async () => {
  type Record = { name: string; data: unknown }
  const valid = await read<Record[]>('record-data-valid.json')
  const invalid = await read<Record[]>('record-data-invalid.json')
  let validateRecord: Validator

  beforeAll(async () => {
    const lexicons = await lexiconFolder('records', { 'example/lexicon/record.json': await read('catalog/record.json') })
    const out = join(root, 'records-out')
    const runtime = join(ROOT, 'runtime/index.ts')
    const result = await runCli(['generate', '--lexicons', lexicons, '--out', out, '--include', 'example.lexicon.record', '--runtime-import', runtime])
    expect(result.code, result.stderr).toBe(0)
    validateRecord = (await import(join(out, 'example/lexicon/record.ts'))).validateRecord
  })

  // Records at rest, as a PDS checks them: blob `accept` and `maxSize` included.
  const issues = (data: unknown) => validate(validateRecord, data, false, true)

  it.each(valid.map((r) => [r.name, r] as const))('valid: %s', (_name, r) => {
    expect(issues(r.data)).toEqual([])
  })

  it.each(invalid.map((r, i) => [`${r.name} (#${i})`, r] as const))('invalid: %s', (_name, r) => {
    expect(issues(r.data).length).toBeGreaterThan(0)
  })

  it('names the deepest path of a nested object', () => {
    const bad = invalid.find((r) => r.name === 'object nested wrong data type')!
    expect(issues(bad.data)).toEqual([{ path: 'object.a', message: 'must be an integer, got string' }])
  })
})
