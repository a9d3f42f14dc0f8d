/**
 * The generator under interruption and hostile lexicons.
 *
 * - Killed (SIGKILL, and SIGINT as Ctrl-C does) at many points of a whole-corpus generation,
 *   some at random times and some timed from the moment its staging directory appears: the
 *   output directory is always either the previous output or the complete new one, byte for
 *   byte; a killed run may leave `.lexgen-<out>-<pid>-*` siblings, and the next run removes them
 *   (and puts the previous output back if the kill fell between the two renames).
 * - Hostile lexicon text (descriptions with `*\/` and backticks, knownValues with quotes and
 *   newlines, odd property and error names, a file name with a newline) generates code that
 *   typechecks, runs without executing anything injected, and shows the canary only in text.
 * - NSID-derived paths cannot leave the output directory.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, watch } from 'node:fs'
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate, type OutputFiles } from '../../codegen/index.js'
import { recoverOutputDirs } from '../../codegen/write.js'
import { LEXICONS, makeTypecheckable, removeDir, snapshotDir, ROOT, runCli, tempDir, typecheck } from '../codegen/helpers.js'
import { BREAKOUTS, CANARY, CANARY_IN_CODE } from './support/hostile.js'
import { report } from './support/seed.js'
import { codeOnly } from './support/ts-lexer.js'

const BIN = join(ROOT, 'codegen/bin/lexgen.js')
let root: string

beforeAll(async () => {
  root = await tempDir('lexgen-safety-')
})
afterAll(async () => {
  await removeDir(root)
})

const leftovers = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('.lexgen-')).sort()
const sameFiles = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>) => a.size === b.size && [...a].every(([path, text]) => b.get(path) === text)

describe('killing the generator mid-run', () => {
  const out = () => join(root, 'kill', 'out')
  const previousArgs = () => ['generate', '--lexicons', LEXICONS, '--out', out(), '--include', 'chat.bsky.convo.*']
  const fullArgs = () => ['generate', '--lexicons', LEXICONS, '--out', out(), '--include', '*']
  let previous: Map<string, string>
  let next: OutputFiles

  beforeAll(async () => {
    await mkdir(join(root, 'kill'), { recursive: true })
    expect((await runCli(previousArgs(), root)).code).toBe(0)
    previous = await snapshotDir(out())
    next = (await generate({ lexicons: LEXICONS, out: out(), include: ['*'], exclude: [], runtimeImport: '@lexgen/runtime', strict: false, fileExt: '.ts' })).files
    expect(previous.size).toBeGreaterThan(40)
    expect(next.size).toBeGreaterThan(400)
  })

  type When = { afterMs: number } | { afterStagingMs: number }

  /**
   * Starts the real CLI on the whole corpus and kills it `afterMs` after start, or `afterStagingMs`
   * after its staging dir appears (never, when neither is given). Says how long the run took from
   * the staging dir appearing to its exit.
   */
  async function killedRun(signal: NodeJS.Signals, when?: When) {
    const child: ChildProcess = spawn(process.execPath, [BIN, ...fullArgs()], { cwd: root, stdio: 'ignore' })
    const kill = () => child.exitCode === null && child.kill(signal)
    let staged: number | undefined
    const watcher = watch(join(root, 'kill'), (_event, name) => {
      if (staged === undefined && name?.startsWith('.lexgen-out-') && !name.endsWith('-previous')) {
        staged = performance.now()
        if (when && 'afterStagingMs' in when) setTimeout(kill, when.afterStagingMs)
      }
    })
    if (when && 'afterMs' in when) setTimeout(kill, when.afterMs)
    const [code, killedBy] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
    watcher.close()
    return { completed: code === 0, killed: killedBy === signal, writeMs: staged === undefined ? undefined : performance.now() - staged }
  }

  it('always leaves the previous output or the complete new one, and the next run cleans up', async () => {
    const figures = { runs: 0, killed: 0, completed: 0, leftPrevious: 0, leftNew: 0, leftovers: 0, recovered: 0, writeMs: 0, failures: 0 }
    // One run left alone measures the write phase: from the staging dir appearing to the exit.
    const timing = await killedRun('SIGKILL')
    expect(timing.completed).toBe(true)
    expect(sameFiles(await snapshotDir(out()), next)).toBe(true)
    expect((await runCli(previousArgs(), root)).code).toBe(0)
    const write = Math.max(20, timing.writeMs ?? 0)
    figures.writeMs = Math.round(write)
    // Points of the whole run, then points across the write phase (staging, files, the two
    // renames, removing the old output), as a fraction of how long it took above.
    const plan: [NodeJS.Signals, When][] = [
      ...[200, 700].map((ms): [NodeJS.Signals, When] => ['SIGKILL', { afterMs: ms }]),
      ...[0, 0.2, 0.4, 0.6, 0.75, 0.85, 0.92, 0.97, 1.02, 1.1].map((f): [NodeJS.Signals, When] => ['SIGKILL', { afterStagingMs: f * write }]),
      ['SIGINT', { afterMs: 450 }],
      ['SIGINT', { afterStagingMs: 0.5 * write }],
    ]
    for (const [signal, when] of plan) {
      figures.runs++
      const { completed, killed } = await killedRun(signal, when)
      if (killed) figures.killed++
      if (completed) figures.completed++
      // Killed between the swap's two renames, the output folder is missing until the next run's
      // first step (recovery) puts the previous one back or completes the journaled swap.
      if (!existsSync(out())) await recoverOutputDirs([out()])
      const now = await snapshotDir(out())
      const isPrevious = sameFiles(now, previous)
      const isNew = sameFiles(now, next)
      expect(isPrevious || isNew, `after ${signal} ${JSON.stringify(when)}: ${now.size} files, neither the previous output nor the new one`).toBe(true)
      if (isPrevious) figures.leftPrevious++
      else figures.leftNew++
      const left = await leftovers(join(root, 'kill'))
      figures.leftovers += left.length
      // Staging dir, moved-aside output, swap journal (or one being written).
      for (const name of left) expect(name).toMatch(/^\.lexgen-out-\d+-[A-Za-z0-9]{6}(-previous|\.swap|\.swap\.tmp)?$/)

      // The next run: succeeds, cleans every leftover, and writes the selection it was given.
      const again = await runCli(previousArgs(), root)
      expect(again.code, again.stderr).toBe(0)
      expect(await leftovers(join(root, 'kill'))).toEqual([])
      expect(sameFiles(await snapshotDir(out()), previous)).toBe(true)
      if (left.length) figures.recovered++
    }
    report('generator kills', figures)
    // The plan must actually have interrupted runs, including during the write.
    expect(figures.killed).toBeGreaterThanOrEqual(8)
  }, 300_000) // ~30 whole-corpus runs: minutes on a loaded 2-core machine

  it('a kill between the two renames: the next run puts the previous output back before anything else', async () => {
    // The state a run killed right after moving the old output aside leaves: no out/, the old
    // output as `…-previous` and the (complete) staging dir, both named after a dead pid.
    const dead = spawn(process.execPath, ['-e', ''])
    await once(dead, 'exit')
    const parent = join(root, 'window')
    await mkdir(parent, { recursive: true })
    const outDir = join(parent, 'out')
    expect((await runCli(['generate', '--lexicons', LEXICONS, '--out', outDir, '--include', 'chat.bsky.convo.*'], root)).code).toBe(0)
    const before = await snapshotDir(outDir)
    await cp(outDir, join(parent, `.lexgen-out-${dead.pid}-AbC123`), { recursive: true })
    await cp(outDir, join(parent, `.lexgen-out-${dead.pid}-AbC123-previous`), { recursive: true })
    await rm(outDir, { recursive: true })

    // `check` (which only reads) sees the previous output again, and up to date.
    const check = await runCli(['check', '--lexicons', LEXICONS, '--out', outDir, '--include', 'chat.bsky.convo.*'], root)
    expect(check.code, check.stderr).toBe(0)
    expect(sameFiles(await snapshotDir(outDir), before)).toBe(true)
    expect(await leftovers(parent)).toEqual([])
  })

  it("leaves a live run's staging directory alone (a concurrent run)", async () => {
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'])
    try {
      const parent = join(root, 'live')
      await mkdir(join(parent, `.lexgen-out-${live.pid}-Zz9Yy8`), { recursive: true })
      const result = await runCli(['generate', '--lexicons', LEXICONS, '--out', join(parent, 'out'), '--include', 'chat.bsky.convo.getLog'], root)
      expect(result.code, result.stderr).toBe(0)
      expect(await leftovers(parent)).toEqual([`.lexgen-out-${live.pid}-Zz9Yy8`])
    } finally {
      live.kill('SIGKILL')
    }
  })
})

