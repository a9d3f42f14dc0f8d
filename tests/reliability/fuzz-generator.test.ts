/**
 * Random and mutated lexicon docs into the generator (seeded fast-check). Each case writes a
 * small lexicon directory and runs the in-process `generate()`: it must resolve to files or
 * reject with a LexgenError whose message is a clear one-liner-or-so with no stack trace;
 * anything else is a crash. Every generated file must have a safe relative path and no lexicon
 * text escaped into code (the canary of support/hostile.ts). A sample of the successful outputs
 * is type-checked with tsc, and a share of the cases also go through the CLI against an output
 * directory holding a previous generation: exit 0 with exactly the new files, or exit 1 with the
 * previous output byte-for-byte intact and no temp directory left behind.
 */
import fc from 'fast-check'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate, LexgenError, type ResolvedOptions } from '../../codegen/index.js'
import { LEXICONS, makeTypecheckable, removeDir, snapshotDir, runCli, tempDir, typecheck } from '../codegen/helpers.js'
import { CANARY_IN_CODE, hostileName, hostileText, RAW_CONTROL } from './support/hostile.js'
import { report, runs, SEED } from './support/seed.js'
import { codeOnly } from './support/ts-lexer.js'
import { readFile } from 'node:fs/promises'

/** Real docs with every construct the generator knows, whose references close among themselves. */
const BASE_IDS = [
  'chat.bsky.actor.declaration',
  'chat.bsky.convo.getUnreadCounts',
  'chat.bsky.notification.defs',
  'chat.bsky.notification.putPreferences',
  'com.atproto.repo.applyWrites',
  'com.atproto.repo.defs',
  'com.atproto.repo.listRecords',
  'com.atproto.repo.uploadBlob',
  'com.atproto.server.createSession',
  'com.atproto.server.describeServer',
]
const base = new Map<string, Record<string, unknown>>()
let root: string
let previousOut: string
let previous: Map<string, string>
const successes: { name: string; files: ReadonlyMap<string, string> }[] = []

beforeAll(async () => {
  for (const id of BASE_IDS) base.set(id, JSON.parse(await readFile(join(LEXICONS, ...id.split('.')) + '.json', 'utf8')))
  root = await tempDir('lexgen-fuzzgen-')
  // The output a previous run left: every CLI case must either replace it whole or leave it be.
  previousOut = join(root, 'out')
  const lexicons = await writeDocs(join(root, 'base'), [...base.values()])
  const first = await runCli(['generate', '--lexicons', lexicons, '--out', previousOut, '--include', '*'], root)
  expect(first.code, first.stderr).toBe(0)
  previous = await snapshotDir(previousOut)
})
afterAll(async () => {
  await removeDir(root)
})

async function writeDocs(dir: string, docs: readonly unknown[]): Promise<string> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  await Promise.all(
    docs.map((doc, i) => {
      const id = (doc as { id?: unknown })?.id
      // Files are named by position: the id may be anything, including a path.
      const file = join(dir, `doc-${i}-${typeof id === 'string' ? id.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 60) : 'x'}.json`)
      return mkdir(dirname(file), { recursive: true }).then(() => writeFile(file, typeof doc === 'string' ? doc : JSON.stringify(doc)))
    }),
  )
  return dir
}

// ---------------------------------------------------------------- arbitraries

/*
 * The values a random schema names (its const and default) come from its enum and fit its bounds
 * and format, as in a real lexicon: the generator refuses contradictory constraints (codegen/contradictions.ts,
 * tested in tests/codegen/problems.test.ts), and random ones would leave almost no doc to emit.
 */
type Leaf = Record<string, unknown>

function sameDefaultAsConst<S extends Leaf>(schema: S): S {
  return schema.const !== undefined && schema.default !== undefined ? { ...schema, default: schema.const } : schema
}

function coherentString(schema: Leaf): Leaf {
  const s = { ...schema } as Leaf & { enum?: string[]; const?: string; default?: string; minLength?: number; maxLength?: number; maxGraphemes?: number }
  if (s.enum && s.const !== undefined) s.const = s.enum[0]
  if (s.enum && s.default !== undefined) s.default = s.enum.at(-1)
  const named = [...(s.enum ?? []), s.const, s.default].filter((value): value is string => value !== undefined)
  for (const value of named) {
    if (s.maxLength !== undefined) s.maxLength = Math.max(s.maxLength, Buffer.byteLength(value))
    if (s.minLength !== undefined) s.minLength = Math.min(s.minLength, Buffer.byteLength(value))
    if (s.maxGraphemes !== undefined) s.maxGraphemes = Math.max(s.maxGraphemes, [...new Intl.Segmenter().segment(value)].length)
  }
  if (s.minLength !== undefined && s.maxLength !== undefined && s.maxLength < s.minLength) s.maxLength = s.minLength
  // Random text is almost never a valid datetime or DID: a format goes with schemas that name no value.
  if (named.length) delete s.format
  return sameDefaultAsConst(s)
}

