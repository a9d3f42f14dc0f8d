import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import { afterEach } from 'vitest'
import { main } from '../../codegen/cli.js'
import { processStart } from '../../codegen/writers.js'
import { eventually } from '../helpers/eventually.js'

export const ROOT = resolve(import.meta.dirname, '../..')
export const LEXICONS = join(ROOT, 'lexicons')
const run = promisify(execFile)

/**
 * `process.env` without NO_COLOR and FORCE_COLOR (the test runner sets one), plus `env`: what a CLI
 * started by a test runs with. Removed rather than blanked: Node 22 warns on stderr when both are
 * set, even to ''.
 */
export function colourlessEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env }
  delete base.NO_COLOR
  delete base.FORCE_COLOR
  return { ...base, ...env }
}

export async function tempDir(prefix = 'lexgen-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/**
 * Temp dirs for the tests of one file, removed after each test: `scratch()` makes one,
 * `track(dir)` adds one made otherwise (a copy of the lexicons).
 */
export function scratchDirs(): { scratch(): Promise<string>; track(dir: string): string } {
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map(removeDir))
  })
  return {
    scratch: async () => {
      const dir = await tempDir()
      dirs.push(dir)
      return dir
    },
    track: (dir) => {
      dirs.push(dir)
      return dir
    },
  }
}

type Main = typeof main

/** Runs the CLI in-process and captures what it prints; `io` adds what tests inject (DNS, PLC, a stop signal). */
export async function runCli(
  args: string[],
  cwd = ROOT,
  io: Omit<NonNullable<Parameters<Main>[1]>, 'out' | 'err' | 'cwd'> = {},
  cli: Main = main,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await cli(args, { ...io, out: (t) => void (stdout += t), err: (t) => void (stderr += t), cwd })
  return { code, stdout, stderr }
}

/**
 * {@link runCli} on the compiled CLI (codegen/dist, built by the global setup), as users run it:
 * it checks lexicons on a worker thread, which running from the TypeScript sources cannot start.
 */
export async function runCompiledCli(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  const compiled = (await import(new URL('../../codegen/dist/cli.js', import.meta.url).href)) as { main: Main }
  return runCli(args, cwd, {}, compiled.main)
}

/** Runs the real `lexgen` binary in a child process (as another user when `as` says so). */
export async function spawnCli(args: string[], cwd = ROOT, as?: { uid: number; gid: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'codegen/bin/lexgen.js'), ...args], { cwd, ...as })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/**
 * Two runs at once, ordered by what they do, not by time: `held`, the real CLI (die-at.mjs) with
 * `env`, is stopped (SIGSTOP) just before the step `killAt` names (KILL_AT, as kill-at.mjs reads
 * it); then `args` runs in-process, and once it says it is waiting for another lexgen (or, not
 * waiting, has finished), the held run goes on (SIGCONT). Resolves to both exit codes and what the
 * in-process run printed on stderr.
 */
export async function runWhileHeld(
  held: { killAt: string; args: string[]; env?: NodeJS.ProcessEnv },
  args: string[],
  cwd: string,
  io: Omit<NonNullable<Parameters<Main>[1]>, 'out' | 'err' | 'cwd'> = {},
): Promise<{ heldPid: number; heldCode: number | null; code: number; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'tests/codegen/support/die-at.mjs'), ...held.args], {
    cwd,
    env: { ...process.env, ...held.env, KILL_AT: held.killAt, KILL_SIGNAL: 'SIGSTOP' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const closed = once(child, 'close')
  let exited = false
  void closed.then(() => (exited = true))
  let childErr = ''
  const stopped = new Promise<void>((resolve) =>
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      childErr += chunk
      if (childErr.includes('kill-at: stopped\n')) resolve()
    }),
  )
  await Promise.race([stopped, closed])
  let stderr = ''
  let waiting!: () => void
  const saidWaiting = new Promise<void>((resolve) => (waiting = resolve))
  const err = (text: string) => {
    stderr += text
    if (text.includes('waiting for another lexgen')) waiting()
  }
  const running = main(args, { ...io, out: () => {}, err, cwd })
  await Promise.race([saidWaiting, running])
  // It says it stops just before it stops itself: on a busy machine a SIGCONT sent in between
  // would come first, and it would then stay stopped for good.
  await eventually(() => exited || isStopped(child.pid!), Infinity)
  child.kill('SIGCONT')
  const [[heldCode], code] = await Promise.all([closed, running])
  return { heldPid: child.pid!, heldCode: heldCode as number | null, code, stderr }
}

/** Whether process `pid` is stopped by a signal (its state in /proc, Linux). */
function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T'
  } catch {
    return true // no /proc to ask: as before, the message alone
  }
}

/** Writes lexicon docs (by relative path: JSON values, or text or bytes as they are) into a fresh directory. */
/** The lock file a lexgen running as process `pid` writes (codegen/lock.ts), to hold a folder as another run would. */
export function lockHeldBy(pid: number): string {
  return `${JSON.stringify({ pid, writer: processStart(pid) })}\n`
}

export async function lexiconDir(docs: Record<string, unknown>): Promise<string> {
  const dir = await tempDir('lexgen-lex-')
  for (const [path, doc] of Object.entries(docs)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), typeof doc === 'string' || doc instanceof Uint8Array ? doc : JSON.stringify(doc, null, 2))
  }
  return dir
}

/** A copy of the real lexicon snapshot that a test may edit. */
export async function copyOfLexicons(): Promise<string> {
  const dir = await tempDir('lexgen-lexcopy-')
  await cp(LEXICONS, dir, { recursive: true })
  return dir
}

export async function editJson(path: string, edit: (json: any) => void): Promise<void> {
  const json = JSON.parse(await readFile(path, 'utf8'))
  edit(json)
  await writeFile(path, JSON.stringify(json, null, 2))
}

export async function typecheck(project: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project])
    return { code: 0, output: stdout }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, output: e.stdout + e.stderr }
  }
}

/** Makes a generated output directory a strict NodeNext project that resolves `@lexgen/runtime` to this repo's sources. */
export async function makeTypecheckable(out: string): Promise<string> {
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n')
  const compilerOptions = {
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    customConditions: ['lexgen-source'],
    strict: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    paths: { '@lexgen/runtime': [join(ROOT, 'runtime/index.ts')], '@lexgen/runtime/validate': [join(ROOT, 'runtime/validate.ts')] },
  }
  await writeFile(join(out, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['**/*.ts'] }))
  return join(out, 'tsconfig.json')
}

/** Every file under `dir` by `/`-separated path, with its content (a test's view: it reads everything). */
export async function snapshotDir(dir: string): Promise<Map<string, string>> {
  let entries
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw error
  }
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort()
  return new Map(await Promise.all(files.map(async (file) => [relative(dir, file).split(sep).join('/'), await readFile(file, 'utf8')] as [string, string])))
}

/**
 * Makes the runtime resolvable from a temp project, as an installed package would be: a symbolic
 * link of the runtime package as `node_modules/@lexgen/runtime` (its `exports` point at the built
 * dist/). tests/packaging/ installs the packed tarballs instead.
 */
export async function provideRuntime(project: string): Promise<void> {
  await mkdir(join(project, 'node_modules/@lexgen'), { recursive: true })
  await symlink(join(ROOT, 'runtime'), join(project, 'node_modules/@lexgen/runtime'), 'dir')
}
