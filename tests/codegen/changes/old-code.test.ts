/**
 * The `source` verdicts the compiler check cannot confirm (or did not, before the rules said so),
 * compiled for real: a line of code written against the client generated from the base set
 * compiles against that client, and no longer compiles, with the error named, against the client
 * generated from the edited set. One strict tsc run over every case.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate, type OutputFiles } from '../../../codegen/index.js'
import { makeTypecheckable, removeDir, tempDir, typecheck } from '../helpers.js'
import { baseDocs, compareEdit, writeDocs, type Docs } from './support.js'

interface Case {
  readonly name: string
  readonly edit: (docs: Docs) => void
  /** Old code: statements using the modules `ExTestDefs`, `ExTestGet`, `ExTestSend`, `ExTestPost`, `ExTestStream`. */
  readonly code: string
  /** The compiler's error against the new client. */
  readonly error: string
  /** The change the report calls `source`. */
  readonly kind: string
}

const defs = (d: Docs) => d['ex.test.defs']!.defs
const received = 'declare const r: ExTestGet.Output\nconst item = r.items[0]!\n'

const cases: Case[] = [
  // A closed set narrowed in a response: the new values still assign to the old type, but a comparison with a value that is gone has no overlap.
  { name: 'response: enum value removed', edit: (d) => (defs(d).view.properties.status.enum = ['open']), code: `${received}export const closed = item.status === 'closed'`, error: 'TS2367', kind: 'enum-value-removed' },
  { name: 'response: enum added to a free string', edit: (d) => (defs(d).view.properties.id.enum = ['x']), code: `${received}export const other = item.id === 'y'`, error: 'TS2367', kind: 'enum-added' },
  { name: 'response: const added', edit: (d) => (defs(d).view.properties.note.const = 'x'), code: `${received}export const other = item.note === 'y'`, error: 'TS2367', kind: 'const-added' },
  { name: 'response: closed union member removed', edit: (d) => (defs(d).view.properties.embed.refs = ['#image']), code: `${received}export const link = item.embed?.$type === 'ex.test.defs#link'`, error: 'TS2367', kind: 'union-member-removed-closed' },
  { name: 'response: open union closed', edit: (d) => (d['ex.test.stream']!.defs.main.message.schema.closed = true), code: "declare const m: ExTestStream.Message\nexport const other = m.$type === 'ex.test.other#thing'", error: 'TS2367', kind: 'union-closed' },
  // A ref retargeted to an identical object def: same wire, but another interface, with another `$type`.
  { name: 'response: ref retargeted to an identical def', edit: (d) => ((defs(d).view2 = structuredClone(defs(d).view)), (d['ex.test.get']!.defs.main.output.schema.properties.items.items.ref = 'ex.test.defs#view2')), code: `${received}export const view: ExTestDefs.View = item`, error: 'TS2322', kind: 'ref-object-changed' },
  { name: 'request: ref retargeted to an identical def', edit: (d) => ((defs(d).shared2 = structuredClone(defs(d).shared)), (d['ex.test.send']!.defs.main.input.schema.properties.shared.ref = 'ex.test.defs#shared2')), code: "declare const shared: ExTestDefs.Shared\nexport const input: ExTestSend.Input = { text: 'hi', kind: 'a', shared }", error: 'TS2322', kind: 'ref-object-changed' },
  // A required field with a default: validators fill it in for old senders, but old code that leaves it out no longer compiles.
  { name: 'request: param made required, with a default', edit: (d) => ((d['ex.test.get']!.defs.main.parameters.properties.flag.default = false), d['ex.test.get']!.defs.main.parameters.required.push('flag')), code: 'export const params: ExTestGet.Params = { limit: 50 }', error: 'TS2741', kind: 'field-made-required-default' },
  { name: 'request: required input field with a default added', edit: (d) => ((d['ex.test.send']!.defs.main.input.schema.properties.prio = { type: 'integer', default: 3 }), d['ex.test.send']!.defs.main.input.schema.required.push('prio')), code: "export const input: ExTestSend.Input = { text: 'hi', kind: 'a' }", error: 'TS2741', kind: 'field-added-required-default' },
  { name: 'record: required field with a default added', edit: (d) => ((d['ex.test.post']!.defs.main.record.properties.lang = { type: 'string', default: 'en' }), d['ex.test.post']!.defs.main.record.required.push('lang')), code: "export const post: ExTestPost.Record = { text: 'hi', createdAt: '2025-01-01T00:00:00.000Z' }", error: 'TS2741', kind: 'field-added-required-default' },
]

const dirs: string[] = []
let project: string
/** The compiler's errors, by case and side: `3-old` → ['TS2367', …]. */
const errors = new Map<string, string[]>()

async function write(files: OutputFiles, dir: string): Promise<void> {
  for (const [path, text] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), text)
  }
}

async function client(docs: Docs, dir: string): Promise<void> {
  const lexicons = await tempDir('lexgen-oldcode-lex-')
  dirs.push(lexicons)
  await writeDocs(lexicons, docs)
  const { files } = await generate({ lexicons, out: dir, include: ['ex.test.*'], exclude: [], runtimeImport: '@lexgen/runtime', strict: false, fileExt: '.ts' })
  await write(files, dir)
}

function oldCode(clientDir: string, code: string): string {
  const modules = { ExTestDefs: 'defs', ExTestGet: 'get', ExTestSend: 'send', ExTestPost: 'post', ExTestStream: 'stream' }
  const imports = Object.entries(modules).map(([alias, file]) => `import * as ${alias} from './${clientDir}/ex/test/${file}.js'`)
  return [...imports, code, 'export {}', ''].join('\n')
}

beforeAll(async () => {
  project = await tempDir('lexgen-oldcode-')
  dirs.push(project)
  await client(baseDocs(), join(project, 'old'))
  for (const [i, c] of cases.entries()) {
    const docs = baseDocs()
    c.edit(docs)
    await client(docs, join(project, `new${i}`))
    await writeFile(join(project, `case${i}-old.ts`), oldCode('old', c.code))
    await writeFile(join(project, `case${i}-new.ts`), oldCode(`new${i}`, c.code))
  }
  const tsc = await typecheck(await makeTypecheckable(project))
  for (const m of tsc.output.matchAll(/^(?:.*[/\\])?case(\d+)-(old|new)\.ts\(\d+,\d+\): error (TS\d+)/gm)) {
    const key = `${m[1]}-${m[2]}`
    errors.set(key, [...(errors.get(key) ?? []), m[3]!])
  }
  // Anything else failing (a generated module) would make the cases meaningless.
  expect(tsc.output.split('\n').filter((line) => /error TS/.test(line) && !/case\d+-(old|new)\.ts/.test(line))).toEqual([])
}, 120_000)

afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

describe('old code against the new client: what the rules call source no longer compiles', () => {
  it.each(cases.map((c, i) => ({ ...c, i })))('$name', async (c) => {
    const i = c.i
    expect(errors.get(`${i}-old`) ?? [], 'compiles against the old client').toEqual([])
    expect(errors.get(`${i}-new`) ?? [], 'fails against the new client').toContain(c.error)
    const report = await compareEdit(c.edit)
    const change = report.changes.find((x) => x.kind === c.kind)
    expect(change?.class).toBe('source')
  })
})