function coherentInteger(schema: Leaf): Leaf {
  const s = { ...schema } as Leaf & { enum?: number[]; const?: number; default?: number; minimum?: number; maximum?: number }
  if (s.minimum !== undefined && s.maximum !== undefined && s.minimum > s.maximum) [s.minimum, s.maximum] = [s.maximum, s.minimum]
  const clamp = (n: number) => Math.min(s.maximum ?? n, Math.max(s.minimum ?? n, n))
  if (s.enum) s.enum = s.enum.map(clamp)
  if (s.const !== undefined) s.const = s.enum ? s.enum[0] : clamp(s.const)
  if (s.default !== undefined) s.default = s.enum ? s.enum.at(-1) : clamp(s.default)
  return sameDefaultAsConst(s)
}

const nsidSegment = fc.oneof(
  { weight: 40, arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,7}$/) },
  { weight: 1, arbitrary: fc.constantFrom('..', '.', '', '/', '\\', '%2e%2e', 'a/b', '..\\x', 'con', 'index', 'node_modules', '__proto__', 'A', 'a-b', '0a', 'é') },
)
const nsid = fc.array(nsidSegment, { minLength: 3, maxLength: 5 }).map((s) => s.join('.'))

const stringSchema = fc.record(
  {
    type: fc.constant('string'),
    description: hostileText,
    knownValues: fc.array(hostileText, { maxLength: 3 }),
    enum: fc.array(hostileText, { minLength: 1, maxLength: 3 }),
    const: hostileText,
    default: hostileText,
    format: fc.constantFrom('datetime', 'uri', 'at-uri', 'did', 'handle', 'at-identifier', 'nsid', 'cid', 'language', 'tid', 'record-key'),
    maxLength: fc.nat({ max: 3000 }),
    minLength: fc.nat({ max: 5 }),
    maxGraphemes: fc.nat({ max: 300 }),
  },
  { requiredKeys: ['type'] },
).map(coherentString)
const integerSchema = fc
  .record(
    { type: fc.constant('integer'), description: hostileText, minimum: fc.integer({ min: -5, max: 5 }), maximum: fc.integer({ min: 0, max: 1e6 }), enum: fc.array(fc.integer(), { minLength: 1, maxLength: 3 }), const: fc.integer(), default: fc.integer() },
    { requiredKeys: ['type'] },
  )
  .map(coherentInteger)
const leafSchema = fc.oneof(
  stringSchema,
  integerSchema,
  fc.record({ type: fc.constant('boolean'), description: hostileText, default: fc.boolean(), const: fc.boolean() }, { requiredKeys: ['type'] }).map(sameDefaultAsConst),
  fc.record({ type: fc.constantFrom('unknown', 'cid-link', 'bytes'), description: hostileText }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('blob'), accept: fc.array(hostileText, { maxLength: 2 }), maxSize: fc.nat() }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('ref'), ref: fc.constantFrom('#other', '#token', '#missing', 'com.atproto.repo.defs#commitMeta', 'nope.nope.nope') }),
  fc.record({ type: fc.constant('union'), refs: fc.array(fc.constantFrom('#other', '#token', '#main', 'com.atproto.repo.defs#commitMeta'), { maxLength: 3 }), closed: fc.boolean() }, { requiredKeys: ['type', 'refs'] }),
)
const fieldSchema = fc.oneof({ weight: 4, arbitrary: leafSchema }, { weight: 1, arbitrary: fc.record({ type: fc.constant('array'), items: leafSchema, maxLength: fc.nat({ max: 50 }), description: hostileText }, { requiredKeys: ['type', 'items'] }) })
const objectSchema = fc
  .tuple(
    fc.dictionary(fc.oneof(hostileName, fc.stringMatching(/^[a-z][a-zA-Z]{0,6}$/)), fieldSchema, { maxKeys: 4 }),
    fc.boolean(),
    hostileText,
    // Now and then a required field that is not defined: a lexicon error.
    fc.oneof({ weight: 9, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }) }),
  )
  .map(([properties, requireAll, description, extraRequired]) => ({
    type: 'object',
    description,
    required: [...(requireAll ? Object.keys(properties) : []), ...extraRequired],
    properties,
  }))
