/**
 * Lexicons whose examples would be enormous or take exponential time to find (a complexity audit
 * of the generator): a def shared by two fields at every level (printed as a tree, 2^n values),
 * unions whose every way leads back (each tried again at every level), an array of 10^7 items.
 * Each took from a minute to out of memory in `generate`, `check`, `diff` and `--watch`; now the
 * example is left out, saying why, and the rest is generated as before.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lexiconDir, removeDir, runCli, tempDir } from './helpers.js'

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

function procedure(input: object, defs: Record<string, object> = {}) {
  return { lexicon: 1, id: 'com.example.big', defs: { main: { type: 'procedure', input: { encoding: 'application/json', schema: input }, output: { encoding: 'application/json', schema: { type: 'object', properties: {} } } }, ...defs } }
}

async function generated(doc: object): Promise<{ code: number; stderr: string; module: string }> {
  const lexicons = await lexiconDir({ 'com/example/big.json': doc })
  const [out, docs] = [await tempDir(), await tempDir()]
  dirs.push(lexicons, out, docs)
  const result = await runCli(['generate', '--lexicons', lexicons, '--out', out, '--docs', docs, '--include', '*'], lexicons)
  return { ...result, module: result.code === 0 ? await readFile(join(out, 'com/example/big.ts'), 'utf8') : '' }
}

// Liveness bounds, hundreds of times what each run takes now; the old code took from 18 s to minutes.
describe('examples too large to show', { timeout: 20_000 }, () => {
  it('a def shared by two required fields at every level, 18 levels: no example, a note why', async () => {
    const defs: Record<string, object> = {}
    for (let i = 0; i < 18; i++) defs[`l${i}`] = { type: 'object', required: ['a', 'b'], properties: { a: { type: 'ref', ref: `#l${i + 1}` }, b: { type: 'ref', ref: `#l${i + 1}` } } }
    defs.l18 = { type: 'object', required: ['s'], properties: { s: { type: 'string' } } }
    const result = await generated(procedure({ type: 'object', required: ['x'], properties: { x: { type: 'ref', ref: '#l0' } } }, defs))
    expect(result.code, result.stderr).toBe(0)
    expect(result.module).toContain('comExampleBig(core, undefined as never /* the example would be too large to show *\\/)')
  })

  it('an optional field whose unions lead back at every level, 18 levels: left out of the example', async () => {
    const defs: Record<string, object> = {}
    for (let i = 0; i < 18; i++) {
      defs[`d${i}`] = { type: 'object', required: ['u'], properties: { u: { type: 'union', refs: [`#d${i + 1}`, `#e${i + 1}`] } } }
      defs[`e${i + 1}`] = { type: 'object', required: ['v'], properties: { v: { type: 'ref', ref: `#d${i + 1}` } } }
    }
    defs.d18 = { type: 'object', required: ['w'], properties: { w: { type: 'ref', ref: '#d0' } } }
    const result = await generated(procedure({ type: 'object', properties: { x: { type: 'ref', ref: '#d0' } } }, defs))
    expect(result.code, result.stderr).toBe(0)
    expect(result.module).toContain(' * const result = await comExampleBig(core)\n')
  })

  it('required refs chained through 300 defs of 25 nested objects each: no example, not a stack overflow', async () => {
    const nest = (depth: number, leaf: object): object => (depth === 0 ? leaf : { type: 'object', required: ['o'], properties: { o: nest(depth - 1, leaf) } })
    const defs = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`c${i}`, nest(25, i === 299 ? { type: 'string' } : { type: 'ref', ref: `#c${i + 1}` })]))
    const result = await generated(procedure({ type: 'object', required: ['x'], properties: { x: { type: 'ref', ref: '#c0' } } }, defs))
    expect(result.code, result.stderr).toBe(0)
    expect(result.module).toContain('undefined as never /* an example would nest more than 500 values *\\/')
  })

  it('an array of at least 10^7 items, a string of at least 10^7 characters', async () => {
    for (const [schema, why] of [
      [{ type: 'array', minLength: 10_000_000, items: { type: 'integer' } }, 'an example would hold 10000000 items'],
      [{ type: 'string', minLength: 10_000_000 }, 'an example would be a string of 10000000 characters'],
    ] as const) {
      const result = await generated(procedure({ type: 'object', required: ['x'], properties: { x: schema } }))
      expect(result.code, result.stderr).toBe(0)
      expect(result.module).toContain(`undefined as never /* ${why} *\\/`)
    }
  })
})
