import { execFile, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { readFile, writeFile, readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { copyOfLexicons, makeTypecheckable, editJson, provideRuntime, ROOT, runCli, scratchDirs, snapshotDir, spawnCli, typecheck } from './helpers.js'

const { scratch, track } = scratchDirs()

describe('selection patterns on the command line', () => {
  // No NSID pattern: it selected nothing, said as a pattern that matched no lexicon (exit 1), or an option name taken as its value.
  it.each([
    [['generate', '--include', 'x..y'], "--include 'x..y'"],
    [['check', '--include', 'chat.bsky.convo.*', '--exclude', 'chat/bsky'], "--exclude 'chat/bsky'"],
    [['diff', '--include', '--no-compiler-check'], "--include '--no-compiler-check'"],
  ])('%j: a usage error', async (args, named) => {
    const result = await runCli([...args])
    expect(result).toMatchObject({ code: 2, stderr: `lexgen: usage error: ${named} is no NSID pattern: dot-separated names of letters, digits and '-', '*' for any part ('com.example.*')\n` })
  })
})

describe('lexgen check', () => {
  it('passes on the committed generated/ (the CI drift gate)', async () => {
    const result = await spawnCli(['check'])
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/^lexgen: generated is up to date \(76 files\), docs\/api is up to date \(30 files\)\n$/)
    expect(result.code).toBe(0)
  })

  it('fails and names the affected file when a lexicon gains a property', async () => {
    const lexicons = await copyOfLexicons()
    track(lexicons)
    await editJson(join(lexicons, 'chat/bsky/convo/defs.json'), (doc) => {
      doc.defs.convoView.properties.pinned = { type: 'boolean', description: 'Whether the user pinned it.' }
    })
    const result = await runCli(['check', '--lexicons', lexicons])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('generated is stale')
    expect(result.stderr).toContain('  changed: chat/bsky/convo/defs.ts\n')
    expect(result.stderr).not.toContain('changed: chat/bsky/convo/getConvo.ts')
    expect(result.stderr).toContain('+  /** Whether the user pinned it. */\n+  pinned?: boolean')
  })

  it('reports added, removed and stray files without touching them', async () => {
    const out = await scratch()
    expect((await runCli(['generate', '--out', out])).code).toBe(0)
    await writeFile(join(out, 'notes.ts'), 'export const mine = 1\n')
    const before = await snapshotDir(out)
    const result = await runCli(['check', '--out', out, '--exclude', 'chat.bsky.convo.muteConvo'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('  removed: chat/bsky/convo/muteConvo.ts\n')
    expect(result.stderr).toContain('  stray:   notes.ts\n')
    expect(result.stderr).toContain('  changed: client.ts\n')
    expect(await snapshotDir(out)).toEqual(before)
  })

  it("names the generate command with its own flags (a shell reads it back), and says when the output folder is missing", async () => {
    const root = await scratch()
    const flags = ['--lexicons', relative(root, ROOT) + '/lexicons', '--include', 'chat.bsky.convo.get*', '--out', 'client', '--no-docs']
    const command = `npx lexgen generate --lexicons ${relative(root, ROOT)}/lexicons --include 'chat.bsky.convo.get*' --out client --no-docs`
    // Never generated: no patch of every file, no lexicon-history hint.
    const missing = await runCli(['check', ...flags], root)
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: `lexgen: client does not exist; run \`${command}\` and commit the result (33 files)\n` })

    const { stdout } = await promisify(execFile)('sh', ['-c', `set -- ${command.slice('npx lexgen '.length)}; printf '%s\\0' "$@"`])
    const argv = stdout.split('\0').slice(0, -1)
    expect(argv).toEqual(['generate', ...flags])
    expect((await runCli(argv, root)).code).toBe(0)
    expect(await runCli(['check', ...flags], root)).toMatchObject({ code: 0, stdout: 'lexgen: client is up to date (33 files)\n' })

    await writeFile(join(root, 'client/index.ts'), '// mine\n', { flag: 'a' })
    const stale = await runCli(['check', ...flags], root)
    expect(stale.code).toBe(1)
    expect(stale.stderr).toContain(`lexgen: client is stale; run \`${command}\` and commit the result:\n  changed: index.ts\n`)
  })

  it('limits the size of the diff it prints', async () => {
    const out = await scratch()
    const result = await runCli(['check', '--out', out])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('  added:   chat/bsky/convo/getConvo.ts\n')
    expect(result.stderr).toMatch(/\.\.\. diff truncated: \d+ more lines\n$/)
    // 400 diff lines, plus the list of the 75 files.
    expect(result.stderr.split('\n').length).toBeLessThan(400 + 90)
  })
})

describe('lexgen generate', () => {
  it('prints a one-line summary and writes one module per doc plus client, index, validation and runtime', async () => {
    const out = await scratch()
    const result = await spawnCli(['generate', '--out', out, '--include', 'chat.bsky.convo.*'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^lexgen: read 402 docs, selected 44, wrote 48 files to .+ \(48 changed\) in \d+ ms\n$/)
    const files = [...(await snapshotDir(out)).keys()]
    expect(files).toHaveLength(48)
    expect(files).toContain('chat/bsky/convo/getConvo.ts')
    expect(files).toContain('app/bsky/richtext/facet.ts')
    expect(files.filter((f) => f.startsWith('chat/bsky/convo/') && f !== 'chat/bsky/convo/defs.ts')).toHaveLength(22)
  })

  it('resolves a relative --runtime-import from the output folder: only runtime.ts imports it', async () => {
    const out = await scratch()
    const runtime = relative(out, join(ROOT, 'runtime/index.ts'))
    expect(runtime.startsWith('..')).toBe(true)
    const result = await runCli(['generate', '--out', out, '--include', 'chat.bsky.convo.getConvo', '--runtime-import', runtime])
    expect(result.code, result.stderr).toBe(0)
    const files = await snapshotDir(out)
    expect([...files].filter(([, text]) => text.includes(runtime)).map(([path]) => path)).toEqual(['runtime.ts'])
    const client = (await import(pathToFileURL(join(out, 'index.ts')).href)) as typeof import('../../generated/index.js')
    const check = client.ChatBskyConvoGetConvo.validators.params!
    const ctx = { issues: [], strict: false, blobLimits: false, depthLeft: 128 }
    expect([check({ convoId: 'x' }, ctx), check({}, ctx)]).toEqual([true, false])
  })

  it('gives byte-identical output on two runs', async () => {
    const [a, b] = [await scratch(), await scratch()]
    await spawnCli(['generate', '--out', a, '--include', '*'])
    await spawnCli(['generate', '--out', b, '--include', '*'])
    const [filesA, filesB] = [await snapshotDir(a), await snapshotDir(b)]
    expect(filesA.size).toBe(407)
    expect(filesB).toEqual(filesA)
  })

  it('refuses to replace a directory holding hand-written files, and leaves it as it was', async () => {
    const out = await scratch()
    await writeFile(join(out, 'handwritten.ts'), 'export const mine = 1\n')
    const result = await runCli(['generate', '--out', out])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/it holds what lexgen did not generate, which would be lost:\n  \S+\/handwritten\.ts\n/)
    expect(await readdir(out)).toEqual(['handwritten.ts'])
  })

  it('generates the whole 402-doc corpus into code that typechecks strictly', async () => {
    const out = await scratch()
    const result = await runCli(['generate', '--out', out, '--include', '*'])
    expect(result.code).toBe(0)
    const tsc = await typecheck(await makeTypecheckable(out))
    expect(tsc.output).toBe('')
    expect(tsc.code).toBe(0)
  })

  it("generates the whole corpus into code that typechecks under @tsconfig/strictest's options, and with isolated declarations", async () => {
    // noUnusedLocals and the like reach into the generated .ts files of a user's project; the
    // whole corpus has defs (open unions with no members) the committed selection lacks.
    const out = await scratch()
    expect((await runCli(['generate', '--out', out, '--include', '*'])).code).toBe(0)
    // The runtime as installed (its dist/ declarations), not its sources through `paths`: what is
    // checked is the generated code, as a user's project checks it.
    await provideRuntime(out)
    const project = await makeTypecheckable(out)
    const config = JSON.parse(await readFile(project, 'utf8'))
    delete config.compilerOptions.paths
    delete config.compilerOptions.customConditions
    Object.assign(config.compilerOptions, {
      exactOptionalPropertyTypes: true,
      noImplicitOverride: true,
      noImplicitReturns: true,
      noPropertyAccessFromIndexSignature: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noFallthroughCasesInSwitch: true,
      allowUnreachableCode: false,
      allowUnusedLabels: false,
      erasableSyntaxOnly: true,
      isolatedDeclarations: true,
      declaration: true,
    })
    await writeFile(project, JSON.stringify(config))
    const tsc = await typecheck(project)
    expect(tsc.output).toBe('')
    expect(tsc.code).toBe(0)
  })

  it('leaves generated/ untouched when nothing changed', async () => {
    const out = await scratch()
    await runCli(['generate', '--out', out])
    const first = await readFile(join(out, 'index.ts'), 'utf8')
    const again = await runCli(['generate', '--out', out])
    expect(again.stdout).toContain('(0 changed)')
    expect(await readFile(join(out, 'index.ts'), 'utf8')).toBe(first)
  })
})

describe('lexgen in scripts', () => {
  const HISTORY = join(ROOT, '../shared/lexicon-history/2026-04-22')
  const diff = ['diff', '--from', HISTORY, '--to', join(ROOT, 'lexicons'), '--format', 'json', '--fail-on', 'none', '--no-compiler-check']
  /** The binary (signalled as kill-at.mjs says when `env` has KILL_AT), its stdout a pipe or the file descriptor `stdout`. */
  const binary = (args: string[], env: Record<string, string> = {}, stdout: 'pipe' | number = 'pipe') =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const preload = env['KILL_AT'] ? ['--import', join(ROOT, 'tests/codegen/support/kill-at.mjs')] : []
      const child = spawn(process.execPath, [...preload, join(ROOT, 'codegen/bin/lexgen.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'pipe'] })
      let [out, err] = ['', '']
      child.stdout?.on('data', (chunk: Buffer) => void (out += chunk))
      child.stderr!.on('data', (chunk: Buffer) => void (err += chunk))
      child.on('close', (code) => resolve({ code, stdout: out, stderr: err }))
    })

  it("a SIGTERM that comes in the run's last synchronous stretch (as the report is written) still ends it as cancelled: 143, not the run's own 0", async () => {
    const result = await binary(diff, { KILL_AT: 'output:1', KILL_SIGNAL: 'SIGTERM' })
    expect(result).toMatchObject({ code: 143, stderr: 'lexgen: interrupted by SIGTERM once the run had finished: what it did stands\n' })
    expect(JSON.parse(result.stdout)).toMatchObject({ format: 'lexgen-diff/1' })
  })

  it('output that cannot be written (stdout to a full device): exit 1 and one line saying so, no stack', async () => {
    const full = openSync('/dev/full', 'w')
    try {
      for (const args of [['--version'], diff]) {
        const result = await binary(args, {}, full)
        expect(result, args.join(' ')).toMatchObject({ code: 1, stderr: 'lexgen: error: cannot write the output: ENOSPC: no space left on device, write\n' })
      }
    } finally {
      closeSync(full)
    }
  })
})
