/**
 * Hostile names: each either escaped so the output compiles and behaves, or refused with a clear
 * message. First the cases found by hand (method names `core`, `constructor`, `then`; namespace
 * `core`; NSIDs that camel-case alike; case-only twins; defs shadowing globals; duplicate error
 * names; a `$type` property; a def `__proto__`), then a seeded property test that builds docs from
 * a hostile alphabet of NSID segments, def, property and error names and asserts that whatever
 * generates passes strict tsc, and whatever is refused says which file and why.
 */
import fc from 'fast-check'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate, LexgenError, type OutputFiles } from '../../codegen/index.js'
import { respond, startRawServer, type RawServer } from '../helpers/raw-server.js'
import { report, runs, SEED } from '../reliability/support/seed.js'
import { lexiconDir, makeTypecheckable, removeDir, ROOT, runCli, tempDir, typecheck } from './helpers.js'

const dirs: string[] = []
let server: RawServer
beforeAll(async () => {
  server = await startRawServer(respond(200, '{}', { 'content-type': 'application/json' }))
})
afterAll(async () => {
  await server.close()
  await Promise.all(dirs.map(removeDir))
})

type Doc = { lexicon: 1; id: string; defs: Record<string, unknown> }
const query = (id: string, extra: object = {}): Doc => ({
  lexicon: 1,
  id,
  defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'object', properties: {} } }, ...extra } },
})

async function generateDocs(docs: Doc[], runtimeImport = '@lexgen/runtime'): Promise<OutputFiles> {
  const lexicons = await lexiconDir(Object.fromEntries(docs.map((doc, i) => [`doc${i}.json`, doc])))
  dirs.push(lexicons)
  return (await generate({ lexicons, out: join(lexicons, 'out'), include: ['*'], exclude: [], runtimeImport, strict: false, fileExt: '.ts' })).files
}

async function write(files: OutputFiles, dir: string): Promise<void> {
  for (const [path, text] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), text)
  }
}

/** Strict tsc over the outputs, each in its own folder of one project. */
async function typecheckAll(outputs: [string, OutputFiles][]): Promise<void> {
  const project = await tempDir('lexgen-names-tsc-')
  dirs.push(project)
  for (const [name, files] of outputs) await write(files, join(project, name))
  const tsc = await typecheck(await makeTypecheckable(project))
  expect(tsc.output).toBe('')
  expect(tsc.code).toBe(0)
}

/** The output imported and run (runtime from source), against a server that answers `{}`. */
async function load(docs: Doc[]): Promise<Record<string, any>> {
  const files = await generateDocs(docs, pathToFileURL(join(ROOT, 'runtime/index.ts')).href)
  const dir = await tempDir('lexgen-names-run-')
  dirs.push(dir)
  await write(files, dir)
  return import(pathToFileURL(join(dir, 'index.ts')).href)
}

function caseInsensitiveClashes(files: OutputFiles): string[] {
  const seen = new Map<string, string>()
  const clashes: string[] = []
  for (const path of files.keys()) {
    const other = seen.get(path.toLowerCase())
    if (other) clashes.push(`${other} / ${path}`)
    seen.set(path.toLowerCase(), path)
  }
  return clashes
}

