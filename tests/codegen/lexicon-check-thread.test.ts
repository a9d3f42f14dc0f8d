/**
 * The compiled CLI checks lexicons on a worker thread while the main thread models and emits the
 * selection (codegen/check.ts); from the TypeScript sources, as in the other tests, the check runs
 * in the thread. Both must behave exactly alike: the same exit code, the
 * same messages byte for byte, the same files, for every kind of bad input, and whenever what was
 * built before the check came in has to be thrown away.
 */
import { execFile } from 'node:child_process'
import { relative } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { lexiconDir, removeDir, ROOT, runCli, runCompiledCli, snapshotDir, tempDir } from './helpers.js'
import { BAD_INPUT, BAD_OUTSIDE, object, query, SEVERAL_BAD, VALID } from './support/bad-lexicons.js'

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

/** One run of each build into its own output folder, with what varies between runs (the folder, the time) masked. */
async function bothWays(docs: Record<string, unknown>, args: string[]) {
  const lexicons = await lexiconDir(docs)
  dirs.push(lexicons)
  const run = async (cli: typeof runCli) => {
    const out = await tempDir()
    dirs.push(out)
    const result = await cli(['generate', '--lexicons', lexicons, '--out', out, ...args])
    // The CLI names folders relative to its working directory (ROOT), or whole.
    const mask = (text: string) =>
      (
        [
          [relative(ROOT, out), '<out>'],
          [out, '<out>'],
          [relative(ROOT, lexicons), '<lexicons>'],
          [lexicons, '<lexicons>'],
        ] as const
      )
        .reduce((masked, [path, name]) => masked.replaceAll(path, name), text)
        .replace(/ in \d+ ms\n$/, ' in <t> ms\n')
    return { code: result.code, stdout: mask(result.stdout), stderr: mask(result.stderr), files: await snapshotDir(out) }
  }
  return { inThread: await run(runCli), onWorker: await run(runCompiledCli) }
}

const scenarios: { name: string; docs: Record<string, unknown>; args: string[] }[] = [
  ...BAD_INPUT.map(({ name, docs, args }) => ({ name, docs, args: args ?? ['--include', '*'] })),
  { name: 'several bad docs in one selection', docs: SEVERAL_BAD, args: ['--include', 'com.example.*'] },
  { name: 'bad docs outside the selection (warnings)', docs: BAD_OUTSIDE, args: ['--include', 'pub.layers.corpus.*'] },
  { name: 'bad docs outside the selection, --strict', docs: BAD_OUTSIDE, args: ['--include', 'pub.layers.corpus.*', '--strict'] },
  { name: 'a referenced doc that fails', docs: { ...BAD_OUTSIDE, 'pub/layers/defs.json': '{"lexicon": 1' }, args: ['--include', 'pub.layers.corpus.*'] },
  {
    // Its id, as written, matches the pattern; checked (on the main thread, before selecting), it is a warning.
    name: 'a bad id that the pattern matches, in a file whose path does not',
    docs: { ...VALID, 'other/x.json': { lexicon: 1, id: 'com.example.bad id', defs: { main: { type: 'token' } } } },
    args: ['--include', 'com.example.*'],
  },
  {
    // The emitter throws on it before the check comes in; the check's message is what counts.
    name: 'a doc the emitter cannot build',
    docs: { ...VALID, 'com/example/odd.json': object('com.example.odd', { a: { type: 'ref', ref: 42 } }) },
    args: ['--include', '*'],
  },
  { name: 'good docs', docs: { ...VALID, 'com/example/thing.json': object('com.example.thing'), 'com/example/get.json': query('com.example.get') }, args: ['--include', '*'] },
]

describe('checked on a worker thread exactly as in the thread', () => {
  it.each(scenarios)('$name', async ({ docs, args }) => {
    const { inThread, onWorker } = await bothWays(docs, args)
    expect(onWorker).toEqual(inThread)
  })

  it('the bad id is a warning and the doc is left out', async () => {
    const { onWorker } = await bothWays(scenarios.find((s) => s.name.startsWith('a bad id'))!.docs, ['--include', 'com.example.*'])
    expect(onWorker.code).toBe(0)
    expect(onWorker.stderr).toContain('  <lexicons>/other/x.json:3:9 at id: Must be a valid NSID\n')
    expect([...onWorker.files.keys()].filter((path) => path.startsWith('com/'))).toEqual(['com/example/ok.ts'])
  })

  it('the doc the emitter cannot build is reported by the check, not as an internal error', async () => {
    const { onWorker } = await bothWays(scenarios.find((s) => s.name.startsWith('a doc the emitter'))!.docs, ['--include', '*'])
    expect(onWorker.code).toBe(1)
    expect(onWorker.stderr).toBe('lexgen: error: <lexicons>/com/example/odd.json:10:18 at defs.main.properties.a.ref: Expected string, received number\n')
  })

  it('the compiled CLI finds the committed generated/ and docs up to date', async () => {
    const result = await runCompiledCli(['check'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })
})

describe('a worker thread that fails', () => {
  const failing = new URL('./support/failing-worker.cjs', import.meta.url).pathname

  it.each([
    { name: 'good docs', docs: VALID, code: 0 },
    { name: 'several bad docs', docs: SEVERAL_BAD, code: 1 },
  ])('is replaced by the check in the thread: $name', async ({ docs, code }) => {
    const lexicons = await lexiconDir(docs)
    const out = await tempDir()
    dirs.push(lexicons, out)
    const args = ['generate', '--lexicons', lexicons, '--out', out, '--include', '*']
    const expected = await runCli(args)
    await removeDir(out)
    const result = await promisify(execFile)(process.execPath, ['--require', failing, `${ROOT}/codegen/bin/lexgen.js`, ...args]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    )
    expect(result.code).toBe(code)
    expect(result.stderr).toBe(expected.stderr)
    expect(result.stdout.replace(/ in \d+ ms/, '')).toBe(expected.stdout.replace(/ in \d+ ms/, ''))
  })
})

describe('where the check runs', () => {
  // A fresh process: whether @atproto/lexicon's schemas were loaded on the main thread shows in its module cache.
  const loadsSchemas = async (watchLike: boolean) => {
    const program = `
      import { createRequire } from 'node:module'
      const { generate, resolveOptions } = await import(${JSON.stringify(new URL('../../codegen/dist/index.js', import.meta.url).href)})
      const options = await resolveOptions({ include: ['chat.bsky.convo.*'], out: 'unused', docs: false }, undefined, ${JSON.stringify(ROOT)})
      const result = await generate(options, ${watchLike ? 'new Map()' : 'undefined'})
      const cache = createRequire(import.meta.url).cache
      console.log(result.files.size, Object.keys(cache).some((path) => path.endsWith('@atproto/lexicon/dist/types.js')))`
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', program], { cwd: ROOT })
    return stdout.trim()
  }

  it('a single run checks on a worker thread: the main thread never loads the lexicon schemas', async () => {
    expect(await loadsSchemas(false)).toBe('48 false')
  })

  it('a run that keeps a cache (--watch) checks in the thread, where the schemas stay loaded between runs', async () => {
    expect(await loadsSchemas(true)).toBe('48 true')
  })
})
