import { writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lexiconDir, removeDir, runCli, snapshotDir, spawnCli, tempDir } from './helpers.js'
import { BAD_INPUT as cases, VALID as valid } from './support/bad-lexicons.js'

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
  // Run from the lexicon folder, so files are named as the cases name them; the line and column
  // each JSON path adds (problems.test.ts checks them) are taken out, as the cases predate them.
  const result = await runCli(['generate', '--lexicons', lexicons, '--out', out, ...extra], lexicons)
  return { ...result, stderr: result.stderr.replaceAll(lexicons, '<lexicons>').replace(/(\.json):\d+:\d+ at /g, '$1 at ') }
}

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
    const result = await spawnCli(['generate', '--lexicons', lexicons, '--out', out, '--include', '*'], lexicons)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('lexgen: error: x.json: not valid JSON (Unexpected end of JSON input at line 1, column 2)\n')
    expect(await snapshotDir(out)).toEqual(previous)
  })

  it('exits 1 on a missing lexicon directory, a config that is not JSON (naming the line and column), and an unknown config key', async () => {
    // This repository's config has a pull section, which says where lexicons come from.
    const missing = await runCli(['generate', '--lexicons', '/nonexistent/lexicons', '--out', out, '--include', '*'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('lexgen: error: /nonexistent/lexicons: the lexicon folder does not exist: `npx lexgen pull` fetches the lexicons lexgen.config.json names, or point "lexicons" (or --lexicons) at a folder that holds them\n')
    // Without a config there is no pull section to name.
    const dir = await tempDir()
    dirs.push(dir)
    const unconfigured = await runCli(['generate', '--lexicons', '/nonexistent/lexicons', '--out', out, '--include', '*'], dir)
    expect(unconfigured.stderr).toBe('lexgen: error: /nonexistent/lexicons: the lexicon folder does not exist: point "lexicons" (or --lexicons) at a folder that holds them, write your own there (one JSON file each), or fetch them into it with `npx lexgen pull <nsid or authority.*>`\n')

    await mkdir(join(dir, 'sub'))
    await writeFile(join(dir, 'lexgen.config.json'), '{\n  "include": ["*"],\n}\n')
    expect((await runCli(['generate'], dir)).stderr).toMatch(/^lexgen: error: \S+lexgen\.config\.json: config is not valid JSON \(.+ at line 3, column 1\)\n$/)
    await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify({ include: ['*'], ouput: 'typo' }))
    const config = await runCli(['generate'], dir)
    expect(config.code).toBe(1)
    expect(config.stderr).toBe(
      `lexgen: error: ${join(dir, 'lexgen.config.json')} at ouput: unknown config key (expected one of lexicons, out, include, exclude, runtimeImport, docs, strict, fileExt, importExt, emit, pull)\n`,
    )
    // An empty folder path is the project folder itself: generate took it as the output.
    for (const key of ['out', 'docs', 'lexicons']) {
      await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify({ include: ['*'], [key]: '' }))
      expect(await runCli(['generate'], dir), key).toMatchObject({ code: 1, stderr: `lexgen: error: ${join(dir, 'lexgen.config.json')} at ${key}: must name a folder, not be empty (the project folder itself)\n` })
    }
  })

  it('names where a bad setting came from: the config key (bad input, exit 1), or the flag (a usage error, exit 2)', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    const config = join(dir, 'lexgen.config.json')
    for (const [key, value, message] of [
      ['emit', 'JS', "must be one of ts, js (got 'JS')"],
      ['fileExt', '.js', "must be one of .ts, .mts (got '.js')"],
      ['importExt', 'mjs', "must be one of js, ts (got 'mjs')"],
      ['runtimeImport', '', "must name the runtime module (e.g. '@lexgen/runtime'), not be empty"],
    ] as const) {
      await writeFile(config, JSON.stringify({ include: ['*'], [key]: value }))
      const fromConfig = await runCli(['generate'], dir)
      expect(fromConfig.stderr, key).toBe(`lexgen: error: ${config} at ${key}: ${message}\n`)
      expect(fromConfig.code, key).toBe(1)
    }
    await writeFile(config, JSON.stringify({ include: ['*'] }))
    for (const [flag, value, message] of [
      ['--emit', 'JS', "must be one of ts, js (got 'JS')"],
      ['--file-ext', '.js', "must be one of .ts, .mts (got '.js')"],
      ['--import-ext', 'mjs', "must be one of js, ts (got 'mjs')"],
      ['--runtime-import', ' ', "must name the runtime module (e.g. '@lexgen/runtime'), not be empty"],
    ] as const) {
      const fromFlag = await runCli(['generate', flag, value], dir)
      expect(fromFlag.stderr, flag).toBe(`lexgen: usage error: ${flag} ${message}\n`)
      expect(fromFlag.code, flag).toBe(2)
    }
    // JavaScript output has no .ts modules to import.
    const both = await runCli(['generate', '--import-ext', 'ts', '--emit', 'js'], dir)
    expect(both).toMatchObject({ code: 2, stderr: "lexgen: usage error: --import-ext must be 'js' when JavaScript is emitted (its .js modules import each other as such)\n" })
  })

  it('exits 2 on an unknown flag', async () => {
    const result = await runCli(['generate', '--bogus'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("unknown option '--bogus'")
  })
})