describe('names found by hand', () => {
  const methods = [query('com.example.core'), query('com.example.constructor'), query('com.example.then'), query('com.example.toString')]
  const namespaces = [query('com.example.core.get'), query('com.example.list'), query('core.example.get')]
  const alike = [query('com.example.foo.get'), query('com.exampleFoo.get'), query('com.example.fooBar'), query('com.example.foo.bar')]
  const twins = [query('com.example.getFoo'), query('com.example.getfoo'), query('com.Example.getFoo')]
  // Written as JSON text and parsed, as a lexicon file is: `__proto__` stays an own key (in an
  // object literal it would set the prototype instead).
  const withProto = (): Doc =>
    JSON.parse(`{"lexicon": 1, "id": "com.example.globals", "defs": {
      "main": { "type": "query", "output": { "encoding": "application/octet-stream" },
        "errors": [{ "name": "Dup" }, { "name": "Dup", "description": "again" }, { "name": "__proto__" }, { "name": "constructor" }] },
      "promise": { "type": "object", "properties": { "p": { "type": "ref", "ref": "#instanceType" } } },
      "instanceType": { "type": "object", "properties": { "n": { "type": "integer" } } },
      "uint8Array": { "type": "string" },
      "__proto__": { "type": "object", "required": ["constructor"], "properties": { "constructor": { "type": "boolean" }, "__proto__": { "type": "integer" } } },
      "user": { "type": "object", "properties": { "a": { "type": "ref", "ref": "#__proto__" }, "b": { "type": "ref", "ref": "#promise" }, "c": { "type": "ref", "ref": "#uint8Array" } } }
    }}`)

  it('generate code that passes strict tsc', async () => {
    const outputs: [string, OutputFiles][] = []
    for (const [name, docs] of Object.entries({ methods, namespaces, alike, twins, globals: [withProto()] })) outputs.push([name, await generateDocs(docs)])
    await typecheckAll(outputs)
    const twinFiles = outputs.find(([name]) => name === 'twins')![1]
    expect(caseInsensitiveClashes(twinFiles)).toEqual([])
    expect([...twinFiles.keys()].filter((p) => /getfoo/i.test(p)).sort()).toEqual(['com/Example/getFoo.ts', 'com/example/getFoo_2.ts', 'com/example/getfoo_3.ts'])
  })

  it('methods named core, constructor, then, toString: escaped members that behave', async () => {
    const mod = await load(methods)
    const client = new mod.Client({ service: server.url })
    const ns = client.com.example
    expect(typeof ns.then).toBe('undefined') // not awaitable: `await ns` is the namespace itself
    expect(await ns).toBe(ns)
    expect(ns.constructor.name).toBe('ComExampleNS') // still the class
    expect(String(ns)).toBe('[object Object]')
    for (const name of ['core', 'constructor_', 'then_', 'toString_']) await ns[name]()
    expect(server.requests.slice(-4).map((r) => r.url.split('?')[0])).toEqual([
      '/xrpc/com.example.core',
      '/xrpc/com.example.constructor',
      '/xrpc/com.example.then',
      '/xrpc/com.example.toString',
    ])
    expect(typeof mod.comExampleThen).toBe('function')
  })

  it('a namespace core next to methods, and a root namespace core', async () => {
    const mod = await load(namespaces)
    const client = new mod.Client({ service: server.url })
    expect(client.core).toBeInstanceOf(mod.Core)
    await client.com.example.core.get()
    await client.com.example.list()
    await client.core_.example.get()
    expect(server.requests.slice(-3).map((r) => r.url.split('?')[0])).toEqual(['/xrpc/com.example.core.get', '/xrpc/com.example.list', '/xrpc/core.example.get'])
  })

  it('NSIDs that camel-case alike get distinct functions, classes and aliases', async () => {
    const files = await generateDocs(alike)
    const index = files.get('index.ts')!
    expect(index).toContain("export { comExampleFooGet } from './com/example/foo/get.js'")
    expect(index).toContain("export { comExampleFooGet2 } from './com/exampleFoo/get.js'")
    expect(index).toContain("export { comExampleFooBar } from './com/example/foo/bar.js'")
    expect(index).toContain("export { comExampleFooBar2 } from './com/example/fooBar.js'")
    expect(files.get('client.ts')).toContain('export class ComExampleFooNS {')
    expect(files.get('client.ts')).toContain('export class ComExampleFooNSDef {')
  })

  it('says, on every run, which doc lost a name to one that camel-cases alike', async () => {
    const lexicons = await lexiconDir(Object.fromEntries(alike.map((doc, i) => [`doc${i}.json`, doc])))
    dirs.push(lexicons)
    const result = await runCli(['generate', '--lexicons', lexicons, '--out', join(lexicons, 'out'), '--include', '*', '--no-docs'], lexicons)
    expect(result.code).toBe(0)
    const warnings = result.stderr.split('\n').filter((line) => line.includes('camel-case alike'))
    expect(warnings).toEqual([
      'lexgen: warning: com.example.fooBar is exported as `ComExampleFooBarDef` and `comExampleFooBar2`, not `ComExampleFooBar` and `comExampleFooBar`: ' +
        'com.example.foo.bar has those names (the two NSIDs camel-case alike; the first in NSID order keeps them)',
      'lexgen: warning: com.exampleFoo.get is exported as `ComExampleFooGetDef` and `comExampleFooGet2`, not `ComExampleFooGet` and `comExampleFooGet`: ' +
        'com.example.foo.get has those names (the two NSIDs camel-case alike; the first in NSID order keeps them)',
    ])
  })

  it('defs shadowing globals, duplicate error names, a def and fields named __proto__', async () => {
    const source = (await generateDocs([withProto()])).get('com/example/globals.ts')!
    expect(source).toContain('export interface PromiseDef {')
    expect(source).toContain('export interface InstanceTypeDef {')
    expect(source).toContain('export type Uint8ArrayDef = string')
    expect(source).toContain('export type Output = Uint8Array\n')
    expect(source).toContain('export interface __proto__Def {')
    expect(source.match(/declaredError\('Dup'\)/g)).toHaveLength(1)
    expect(source).toContain("errors: { Dup: DupError, ['__proto__']: __proto__Error, constructor: ConstructorError },")

    const mod = await load([withProto()])
    const ns = mod.ComExampleGlobals
    const issues = (value: unknown) => {
      const ctx = { issues: [] as { path: string; message: string }[], strict: false, blobLimits: false, depthLeft: 128 }
      ns.validate__proto__Def(value, ctx)
      return ctx.issues
    }
    expect(issues({})).toEqual([{ path: '.constructor', message: 'is required' }])
    expect(issues(JSON.parse('{"constructor": true, "__proto__": 3}'))).toEqual([])
    expect(issues(JSON.parse('{"constructor": true, "__proto__": "x"}'))).toEqual([{ path: '.__proto__', message: 'must be an integer, got string' }])
    expect(ns.method.errors.constructor).toBe(ns.ConstructorError)
  })

  it('an object of 500 fields, and a query of 500 params: code that passes strict tsc (TS2563 refused one long validator), and checks the last field too', async () => {
    const fields = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`p${i}`, { type: 'integer' }]))
    const wide: Doc = {
      lexicon: 1,
      id: 'com.example.wide',
      defs: {
        main: { type: 'query', parameters: { type: 'params', properties: fields }, output: { encoding: 'application/json', schema: { type: 'ref', ref: '#big' } } },
        big: { type: 'object', required: ['p499'], properties: fields },
      },
    }
    await typecheckAll([['wide', await generateDocs([wide])]])
    const ns = (await load([wide])).ComExampleWide
    const issues = (validator: (value: unknown, ctx: unknown) => boolean, value: unknown) => {
      const ctx = { issues: [] as { path: string; message: string }[], strict: false, blobLimits: false, depthLeft: 128 }
      validator(value, ctx)
      return ctx.issues
    }
    expect(issues(ns.validateBig, { p0: 1, p499: 'x' })).toEqual([{ path: '.p499', message: 'must be an integer, got string' }])
    expect(issues(ns.validateBig, {})).toEqual([{ path: '.p499', message: 'is required' }])
    expect(issues(ns.validateParams, { p250: 'x' })).toEqual([{ path: '.p250', message: 'must be an integer, got string' }])
  })

  it('a property named $type is refused, naming the file and the path', async () => {
    const doc: Doc = { lexicon: 1, id: 'com.example.typed', defs: { main: { type: 'object', properties: { $type: { type: 'string' } } } } }
    await expect(generateDocs([doc])).rejects.toThrow(
      "doc0.json at defs.main.properties.$type: field names starting with '$' are reserved by the atproto data model ('$type', '$bytes', '$link'); '$type' cannot be declared",
    )
  })
})