describe('hostile lexicon text', () => {
  const HOSTILE = BREAKOUTS.join(' ')
  const doc = {
    lexicon: 1,
    id: 'com.example.hostile',
    description: `Ends the comment */ ${CANARY}(); /* and \`backticks\` \${${CANARY}()} ${HOSTILE}`,
    defs: {
      main: {
        type: 'procedure',
        description: HOSTILE,
        input: {
          encoding: 'application/json',
          description: HOSTILE,
          schema: {
            type: 'object',
            description: HOSTILE,
            required: ["we'ird-key", 'sp ace', `*/${CANARY}`],
            properties: {
              "we'ird-key": { type: 'string', description: HOSTILE, knownValues: [...BREAKOUTS, "it's", 'back\\slash', 'new\nline', '*/'] },
              'sp ace': { type: 'string', enum: [`a'b`, `c"d`, `e\nf`, `\${${CANARY}()}`], default: `a'b` },
              [`*/${CANARY}`]: { type: 'string', const: `'; ${CANARY}(); '`, maxLength: 10 },
              '__proto__': { type: 'integer', description: HOSTILE, minimum: 0, maximum: 9 },
              constructor: { type: 'boolean', description: HOSTILE },
              'déjà-vu 😀': { type: 'array', items: { type: 'string', knownValues: BREAKOUTS.slice(0, 4) } },
              [`\`${CANARY}\``]: { type: 'ref', ref: '#thing' },
            },
          },
        },
        output: { encoding: 'application/json', schema: { type: 'ref', ref: '#thing' } },
        errors: [
          { name: `Bad'Name`, description: HOSTILE },
          { name: `*/${CANARY}`, description: HOSTILE },
          { name: 'ExpiredToken' },
        ],
      },
      thing: {
        type: 'object',
        description: HOSTILE,
        properties: { [`${CANARY}'`]: { type: 'string', description: HOSTILE } },
      },
      tok: { type: 'token', description: HOSTILE },
    },
  }
  const query = {
    lexicon: 1,
    id: 'com.example.hostileQuery',
    defs: {
      main: {
        type: 'query',
        description: HOSTILE,
        parameters: { type: 'params', properties: { [`q'${CANARY}`]: { type: 'string', description: HOSTILE, knownValues: [...BREAKOUTS] }, cursor: { type: 'string' } } },
        output: { encoding: 'application/json', schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'ref', ref: 'com.example.hostile#thing' } }, cursor: { type: 'string' } } } },
      },
    },
  }

  async function writeLexicons(dir: string): Promise<void> {
    await mkdir(join(dir, 'com/example'), { recursive: true })
    await writeFile(join(dir, 'com/example/hostile.json'), JSON.stringify(doc))
    // The file name becomes the banner comment: a newline in it must not end that comment.
    await writeFile(join(dir, `com/example/query\n${CANARY}();\u2028${CANARY}();*.json`), JSON.stringify(query))
  }

  it('generates code that typechecks and holds the canary only inside comments and strings', async () => {
    const lexicons = join(root, 'hostile-lex')
    await writeLexicons(lexicons)
    const out = join(root, 'hostile-out')
    const result = await runCli(['generate', '--lexicons', lexicons, '--out', out, '--include', 'com.example.*'], root)
    expect(result.code, result.stderr).toBe(0)
    const files = await snapshotDir(out)
    let canaries = 0
    for (const [path, source] of files) {
      canaries += source.split(CANARY).length - 1
      const code = codeOnly(source)
      expect(CANARY_IN_CODE.exec(code), `${path}: lexicon text escaped into code`).toBeNull()
    }
    // The hostile text did reach the output (as text): the check above was not vacuous.
    expect(canaries).toBeGreaterThan(20)
    const tc = await typecheck(await makeTypecheckable(out))
    expect(tc.output).toBe('')
    expect(tc.code).toBe(0)
    report('hostile lexicon text', { files: files.size, canariesInText: canaries, canariesInCode: 0, typecheckErrors: 0 })
  })

  it('runs: importing every generated module executes nothing injected', async () => {
    const lexicons = join(root, 'hostile-lex-run')
    await writeLexicons(lexicons)
    const out = join(root, 'hostile-run')
    const runtime = pathToFileURL(join(ROOT, 'runtime/index.ts')).href
    const result = await runCli(['generate', '--lexicons', lexicons, '--out', out, '--include', 'com.example.*', '--runtime-import', runtime], root)
    expect(result.code, result.stderr).toBe(0)
    let calls = 0
    const g = globalThis as Record<string, unknown>
    g[CANARY] = () => void calls++
    try {
      for (const path of (await snapshotDir(out)).keys()) {
        const mod = (await import(pathToFileURL(join(out, path)).href)) as Record<string, unknown>
        expect(Object.keys(mod).length).toBeGreaterThan(0)
      }
    } finally {
      delete g[CANARY]
    }
    expect(calls).toBe(0)
  })
})

describe('NSID-derived paths', () => {
  it.each(['com.example..x', 'com.example.../x', 'com/example/x', '../../etc.passwd.x', 'com.example.x/..', 'com.example.%2e%2e', 'com.example.x\\..\\y', '/abs.olute.path', 'com.example.x\0y'])(
    'the id %j is refused with exit 1 and nothing is written anywhere',
    async (id) => {
      const dir = join(root, `nsid-${Buffer.from(id).toString('hex')}`)
      await mkdir(join(dir, 'lex'), { recursive: true })
      await writeFile(join(dir, 'lex/doc.json'), JSON.stringify({ lexicon: 1, id, defs: { main: { type: 'token' } } }))
      const result = await runCli(['generate', '--lexicons', join(dir, 'lex'), '--out', join(dir, 'out'), '--include', '*'], root)
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^lexgen: error: doc\.json at id: /)
      expect((await readdir(dir)).sort()).toEqual(['lex'])
    },
  )
})