const body = fc.record({ encoding: fc.oneof(fc.constant('application/json'), fc.constant('*/*'), hostileText), description: hostileText, schema: objectSchema }, { requiredKeys: ['encoding'] })
const errors = fc.array(fc.record({ name: fc.oneof(hostileName, fc.constantFrom('Valid', 'ExpiredToken', 'constructor', '__proto__')), description: hostileText }, { requiredKeys: ['name'] }), { maxLength: 3 })
const mainDef = fc.oneof(
  fc.record({ type: fc.constant('query'), description: hostileText, parameters: fc.record({ type: fc.constant('params'), properties: fc.dictionary(fc.oneof(hostileName, fc.constant('cursor')), fc.oneof(stringSchema, integerSchema), { maxKeys: 3 }) }), output: body, errors }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('procedure'), description: hostileText, input: body, output: body, errors }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('record'), key: fc.constantFrom('tid', 'any', 'literal:self', 'nsid'), record: objectSchema, description: hostileText }, { requiredKeys: ['type', 'record'] }),
  objectSchema,
  stringSchema,
  fc.record({ type: fc.constant('token'), description: hostileText }),
)
const randomDoc = fc
  .tuple(nsid, hostileText, mainDef, objectSchema, fc.dictionary(hostileName, fc.oneof(objectSchema, stringSchema, fc.record({ type: fc.constant('token'), description: hostileText })), { maxKeys: 2 }))
  .map(([id, description, main, other, extra]) => ({ lexicon: 1, id, description, defs: { main, other, token: { type: 'token', description }, ...extra } }))

/** One edit to a real doc: a value replaced, a key dropped, text made hostile, a type changed. */
type Edit = { top: boolean; path: number[]; op: 'json' | 'delete' | 'hostile' | 'type' | 'addProperty'; json: unknown; text: string; type: string }
const edit: fc.Arbitrary<Edit> = fc.record({
  // Mostly inside `defs`: an edit to `lexicon` or `id` is rejected up front and teaches little.
  top: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 7, arbitrary: fc.constant(false) }),
  path: fc.array(fc.nat(), { minLength: 1, maxLength: 7 }),
  op: fc.constantFrom('json', 'delete', 'hostile', 'hostile', 'type', 'addProperty'),
  json: fc.jsonValue({ maxDepth: 2 }),
  text: hostileText,
  type: fc.constantFrom('object', 'string', 'integer', 'boolean', 'array', 'ref', 'union', 'token', 'query', 'procedure', 'record', 'blob', 'unknown', 'params', 'subscription', 'null', 'Object'),
})

function applyEdit(doc: unknown, e: Edit): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>
  let node = e.top || typeof copy?.defs !== 'object' || copy.defs === null ? copy : (copy.defs as Record<string, unknown>)
  for (let depth = 0; depth < e.path.length; depth++) {
    const keys = node && typeof node === 'object' ? Object.keys(node) : []
    if (keys.length === 0) break
    const key = keys[e.path[depth]! % keys.length]!
    const child = node[key]
    const last = depth === e.path.length - 1 || typeof child !== 'object' || child === null
    if (last) {
      if (e.op === 'delete') delete node[key]
      else if (e.op === 'json') node[key] = e.json
      else if (e.op === 'hostile') node[key] = typeof child === 'string' || typeof child !== 'object' ? e.text : child
      else if (e.op === 'type' && typeof child === 'object' && child !== null) (child as Record<string, unknown>).type = e.type
      else if (e.op === 'type') node.type = e.type
      else if (e.op === 'addProperty') {
        const target = typeof child === 'object' && child !== null ? (child as Record<string, unknown>) : node
        target[e.text] = { type: 'string', description: e.text, knownValues: [e.text] }
      }
      return copy
    }
    node = child as Record<string, unknown>
  }
  return copy
}

const mutatedSet = fc.tuple(fc.constantFrom(...BASE_IDS), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([id, edits]) => {
  const docs = new Map(base)
  docs.set(id, edits.reduce<unknown>((doc, e) => applyEdit(doc, e), base.get(id)) as Record<string, unknown>)
  return { name: `mutated ${id}`, docs: [...docs.values()] as unknown[] }
})
const randomSet = fc.array(randomDoc, { minLength: 1, maxLength: 3 }).map((docs) => ({ name: 'random', docs: [...base.values(), ...docs] as unknown[] }))
const garbageSet = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ maxLength: 20 }).map((s) => `{"lexicon": 1, ${s}`)).map((doc) => ({ name: 'garbage', docs: [...base.values(), typeof doc === 'string' ? doc : doc] as unknown[] }))
const docSet = fc.oneof({ weight: 5, arbitrary: mutatedSet }, { weight: 4, arbitrary: randomSet }, { weight: 1, arbitrary: garbageSet })

// ---------------------------------------------------------------- checks

const SAFE_PATH = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_$-]+(\/[A-Za-z0-9_$.-]+)*\.ts$/