// ------------------------------------------------------------------ property test

const segment = fc.constantFrom(
  'core', 'constructor', 'then', 'toString', 'valueOf', 'get', 'foo', 'Foo', 'fooBar', 'foo1', 'promise', 'index', 'client', 'validation',
  'session', 'Client', 'Core', 'default', 'class', 'delete', 'function', 'ns', 'NS', 'defs', 'example', 'Example', 'a', 'A', 'xrpc', 'id', 'method',
)
const defName = fc.constantFrom(
  'promise', 'instanceType', 'uint8Array', 'array', 'number', 'object', 'Object', 'Promise', '__proto__', 'constructor', 'then', 'toString',
  'record', 'Record', 'params', 'Params', 'output', 'Output', 'input', 'errors', 'item', 'page', 'id', 'method', 'validators', 'is$typed', 'call',
  'core', 'Core', 'x-y', '1abc', 'default', 'class', 'validateFoo', 'foo', 'Foo', 'isFoo', 'fooDef', 'unknown', 'main2',
)
const propName = fc.constantFrom('$type', 'constructor', '__proto__', 'then', 'toString', 'hasOwnProperty', 'valueOf', 'default', 'class', 'a-b', '1x', 'x y', 'Promise', 'cursor', 'value', 'ctx', 'at', 'x', 'item', 'i', 'start')
const errorName = fc.constantFrom('constructor', '__proto__', 'then', 'ExpiredToken', 'InvalidRequest', 'Bad Name', 'Dup', 'Dup', 'Promise', 'x-y')
const leaf = fc.constantFrom<unknown>({ type: 'string' }, { type: 'integer', minimum: 0 }, { type: 'boolean' }, { type: 'unknown' }, { type: 'bytes' }, { type: 'blob' })
const properties = (refs: string[]) =>
  fc.dictionary(propName, fc.oneof(leaf, refs.length ? fc.constantFrom(...refs.map((ref) => ({ type: 'ref', ref }))) : leaf, leaf.map((items) => ({ type: 'array', items })), fc.constant({ type: 'object', properties: { then: { type: 'string' }, __proto__x: { type: 'integer' } } })), { maxKeys: 4 })

