/**
 * What a user of the published packages does, in a fresh temporary project: `npm pack` both
 * packages (their `prepack` builds them), `npm install` the tarballs (the runtime as a
 * dependency, the CLI as a devDependency), generate a client with the installed `lexgen` binary,
 * then typecheck, build and run it with that project's own settings.
 *
 * Installs resolve the packages' dependencies from npm's cache (`--prefer-offline`): `npm ci`
 * of this repository has already put every one of them there.
 */
import { execFile } from 'node:child_process'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ROOT, tempDir } from '../../codegen/helpers.js'

const run = promisify(execFile)
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error']

export interface Tarballs {
  readonly runtime: string
  readonly cli: string
}

/**
 * Packs `@lexgen/runtime` and `lexgen` into `dir`, as `npm publish` would, from the dist/ the test
 * run's global setup built. `prepack` (which rebuilds dist/) is skipped: rewriting dist/ here would
 * race with the other test files that run the CLI from it.
 */
export async function packPackages(dir: string): Promise<Tarballs> {
  await npm(['pack', '--ignore-scripts', '--workspace', 'runtime', '--workspace', 'codegen', '--pack-destination', dir], ROOT)
  const files = await readdir(dir)
  const find = (prefix: string) => {
    const file = files.find((name) => name.startsWith(prefix) && name.endsWith('.tgz'))
    if (!file) throw new Error(`npm pack wrote no ${prefix}*.tgz into ${dir} (found: ${files.join(', ')})`)
    return join(dir, file)
  }
  return { runtime: find('lexgen-runtime-'), cli: find('lexgen-0') }
}

/**
 * A project in a new temporary folder that installs freshly packed tarballs with another package
 * manager: its package.json only, written for `install` to read. The CLI depends on
 * @lexgen/runtime at its own version, which is not in the registry: `pin` (bun's `overrides`, Yarn's
 * `resolutions`) points it at the tarball too. `dirs` are the folders to remove afterwards.
 */
export async function tarballProject(name: string, pin: 'overrides' | 'resolutions'): Promise<{ project: string; dirs: string[] }> {
  const packDir = await tempDir('lexgen-pack-')
  const project = await tempDir(`lexgen-${name}-`)
  const tarballs = await packPackages(packDir)
  const runtime = `file:${tarballs.runtime}`
  const manifest = {
    name: 'consumer',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: { '@lexgen/runtime': runtime },
    devDependencies: { lexgen: `file:${tarballs.cli}` },
    [pin]: { '@lexgen/runtime': runtime },
  }
  await writeFile(join(project, 'package.json'), JSON.stringify(manifest, null, 2))
  return { project, dirs: [packDir, project] }
}

/** A program that gets `convoId` from the server at `service` through the generated Client and prints `got <id>`. */
export function getConvoProgram(service: string, token: string, convoId: string): string {
  return [
    `import { Client } from './generated/index.js'`,
    `const client = new Client({ service: ${JSON.stringify(service)}, auth: ${JSON.stringify(token)} })`,
    `const { convo } = await client.chat.bsky.convo.getConvo({ convoId: ${JSON.stringify(convoId)} })`,
    'console.log(`got ${convo.id}`)',
    '',
  ].join('\n')
}

export interface Consumer {
  readonly dir: string
  /** Runs a command in the project; rejects with its output when it exits non-zero. */
  exec(file: string, args: string[]): Promise<string>
  /** Runs the project's installed `lexgen` binary. */
  lexgen(args: string[]): Promise<string>
  /** The repository's TypeScript compiler (the user's would do the same) on the project. */
  tsc(args: string[]): Promise<string>
  /** `npm install`s more packages into the project (from npm's cache, as the rest). */
  install(packages: string[]): Promise<string>
}

/**
 * A fresh project holding `packageJson` and `files`, with the runtime installed as a dependency and,
 * unless `cli` is false, the CLI as a devDependency.
 */
export async function createConsumer(
  tarballs: Tarballs,
  packageJson: Record<string, unknown>,
  files: Record<string, string>,
  { cli = true } = {},
): Promise<Consumer> {
  const dir = await tempDir('lexgen-consumer-')
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, ...packageJson }, null, 2))
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true })
    await writeFile(join(dir, path), content)
  }
  await npm(['install', ...NPM_FLAGS, tarballs.runtime], dir)
  if (cli) await npm(['install', '--save-dev', ...NPM_FLAGS, tarballs.cli], dir)
  const exec = (file: string, args: string[]) => output(file, args, dir)
  return {
    dir,
    exec,
    lexgen: (args) => exec(process.execPath, [join(dir, 'node_modules/lexgen/bin/lexgen.js'), ...args]),
    tsc: (args) => exec(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), ...args]),
    install: (packages) => npm(['install', ...NPM_FLAGS, ...packages], dir),
  }
}

/** Every package installed under `dir/node_modules`, by name (scoped ones as `@scope/name`). */
export async function installedPackages(dir: string): Promise<string[]> {
  const names: string[] = []
  const walk = async (modules: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(modules, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue
      if (entry.name.startsWith('@')) {
        for (const scoped of await readdir(join(modules, entry.name))) {
          names.push(`${entry.name}/${scoped}`)
          await walk(join(modules, entry.name, scoped, 'node_modules'))
        }
      } else {
        names.push(entry.name)
        await walk(join(modules, entry.name, 'node_modules'))
      }
    }
  }
  await walk(join(dir, 'node_modules'))
  return [...new Set(names)].sort()
}

function npm(args: string[], cwd: string): Promise<string> {
  return output('npm', args, cwd)
}

async function output(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 })
    return stdout + stderr
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string }
    throw new Error(`${[file, ...args].join(' ')} failed in ${cwd} (exit ${e.code}):\n${e.stdout ?? ''}${e.stderr ?? e.message}`)
  }
}
