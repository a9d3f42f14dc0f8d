/**
 * Inline (nested) objects: generated, type-checked and validated. @atproto/lexicon 0.6 cannot load
 * a lexicon with inline objects, so the reference validates the *hoisted* equivalent: each inline
 * object moved into a def of its own and referred to by `ref`, which the Lexicon spec makes the
 * same data (a ref to an object carries no `$type`). Every generated value and single mutation of it
 * must get the same verdict from our validators (on the original lexicon) and from the reference.
 * Replay with VALIDATION_SEED=<seed>.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Lexicons, type LexiconDoc } from '@atproto/lexicon'
import { afterAll, describe, expect, it } from 'vitest'
import { generate } from '../../codegen/index.js'
import type { Validator } from '../../runtime/validate.js'
import { makeTypecheckable, removeDir, tempDir, typecheck } from '../codegen/helpers.js'
import { ourVerdict, readDocs, referenceVerdict, ROOT, targetName, type Target } from './support.js'
import { Values } from './values.js'

// A fixed seed, so a run on CI is the run anyone can repeat; VALIDATION_SEED explores others.
const SEED = Number(process.env.VALIDATION_SEED) || 20261124
const LEXICONS = join(ROOT, 'tests/validation/nested')
const originals = await readDocs(LEXICONS)
const docs = new Map<string, LexiconDoc>(originals.map((doc) => [doc.id, doc]))
const reference = new Lexicons((await readDocs(LEXICONS)).map(hoisted))
const values = new Values(docs, SEED)

const dir = await tempDir('lexgen-nested-')
afterAll(async () => {
  await removeDir(dir)
})
const { files } = await generate({ lexicons: LEXICONS, out: dir, include: ['*'], exclude: [], runtimeImport: join(ROOT, 'runtime/index.ts'), strict: true, fileExt: '.ts' })
for (const [path, text] of files) {
  await mkdir(dirname(join(dir, path)), { recursive: true })
  await writeFile(join(dir, path), text)
}
const nested = await import(join(dir, 'test/validation/nested.ts'))
const summary = await import(join(dir, 'test/validation/summary.ts'))

/**
 * `doc` with every inline object in a field position (object property, array items) moved to a
 * def `inlineN` and replaced by a ref to it: the same schema, in the form @atproto/lexicon accepts.
 */
function hoisted(doc: LexiconDoc): LexiconDoc {
  const defs = doc.defs as Record<string, any>
  let n = 0
  const hoist = (schema: any): any => {
    const name = `inline${n++}`
    defs[name] = visit(schema)
    return { type: 'ref', ref: `#${name}`, description: schema.description }
  }
  const visit = (object: any): any => {
    for (const [key, prop] of Object.entries<any>(object.properties ?? {})) {
      if (prop.type === 'object') object.properties[key] = hoist(prop)
      else if (prop.type === 'array' && prop.items.type === 'object') prop.items = hoist(prop.items)
    }
    return object
  }
  for (const def of Object.values<any>({ ...defs })) {
    if (def.type === 'object') visit(def)
    if (def.type === 'record') visit(def.record)
    if (def.type === 'array' && def.items.type === 'object') def.items = hoist(def.items)
    for (const body of [def.input, def.output]) if (body?.schema?.type === 'object') visit(body.schema)
  }
  return doc
}

const subjects: { target: Target; validator: Validator; schema: any; from: string }[] = [
  { target: { kind: 'def', nsid: 'test.validation.nested', def: 'main' }, validator: nested.validateRecord, schema: docs.get('test.validation.nested')!.defs.main, from: 'test.validation.nested' },
  { target: { kind: 'def', nsid: 'test.validation.nested', def: 'link' }, validator: nested.validateLink, schema: docs.get('test.validation.nested')!.defs.link, from: 'test.validation.nested' },
  { target: { kind: 'input', nsid: 'test.validation.summary' }, validator: summary.validateInput, schema: (docs.get('test.validation.summary')!.defs.main as any).input.schema, from: 'test.validation.summary' },
  { target: { kind: 'output', nsid: 'test.validation.summary' }, validator: summary.validateOutput, schema: (docs.get('test.validation.summary')!.defs.main as any).output.schema, from: 'test.validation.summary' },
]