const hostileDoc = fc
  .tuple(fc.array(segment, { minLength: 3, maxLength: 4 }), fc.uniqueArray(defName, { maxLength: 4 }), fc.constantFrom('query', 'procedure', 'object', 'record', 'token'), fc.array(errorName, { maxLength: 3 }))
  .chain(([segments, names, kind, errors]) => {
    const refs = names.map((n) => `#${n}`)
    const objects = names.map(() => properties(refs).map((props) => ({ type: 'object', properties: props })))
    const body = properties(refs).map((props) => ({ encoding: 'application/json', schema: { type: 'object', properties: props } }))
    const main =
      kind === 'query'
        ? body.map((output) => ({ type: 'query', output, errors: errors.map((name) => ({ name })), parameters: { type: 'params', properties: { cursor: { type: 'string' } } } }))
        : kind === 'procedure'
          ? fc.tuple(body, body).map(([input, output]) => ({ type: 'procedure', input, output, errors: errors.map((name) => ({ name })) }))
          : kind === 'record'
            ? properties(refs).map((props) => ({ type: 'record', key: 'tid', record: { type: 'object', properties: props } }))
            : kind === 'object'
              ? properties(refs).map((props) => ({ type: 'object', properties: props }))
              : fc.constant({ type: 'token' })
    return fc.tuple(main, fc.tuple(...objects)).map(([mainDef, defs]) => {
      // Built as JSON text, as a file would be: `__proto__` stays an own key.
      const entries = [['main', mainDef], ...names.map((name, i) => [name, defs[i]])]
      const text = `{"lexicon":1,"id":${JSON.stringify(segments.join('.'))},"defs":{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}}`
      return JSON.parse(text) as Doc
    })
  })

describe('hostile alphabet (property test)', () => {
  it('every generated output passes strict tsc; every refusal names a file and a reason', async () => {
    const outputs: [string, OutputFiles][] = []
    const refusals = new Map<string, number>()
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostileDoc, { minLength: 1, maxLength: 4, selector: (doc) => doc.id }), async (docs) => {
        let files: OutputFiles
        try {
          files = await generateDocs(docs)
        } catch (error) {
          if (!(error instanceof LexgenError)) throw error
          expect(error.message).not.toMatch(/\n\s+at /)
          expect(error.message).toMatch(/doc\d\.json|client member/)
          const reason = error.message.replace(/^.*?: /, '').replace(/'[^']*'/g, '…').slice(0, 60)
          refusals.set(reason, (refusals.get(reason) ?? 0) + 1)
          return
        }
        expect(caseInsensitiveClashes(files)).toEqual([])
        outputs.push([`case${n++}`, files])
      }),
      { seed: SEED, numRuns: runs(100) },
    )
    expect(outputs.length).toBeGreaterThan(20)
    await typecheckAll(outputs)
    report('hostile names', { generated: outputs.length, refused: [...refusals.values()].reduce((a, b) => a + b, 0), files: outputs.reduce((s, [, f]) => s + f.size, 0), typecheckErrors: 0 })
  }, 120_000)
})

// Liveness: 32,000 names that collide took a minute (each search for a free one started again
// from 2); the timeout is a hundred times what it takes now.
it('gives 32,000 error names that collide (`E-`, `E.`, `E `, …) each its own class, without trying every taken one again', { timeout: 30_000 }, async () => {
  const separators = ['-', '.', ' ']
  const errors = Array.from({ length: 32_000 }, (_, i) => {
    let name = 'E'
    for (let k = i; ; k = Math.floor(k / 3)) {
      name += separators[k % 3]
      if (k < 3) break
    }
    return { name }
  })
  const source = (await generateDocs([{ lexicon: 1, id: 'com.example.errs', defs: { main: { type: 'procedure', errors } } }])).get('com/example/errs.ts')!
  const classes = new Set(source.match(/^export interface E_Error\w*/gm))
  expect(classes.size).toBe(32_000)
  expect([...classes].slice(0, 3)).toEqual(['export interface E_Error', 'export interface E_ErrorDef', 'export interface E_ErrorDef3'])
})