function checkFiles(files: ReadonlyMap<string, string>): void {
  for (const [path, content] of files) {
    expect(path, 'a relative path with no traversal').toMatch(SAFE_PATH)
    let code: string
    try {
      code = codeOnly(content)
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message}`)
    }
    const escaped = CANARY_IN_CODE.exec(code)
    if (escaped) throw new Error(`${path}: lexicon text escaped into code near ${JSON.stringify(code.slice(Math.max(0, escaped.index - 80), escaped.index + 40))}`)
    const raw = RAW_CONTROL.exec(content)
    if (raw) throw new Error(`${path}: a control character or bidi override written as it is near ${JSON.stringify(content.slice(Math.max(0, raw.index - 60), raw.index + 20))}`)
  }
}

function checkLexgenError(error: unknown): void {
  if (!(error instanceof LexgenError)) throw new Error(`generate() crashed with ${(error as Error)?.stack ?? String(error)}`)
  expect(error.message.length).toBeGreaterThan(0)
  expect(error.message.length).toBeLessThan(4_000)
  expect(error.message).not.toMatch(/\n\s+at /)
  expect(error.message).not.toMatch(RAW_CONTROL)
}

describe('random and mutated lexicon docs into the generator', () => {
  it('generate() writes safe, escape-free code or rejects with a LexgenError; the CLI never leaves a partial output', async () => {
    const outcomes = { cases: 0, generated: 0, lexgenErrors: 0, cliRuns: 0, cliExit0: 0, cliExit1: 0 }
    const reasons = new Map<string, number>()
    let n = 0
    await fc.assert(
      fc.asyncProperty(docSet, async ({ name, docs }) => {
        const index = n++
        outcomes.cases++
        const lexicons = await writeDocs(join(root, 'case'), docs)
        const options: ResolvedOptions = { lexicons, out: join(root, 'unused'), include: ['*'], exclude: [], runtimeImport: '@lexgen/runtime', strict: false, fileExt: '.ts' }
        let files: ReadonlyMap<string, string> | undefined
        try {
          files = (await generate(options)).files
          outcomes.generated++
        } catch (error) {
          checkLexgenError(error)
          outcomes.lexgenErrors++
          if (process.env.LEXGEN_FUZZ_DEBUG) process.stderr.write(`DEBUG ${name} | ${(error as Error).message.slice(0, 300).replace(/\n/g, ' ')}\n`)
          const reason = (error as Error).message.replace(/^.*?: /, '').replace(/'[^']*'|"[^"]*"|\d+/g, '…').slice(0, 50)
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
        }
        if (files) {
          checkFiles(files)
          if (successes.length < 24 && (name === 'random' || successes.length < 12)) successes.push({ name: `case-${index}`, files })
        }
        // Every 4th case through the CLI, over the previous output.
        if (index % 4 === 0) {
          outcomes.cliRuns++
          const cli = await runCli(['generate', '--lexicons', lexicons, '--out', previousOut, '--include', '*'], root)
          expect(cli.stderr).not.toContain('internal error')
          expect(cli.stderr).not.toMatch(/\n\s+at /)
          expect(cli.stderr).not.toMatch(RAW_CONTROL)
          const now = await snapshotDir(previousOut)
          if (cli.code === 0) {
            outcomes.cliExit0++
            expect(files).toBeDefined()
            expect(now).toEqual(new Map(files))
            // Put the previous generation back for the next case.
            const restore = await runCli(['generate', '--lexicons', join(root, 'base'), '--out', previousOut, '--include', '*'], root)
            expect(restore.code).toBe(0)
          } else {
            outcomes.cliExit1++
            expect(cli.code).toBe(1)
            expect(cli.stderr).toMatch(/^lexgen: error: /)
            expect(now).toEqual(previous)
          }
          expect((await readdir(root)).filter((entry) => entry.startsWith('.lexgen-'))).toEqual([])
        }
      }),
      { seed: SEED, numRuns: runs(400) },
    )
    report('lexicon docs into the generator', { ...outcomes, failures: 0 })
    console.info(`[reliability] generator rejections by reason: ${JSON.stringify(Object.fromEntries([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 12)))}`)
    expect(outcomes.generated).toBeGreaterThan(20)
  })

  it('a sample of the successful outputs typechecks under strict tsc', async () => {
    expect(successes.length).toBeGreaterThan(5)
    const project = join(root, 'typecheck')
    for (const { name, files } of successes) {
      for (const [path, content] of files) {
        await mkdir(dirname(join(project, name, path)), { recursive: true })
        await writeFile(join(project, name, path), content)
      }
    }
    const result = await typecheck(await makeTypecheckable(project))
    expect(result.output).toBe('')
    expect(result.code).toBe(0)
    report('generator outputs type-checked', { outputs: successes.length, files: successes.reduce((sum, s) => sum + s.files.size, 0), failures: 0 })
  })
})