describe('inline objects', () => {
  it('generate named interfaces and validators, and the output typechecks strictly', async () => {
    const source = files.get('test/validation/nested.ts')!
    for (const name of ['RecordProfile', 'RecordProfileLocation', 'RecordEntriesItem', 'RecordMaybe', 'RecordEmpty', 'LinkMeta', 'PointsItem']) {
      expect(source).toContain(`export interface ${name} {`)
      expect(source).toContain(`export function validate${name}(`)
    }
    expect(source).toContain('  profile: RecordProfile\n')
    expect(source).toContain('  entries: RecordEntriesItem[]\n')
    expect(source).toContain('  maybe?: RecordMaybe | null | undefined\n')
    expect(source).toContain('export type Points = PointsItem[]\n')
    const project = join(dir, 'typecheck')
    for (const [path, text] of files) {
      await mkdir(dirname(join(project, path)), { recursive: true })
      await writeFile(join(project, path), text.replaceAll(join(ROOT, 'runtime/index.ts'), '@lexgen/runtime').replaceAll(join(ROOT, 'runtime/validate.ts'), '@lexgen/runtime/validate'))
    }
    const tsc = await typecheck(await makeTypecheckable(project))
    expect(tsc.output).toBe('')
    expect(tsc.code).toBe(0)
  })

  it('report issues at the deepest path', () => {
    const issues = (value: unknown) => ourVerdict(nested.validateRecord, value).issues
    const base = { profile: { name: 'x', location: { lat: 1 } }, entries: [{ kind: 'a' }] }
    expect(issues(base)).toEqual([])
    expect(issues({ ...base, profile: { name: 'x', location: { lat: 91 } } })).toEqual([{ path: 'profile.location.lat', message: '91 > maximum 90' }])
    expect(issues({ ...base, entries: [{ kind: 'a' }, { kind: 'c' }] })).toEqual([{ path: 'entries[1].kind', message: '"c" is not one of "a", "b"' }])
    expect(issues({ ...base, profile: { location: {} } })).toEqual([
      { path: 'profile.name', message: 'is required' },
      { path: 'profile.location.lat', message: 'is required' },
    ])
    expect(issues({ ...base, maybe: null })).toEqual([])
    expect(issues({ ...base, empty: 'no' })).toEqual([{ path: 'empty', message: 'must be an object, got string' }])
  })

  it(`agree with @atproto/lexicon on the hoisted lexicon, value by value (seed ${SEED})`, () => {
    const differences: string[] = []
    let cases = 0
    let valid = 0
    for (const subject of subjects) {
      for (let b = 0; b < 12; b++) {
        const base = values.valid(subject.schema, subject.from)
        const all = [{ label: `valid #${b}`, value: base }, ...values.sample(values.mutations(subject.schema, subject.from, base), 80)]
        for (const { label, value } of all) {
          cases++
          const ours = ourVerdict(subject.validator, value)
          const theirs = referenceVerdict(reference, subject.target, value)
          if (ours.valid) valid++
          if (ours.valid !== theirs.valid) {
            const why = ours.valid ? `reference: ${theirs.error}` : `ours: ${ours.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`
            differences.push(`${targetName(subject.target)} | ${label} | ${why}`)
          }
        }
      }
    }
    console.log(`nested differential (seed ${SEED}): ${cases} values, ${valid} valid, ${differences.length} differences`)
    expect(cases).toBeGreaterThan(1000)
    expect(valid).toBeGreaterThan(cases / 10)
    expect(cases - valid).toBeGreaterThan(cases / 10)
    expect(differences).toEqual([])
  })
})
