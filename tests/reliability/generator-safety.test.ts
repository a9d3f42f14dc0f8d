/**
 * The generator under interruption and hostile lexicons.
 *
 * - Killed (SIGKILL, and SIGINT as Ctrl-C does) just before chosen steps of a whole-corpus
 *   generation's write (counted file-system calls, not moments, so the points are the same on a
 *   busy machine): the output folder is the previous output or the complete new one, byte for
 *   byte, or missing with the swap journal beside it (killed between the swap's two renames); the
 *   next run, `generate` or `check`, completes a journaled swap or drops an unjournaled one before
 *   anything else, and removes every `.lexgen-<out>-<pid>-*` sibling.
 * - Hostile lexicon text (descriptions with `*\/` and backticks, knownValues with quotes and
 *   newlines, odd property and error names, a file name with a newline) generates code that
 *   typechecks, runs without executing anything injected, and shows the canary only in text.
 * - NSID-derived paths cannot leave the output directory.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate, type OutputFiles } from '../../codegen/index.js'
import { LEXICONS, makeTypecheckable, removeDir, snapshotDir, ROOT, runCli, tempDir, typecheck } from '../codegen/helpers.js'
import { BREAKOUTS, CANARY, CANARY_IN_CODE, RAW_CONTROL } from './support/hostile.js'
import { report } from './support/seed.js'
import { codeOnly } from './support/ts-lexer.js'

/** The real CLI, killed at a chosen step of its write (tests/codegen/support/die-at.mjs). */
const DIE_AT = join(ROOT, 'tests/codegen/support/die-at.mjs')
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

  /** A step of the write the run is killed just before: the Nth call of one file-system operation (die-at.mjs). */
  type KillPoint = { readonly at: string; readonly signal?: NodeJS.Signals }

  /** Runs the real CLI on the whole corpus, killed just before `point`; says how it ended. */
  async function killedRun({ at, signal = 'SIGKILL' }: KillPoint) {
    const child: ChildProcess = spawn(process.execPath, [DIE_AT, ...fullArgs()], { cwd: root, stdio: 'ignore', env: { ...process.env, KILL_AT: at, KILL_SIGNAL: signal } })
    const [code, killedBy] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
    return { completed: code === 0, killed: killedBy === signal }
  }

  /** What the output folder holds: the previous output, the new one, nothing at all, or a mix. */
  async function state(): Promise<'previous' | 'new' | 'missing' | 'mixed'> {
    if (!existsSync(out())) return 'missing'
    const now = await snapshotDir(out())
    return sameFiles(now, previous) ? 'previous' : sameFiles(now, next) ? 'new' : 'mixed'
  }

  it('killed at any step of the write, the next run (generate or check) finds the previous output or the complete new one', async () => {
    // The steps, in order: the lexicon folder's lock written, and removed once it is read, the output's
    // lock written (codegen/lock.ts); then (codegen/write.ts) the output's parent made, the staging folder
    // made, every file written into it, the journal written then renamed into place (the commit point),
    // the old output moved aside, the staging folder moved in, the journal and the old output removed.
    const files = next.size
    const plan: (KillPoint & { expect: 'previous' | 'new' })[] = [
      { at: 'write:1', expect: 'previous' }, // the lexicon folder's lock
      { at: 'rm:1', expect: 'previous' }, // the lexicon folder's lock, removed
      { at: 'write:2', expect: 'previous' }, // the output's lock
      { at: 'mkdir:1', expect: 'previous' },
      { at: 'mkdir:2', expect: 'previous' },
      { at: 'write:3', expect: 'previous' },
      { at: `write:${Math.floor(files / 2) + 2}`, expect: 'previous' },
      { at: `write:${Math.floor(files / 2) + 2}`, signal: 'SIGINT', expect: 'previous' },
      { at: `write:${files + 2}`, expect: 'previous' },
      { at: `write:${files + 3}`, expect: 'previous' }, // the journal, not yet in place
      { at: 'rename:1', expect: 'previous' }, // the journal's rename into place
      { at: 'rename:2', expect: 'new' }, // the old output moved aside: the swap is committed
      { at: 'rename:2', signal: 'SIGINT', expect: 'new' },
      { at: 'rename:3', expect: 'new' }, // between the two renames: no output folder at all
      { at: 'rm:2', expect: 'new' }, // the journal removed
      { at: 'rm:4', expect: 'new' }, // the output's lock, removed (rm:3 is the old output): left for the next run to take over
    ]
    const figures = { runs: 0, killed: 0, leftPrevious: 0, leftNew: 0, leftMissing: 0, leftovers: 0, repairedByCheck: 0, repairedByGenerate: 0, failures: 0 }
    for (const [i, point] of plan.entries()) {
      const where = `killed by ${point.signal ?? 'SIGKILL'} before ${point.at}`
      figures.runs++
      const { killed } = await killedRun(point)
      expect(killed, `${where}: the run was not killed there`).toBe(true)
      figures.killed++
      // Right after the kill: one generation or the other, or (between the two renames) no folder
      // at all with the journal that completes the swap. Never a mix.
      const left = await leftovers(join(root, 'kill'))
      const after = await state()
      expect(after, where).not.toBe('mixed')
      if (after === 'missing') expect(left.some((name) => name.endsWith('.swap')), `${where}: no output and no journal`).toBe(true)
      figures[after === 'previous' ? 'leftPrevious' : after === 'new' ? 'leftNew' : 'leftMissing']++
      figures.leftovers += left.length
      // Staging dir, moved-aside output, swap journal (or one being written), the output's lock.
      for (const name of left) expect(name).toMatch(/^\.lexgen-out-(\d+-[A-Za-z0-9]{6}(-previous|\.swap|\.swap\.tmp)?|lock)$/)

      // The next run repairs it first: `check` (which only reads otherwise) or `generate` of the
      // previous selection, taking turns. A journal in place means the new output; none, the previous.
      if (i % 2 === 0) {
        const check = await runCli(['check', ...fullArgs().slice(1)], root)
        expect(check.code, `${where}: check says ${check.stderr}`).toBe(point.expect === 'new' ? 0 : 1)
        expect(await state(), where).toBe(point.expect)
        figures.repairedByCheck++
      } else {
        figures.repairedByGenerate++
      }
      const again = await runCli(previousArgs(), root)
      expect(again.code, again.stderr).toBe(0)
      expect(await leftovers(join(root, 'kill'))).toEqual([])
      expect(await state()).toBe('previous')
    }
    report('generator kills', figures)
  }, 600_000) // a hang guard only: ~40 whole-corpus runs

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
              [`*/${CANARY}`]: { type: 'string', const: `'; ${CANARY}(); '`, maxLength: 40 },
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
      expect(RAW_CONTROL.exec(source), `${path}: a control character or bidi override written as it is`).toBeNull()
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
      expect(result.stderr).toMatch(/^lexgen: error: nsid-[0-9a-f]+\/lex\/doc\.json:1:\d+ at id: /)
      expect((await readdir(dir)).sort()).toEqual(['lex'])
    },
  )
})
