/**
 * The CLI as a new user meets it: `--version`, `lexgen init` (in an empty folder, then pull and
 * generate with what it wrote; in a CommonJS package), the config found from a subfolder,
 * "did you mean" for include patterns, colour on a terminal only, `check`'s diff taken by a real
 * `git apply`, a checkout with CRLF line endings, `--include` replacing the config's selection, and output into a pipe closed early.
 */
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { CHAT_SELECTION } from '../../codegen/init.js'
import { compatible } from '../../codegen/runtime-note.js'
import { baseDocs, writeDocs } from './changes/support.js'
import { colourlessEnv, editJson, LEXICONS, provideRuntime, removeDir, ROOT, runCli, snapshotDir, tempDir } from './helpers.js'

const run = promisify(execFile)
const BIN = join(ROOT, 'codegen/bin/lexgen.js')
const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

async function scratch(): Promise<string> {
  const dir = await tempDir('lexgen-user-')
  dirs.push(dir)
  return dir
}

/** The real binary in `cwd`, stdout and stderr pipes, with `env` added (colour variables cleared). */
async function lexgen(args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: colourlessEnv(env) })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', ...args], { cwd })
  return stdout
}

describe('lexgen --version', () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'codegen/package.json'), 'utf8')) as { version: string }
    for (const flag of ['--version', '-v']) {
      const result = await lexgen([flag], ROOT)
      expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
    }
  })
})

describe('lexgen init', () => {
  it('in an empty folder: writes the chat defaults, says what is missing, prints the next commands; pull and generate then work', async () => {
    const project = await scratch()
    const result = await lexgen(['init'], project)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const config = JSON.parse(await readFile(join(project, 'lexgen.config.json'), 'utf8'))
    expect(config).toEqual({
      lexicons: 'lexicons',
      out: 'generated',
      docs: 'docs/lexgen',
      ...CHAT_SELECTION,
      pull: { git: [{ url: 'https://github.com/bluesky-social/atproto.git', ref: 'main', folder: 'lexicons', ...CHAT_SELECTION }] },
    })
    expect(CHAT_SELECTION).toEqual({
      include: ['chat.bsky.*', 'com.atproto.server.createSession', 'com.atproto.server.refreshSession', 'com.atproto.server.deleteSession', 'com.atproto.server.getSession'],
      exclude: ['chat.bsky.moderation.*', 'chat.bsky.authFullChatClient'],
    })
    expect(result.stdout).toContain('no package.json: create one (`npm init -y && npm pkg set type=module`), then `npm i @lexgen/runtime && npm i -D lexgen`')
    expect(result.stdout).toContain('\nnext:\n  npx lexgen pull ')
    expect(result.stdout).toContain('\n  npx lexgen generate ')
    expect(result.stdout).toContain("then: import { Client } from './generated/index.js'")

    // It never overwrites the config, from the folder or below it.
    await writeFile(join(project, 'lexgen.config.json'), '{ "include": ["mine.*"] }\n')
    for (const cwd of [project, join(project, 'deeper')]) {
      await mkdir(cwd, { recursive: true })
      const again = await lexgen(['init'], cwd)
      expect(again.code).toBe(1)
      expect(again.stderr).toMatch(/lexgen: error: (\.\.\/)?lexgen\.config\.json already exists: lexgen init never overwrites it/)
    }
    expect(await readFile(join(project, 'lexgen.config.json'), 'utf8')).toBe('{ "include": ["mine.*"] }\n')
    await writeFile(join(project, 'lexgen.config.json'), `${JSON.stringify(config)}\n`)

    // `npx lexgen pull` with the config as written: the git source is redirected (git's own
    // insteadOf) to a local repository holding this repo's lexicons in atproto's layout.
    const upstream = await scratch()
    await git(upstream, 'init', '-q', '-b', 'main')
    await cp(LEXICONS, join(upstream, 'lexicons'), { recursive: true })
    await git(upstream, 'add', '-A')
    await git(upstream, 'commit', '-q', '-m', 'lexicons')
    const env = {
      LEXGEN_CACHE_DIR: await scratch(),
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `url.${upstream}.insteadOf`,
      GIT_CONFIG_VALUE_0: 'https://github.com/bluesky-social/atproto.git',
    }
    const pulled = await lexgen(['pull'], project, env)
    expect(pulled.code, pulled.stderr).toBe(0)
    expect(await readFile(join(project, 'lexicons/chat/bsky/convo/sendMessage.json'), 'utf8')).toBe(await readFile(join(LEXICONS, 'chat/bsky/convo/sendMessage.json'), 'utf8'))
    expect(JSON.parse(await readFile(join(project, 'lexicons.json'), 'utf8')).git[0].url).toBe('https://github.com/bluesky-social/atproto.git')

    const generated = await lexgen(['generate'], project)
    expect(generated.code, generated.stderr).toBe(0)
    const files = await snapshotDir(join(project, 'generated'))
    expect(files.has('chat/bsky/convo/sendMessage.ts')).toBe(true)
    expect(files.has('session.ts')).toBe(true)
    expect(files.has('chat/bsky/moderation/getActorMetadata.ts')).toBe(false)
    expect((await snapshotDir(join(project, 'docs/lexgen'))).has('README.md')).toBe(true)
  }, 120_000)

  it('in a CommonJS package with an old tsconfig: generates .mts, and says what to change in package.json and tsconfig.json', async () => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', main: 'index.js', dependencies: { '@lexgen/runtime': '^0.2.0' }, devDependencies: { typescript: '^5.9.3' } }))
    await provideRuntime(project) // what installing it does
    // tsconfig.json as people write it: comments, trailing commas, a URL in a string.
    await writeFile(
      join(project, 'tsconfig.json'),
      '{\n  // the old way\n  "$schema": "https://json.schemastore.org/tsconfig",\n  "compilerOptions": {\n    "module": "commonjs", /* node10 resolution */\n    "strict": true,\n  },\n}\n',
    )
    await mkdir(join(project, 'src/lib'), { recursive: true })
    // From a subfolder: the config goes to the package root.
    const result = await lexgen(['init'], join(project, 'src/lib'))
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const config = JSON.parse(await readFile(join(project, 'lexgen.config.json'), 'utf8'))
    expect(config).toMatchObject({ out: 'src/generated', fileExt: '.mts', ...CHAT_SELECTION })
    expect(result.stdout).toContain('lexgen: wrote ../../lexgen.config.json')
    expect(result.stdout).toContain('package.json has no "type": "module", so the package is CommonJS: the config says "fileExt": ".mts"')
    expect(result.stdout).toContain('tsconfig.json resolves modules the old way ("module": "commonjs"): @lexgen/runtime is found through its package "exports", so set "module": "nodenext"')
    expect(result.stdout).toContain('`npm i -D lexgen`')
    expect(result.stdout).not.toContain('npm i @lexgen/runtime')
    expect(result.stdout).toContain("then, in TypeScript: import lexgen = require('./generated/index.mjs')   (Node 20.19+ loads the ESM client; TypeScript 5.8+ with \"module\": \"nodenext\"), from a module in src/")
    // TypeScript 5 compiles to ES5 without a target: the generated classes' #fields need ES2015.
    expect(result.stdout).toContain('tsconfig.json sets no "target" (TypeScript 5 then compiles to ES5): the generated client needs ES2015 or later, so set "target": "es2022"')
    // TypeScript 6 and later default to a modern target: nothing to say then.
    await editJson(join(project, 'package.json'), (json) => (json.devDependencies.typescript = '^7.0.2'))
    await removeDir(join(project, 'lexgen.config.json'))
    expect((await lexgen(['init'], project)).stdout).not.toContain('"target"')
    await editJson(join(project, 'package.json'), (json) => (json.devDependencies.typescript = '^5.9.3'))
    await removeDir(join(project, 'lexgen.config.json'))
    await lexgen(['init'], join(project, 'src/lib'))

    expect(result.stdout).toContain('tsconfig.json has no "outDir": tsc would write its .js files into the generated folder')

    // What init suggested, done, or a `module` that implies the same resolution: no more advice about tsconfig.
    for (const module of ['nodenext', 'node20', 'node18']) {
      await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module, target: 'es2022', strict: true, outDir: 'dist' } }))
      await removeDir(join(project, 'lexgen.config.json'))
      const fixed = await lexgen(['init'], project)
      expect(fixed.stdout, module).not.toContain('tsconfig.json')
    }
    // node16 resolves the same way, but `import x = require()` of the ESM client compiles under nodenext only (TS1471).
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'node16', target: 'es2022', strict: true, outDir: 'dist' } }))
    await removeDir(join(project, 'lexgen.config.json'))
    expect((await lexgen(['init'], project)).stdout).toContain('tsconfig.json sets "module": "node16": in a CommonJS package TypeScript loads the ESM client with `import x = require()` under "nodenext" only')

    // Settings in a config it extends count as its own.
    await writeFile(join(project, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', outDir: 'dist' } }))
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ extends: './tsconfig.base.json', compilerOptions: { strict: true } }))
    await removeDir(join(project, 'lexgen.config.json'))
    const extended = await lexgen(['init'], project)
    expect(extended.stdout).not.toContain('tsconfig.json')

    // The config works: .mts modules, from the subfolder too.
    const generated = await lexgen(['generate', '--lexicons', LEXICONS, '--no-docs'], join(project, 'src/lib'))
    expect(generated.stderr).toBe('')
    expect(generated.code).toBe(0)
    expect((await snapshotDir(join(project, 'src/generated'))).has('index.mts')).toBe(true)
  }, 60_000)
})

describe('lexgen init in an existing project', () => {
  it('with no TypeScript (no tsconfig.json, no typescript dependency): JavaScript that node runs as it is', async () => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'bot', version: '1.0.0', type: 'module', dependencies: { '@lexgen/runtime': '^0.2.0' } }))
    await provideRuntime(project)
    const result = await lexgen(['init'], project)
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(await readFile(join(project, 'lexgen.config.json'), 'utf8'))).toMatchObject({ out: 'generated', emit: 'js' })
    expect(result.stdout).toContain('no tsconfig.json and no typescript dependency, so the config says "emit": "js"')
    expect((await lexgen(['generate', '--lexicons', LEXICONS, '--no-docs'], project)).code).toBe(0)
    // The import init prints runs under plain node.
    await writeFile(join(project, 'main.js'), "import { Client } from './generated/index.js'\nconsole.log(typeof Client)\n")
    expect((await run(process.execPath, ['main.js'], { cwd: project })).stdout).toBe('function\n')
    expect(result.stdout).toContain("then: import { Client } from './generated/index.js'")
    // That JavaScript is lexgen's own: check, with the config now asking for TypeScript, does not blame tsc for it.
    await editJson(join(project, 'lexgen.config.json'), (config) => delete config.emit)
    const checked = await lexgen(['check', '--lexicons', LEXICONS, '--no-docs'], project)
    expect(checked.code).toBe(1)
    expect(checked.stderr).toContain('generated is stale')
    expect(checked.stderr).not.toContain("TypeScript's output")

    // A project with TypeScript gets TypeScript.
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'bot', version: '1.0.0', type: 'module', devDependencies: { typescript: '^5.9.0' } }))
    await removeDir(join(project, 'lexgen.config.json'))
    expect((await lexgen(['init'], project)).code).toBe(0)
    expect(JSON.parse(await readFile(join(project, 'lexgen.config.json'), 'utf8')).emit).toBeUndefined()
  }, 60_000)

  it('whose generated/ holds another generator\'s files: the client goes beside them, into generated/lexgen/', async () => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', devDependencies: { typescript: '^5.9.0' } }))
    await mkdir(join(project, 'generated'))
    await writeFile(join(project, 'generated/graphql.ts'), 'export const schema = 1\n')
    const result = await lexgen(['init'], project)
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(await readFile(join(project, 'lexgen.config.json'), 'utf8')).out).toBe('generated/lexgen')
    expect(result.stdout).toContain('generated/ already holds files lexgen did not write (graphql.ts), so the client goes into generated/lexgen/, beside them')
    expect((await lexgen(['generate', '--lexicons', LEXICONS, '--no-docs'], project)).code).toBe(0)
    expect(await readFile(join(project, 'generated/graphql.ts'), 'utf8')).toBe('export const schema = 1\n')

    // A generated/ lexgen wrote (the config deleted, init run again) stays the output.
    await removeDir(join(project, 'lexgen.config.json'))
    await removeDir(join(project, 'generated/graphql.ts'))
    await cp(join(project, 'generated/lexgen'), join(project, 'generated'), { recursive: true })
    await removeDir(join(project, 'generated/lexgen'))
    expect((await lexgen(['init'], project)).code).toBe(0)
    expect(JSON.parse(await readFile(join(project, 'lexgen.config.json'), 'utf8')).out).toBe('generated')
  }, 60_000)
})

describe('lexgen init and generate in a monorepo package', () => {
  // As turborepo lays one out: an app without "type": "module" (Next.js writes none) whose tsconfig
  // extends a shared config package, which the workspace links into node_modules.
  async function monorepo(extendsSpecifier: string) {
    const root = await scratch()
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'mono', private: true, workspaces: ['apps/*', 'packages/*'] }))
    const shared = join(root, 'packages/typescript-config')
    await mkdir(shared, { recursive: true })
    await writeFile(join(shared, 'package.json'), JSON.stringify({ name: '@repo/typescript-config', version: '0.0.0', private: true }))
    await writeFile(join(shared, 'nextjs.json'), '{\n  // what a Next.js app compiles with\n  "compilerOptions": { "module": "esnext", "moduleResolution": "bundler", "noEmit": true, },\n}\n')
    await mkdir(join(root, 'node_modules/@repo'), { recursive: true })
    await symlink(shared, join(root, 'node_modules/@repo/typescript-config'), 'dir')
    const app = join(root, 'apps/web')
    await mkdir(app, { recursive: true })
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'web', private: true, dependencies: { '@lexgen/runtime': '^0.2.0' }, devDependencies: { lexgen: '^0.2.0' } }))
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify({ extends: extendsSpecifier, include: ['**/*.ts'] }))
    await provideRuntime(app) // what installing it does
    return app
  }

  it('reads the shared config it extends: a bundler build takes plain .ts modules, with no advice and no CommonJS warning', async () => {
    const app = await monorepo('@repo/typescript-config/nextjs.json')
    const result = await lexgen(['init'], app)
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(await readFile(join(app, 'lexgen.config.json'), 'utf8')).fileExt).toBeUndefined()
    expect(result.stdout).not.toContain('to change in your project')
    expect(result.stdout).toContain("then: import { Client } from './generated/index.js'")
    const generated = await lexgen(['generate', '--lexicons', LEXICONS, '--no-docs'], app)
    expect(generated).toMatchObject({ code: 0, stderr: '' })
    expect((await snapshotDir(join(app, 'generated'))).has('index.ts')).toBe(true)
  }, 60_000)

  it('at the workspace root, no config: the error names the packages that have one (npm and pnpm workspaces), and --config runs one from there', async () => {
    const app = await monorepo('@repo/typescript-config/nextjs.json')
    const root = join(app, '../..')
    expect((await lexgen(['init'], app)).code).toBe(0)
    const generate = ['generate', '--lexicons', LEXICONS, '--no-docs']
    const atRoot = await lexgen(generate, root)
    expect(atRoot.code).toBe(1)
    expect(atRoot.stderr).toBe(
      `lexgen: error: nothing selected, and there is no lexgen.config.json (${join(root, 'lexgen.config.json')}): ` +
        "this workspace's apps/web has one: run lexgen in that folder (`cd apps/web`), or pass --config apps/web/lexgen.config.json\n",
    )
    expect(await lexgen([...generate, '--config', 'apps/web/lexgen.config.json'], root)).toMatchObject({ code: 0, stderr: '' })
    expect((await snapshotDir(join(app, 'generated'))).has('index.ts')).toBe(true)

    // pnpm's list instead: any depth under apps/, less what a negation takes out; a config outside the workspace is not named.
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'mono', private: true }))
    await writeFile(join(root, 'pnpm-workspace.yaml'), "packages:\n  - 'apps/**' # the apps\n  - \"!**/legacy\"\ncatalog:\n  - 'other/*'\n")
    for (const folder of ['apps/tools/cli', 'apps/legacy', 'other/x']) {
      await mkdir(join(root, folder), { recursive: true })
      await writeFile(join(root, folder, 'lexgen.config.json'), JSON.stringify({ include: ['chat.bsky.convo.getConvo'] }))
    }
    // From a folder of the root package, the paths are relative to it.
    await mkdir(join(root, 'scripts'))
    const pnpm = await lexgen(generate, join(root, 'scripts'))
    expect(pnpm.stderr).toContain(
      "this workspace's ../apps/tools/cli, ../apps/web have one each: run lexgen in one of them (`cd ../apps/tools/cli`), or pass --config ../apps/tools/cli/lexgen.config.json\n",
    )
  }, 60_000)

  it('init at the workspace root writes the root package a config, and says that a package gets its own in its folder', async () => {
    const root = join(await monorepo('@repo/typescript-config/nextjs.json'), '../..')
    const result = await lexgen(['init'], root)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain("  this is the root of a workspace (apps/*, packages/*): the client is for the root package; for one package's own, delete lexgen.config.json here and run `npx lexgen init` in that package's folder\n")
    // In a package, nothing of the kind.
    const app = join(root, 'apps/web')
    expect((await lexgen(['init'], app)).stdout).not.toContain('root of a workspace')
  })

  it('a config it extends that is not there is named, with the reason', async () => {
    const app = await monorepo('@repo/typescript-config/next.json')
    const result = await lexgen(['init'], app)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`  - tsconfig.json (extending @repo/typescript-config/next.json) could not be read (File '@repo/typescript-config/next.json' not found.): it needs "module": "nodenext" (or "moduleResolution": "bundler")`)
  })
})

describe('lexgen init --include, for an API of your own', () => {
  it('selects those patterns from lexicons/, pulls nothing, says where the docs go; generate then works', async () => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module', dependencies: { '@lexgen/runtime': '^0.2.0' }, devDependencies: { typescript: '*' } }))
    await provideRuntime(project) // what installing it does
    for (const pattern of ['', 'com..example', 'com/example/*']) {
      expect(await lexgen(['init', '--include', pattern], project)).toMatchObject({ code: 2, stderr: `lexgen: usage error: --include '${pattern}' is no NSID pattern: dot-separated names of letters, digits and '-', '*' for any part ('com.example.*')\n` })
    }
    const result = await lexgen(['init', '--include', 'com.example.*', '--include', 'org.example.thing', '--include', 'com.example.*'], project)
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const config = JSON.parse(await readFile(join(project, 'lexgen.config.json'), 'utf8'))
    expect(config).toMatchObject({ lexicons: 'lexicons', out: 'generated', docs: 'docs/lexgen', include: ['com.example.*', 'org.example.thing'] })
    expect(Object.keys(config)).not.toContain('pull')
    expect(Object.keys(config)).not.toContain('exclude')
    expect(result.stdout).toContain('lexgen: wrote lexgen.config.json: your lexicons in lexicons/ (com.example.*, org.example.thing), into generated/, docs in docs/lexgen/')
    expect(result.stdout).toMatch(/^  lexicons\/ +your lexicon docs, one JSON file each \(com\/example\/feed\/post\.json for com\.example\.feed\.post\): the folder does not exist yet$/m)
    expect(result.stdout).not.toContain(' pull ')

    await mkdir(join(project, 'lexicons/com/example'), { recursive: true })
    await writeFile(join(project, 'lexicons/com/example/getThing.json'), JSON.stringify({ lexicon: 1, id: 'com.example.getThing', defs: { main: { type: 'query' } } }))
    const generated = await lexgen(['generate'], project)
    expect(generated).toMatchObject({ code: 0, stderr: "lexgen: warning: include 'org.example.thing' matches no lexicon\n" })
    expect(await readFile(join(project, 'generated/com/example/getThing.ts'), 'utf8')).toContain("'com.example.getThing'")
  })
})

describe('lexgen init run by another package manager', () => {
  // What each passes to the programs it runs. Under Yarn Plug'n'Play there is no node_modules/.bin:
  // `npx lexgen` would fetch a lexgen from the registry instead of running the project's.
  it.each([
    ['pnpm/12.4.2 npm/? node/? linux x64', 'pnpm exec lexgen', 'pnpm add', 'pnpm add -D'],
    ['yarn/4.18.1 npm/? node/v20.20.2 linux x64', 'yarn lexgen', 'yarn add', 'yarn add -D'],
    ['bun/1.4.5 npm/? node/v26.3.0 linux x64', 'bunx lexgen', 'bun add', 'bun add -d'],
    ['npm/11.19.1 node/v20.20.2 linux x64 workspaces/false', 'npx lexgen', 'npm i', 'npm i -D'],
    // A name lexgen does not know, and one every object has: npm's commands.
    ['constructor/1.0.0 node/v20.20.2 linux x64', 'npx lexgen', 'npm i', 'npm i -D'],
  ])('%s: prints its commands', async (userAgent, lexgenCommand, add, addDev) => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module' }))
    const result = await lexgen(['init'], project, { npm_config_user_agent: userAgent })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`\`${add} @lexgen/runtime\`: generated code imports it at run time`)
    expect(result.stdout).toContain(`\`${addDev} lexgen\`: the generator, a devDependency`)
    const next = result.stdout.slice(result.stdout.indexOf('next:\n')).split('\n').slice(1, 3)
    expect(next).toEqual([expect.stringMatching(`^  ${lexgenCommand} pull +fetch `), expect.stringMatching(`^  ${lexgenCommand} generate +write `)])
  })
})

describe('lexgen generate in a project that cannot resolve @lexgen/runtime', () => {
  // pnpm's bin shims put its hidden hoisting folder, holding the CLI's own copy of the runtime, on
  // NODE_PATH: require.resolve finds it there, tsc and Node's ESM loader do not.
  it('says which command adds it, NODE_PATH or not, and nothing once node_modules has it', async () => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module', devDependencies: { lexgen: '*' } }))
    const hidden = join(project, 'node_modules/.pnpm/node_modules')
    await mkdir(join(hidden, '@lexgen'), { recursive: true })
    await symlink(join(ROOT, 'runtime'), join(hidden, '@lexgen/runtime'))
    const generate = ['generate', '--lexicons', LEXICONS, '--include', 'chat.bsky.convo.getConvo', '--no-docs']
    const result = await lexgen(generate, project, { npm_config_user_agent: 'pnpm/12.4.2 npm/? node/? linux x64', NODE_PATH: hidden })
    expect(result.code).toBe(0)
    expect(result.stderr).toBe(`lexgen: warning: the generated code imports @lexgen/runtime, which the project in ${project} cannot resolve: \`pnpm add @lexgen/runtime\` (it belongs in "dependencies")\n`)

    await mkdir(join(project, 'node_modules/@lexgen'))
    await symlink(join(ROOT, 'runtime'), join(project, 'node_modules/@lexgen/runtime'))
    expect(await lexgen(generate, project)).toMatchObject({ code: 0, stderr: '' })
  })
})

describe('lexgen generate and check in a project whose runtime is another version', () => {
  const { version: wanted } = JSON.parse(readFileSync(join(ROOT, 'codegen/package.json'), 'utf8')) as { version: string }
  const [major, minor, patch] = wanted.split('.').map(Number) as [number, number, number]

  // lexgen pins the runtime it generates for; an update of one package alone leaves names the
  // generated code imports that the other version may not have (Node: "does not provide an export named").
  it('says which runtime the code is for, and the command that installs it; quiet for a later patch', async () => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module' }))
    const runtime = join(project, 'node_modules/@lexgen/runtime')
    await mkdir(runtime, { recursive: true })
    const manifest = JSON.parse(await readFile(join(ROOT, 'runtime/package.json'), 'utf8')) as { version: string }
    const installed = async (version: string) => writeFile(join(runtime, 'package.json'), JSON.stringify({ ...manifest, version }))
    const generate = ['generate', '--lexicons', LEXICONS, '--include', 'chat.bsky.convo.getConvo', '--no-docs']
    const older = major > 0 || minor > 0 ? `${major}.${minor}.${patch}-rc.1` : `0.0.${patch + 1}`
    for (const version of [older, `${major}.${minor + 1}.0`, `${major + 1}.0.0`]) {
      await installed(version)
      const result = await lexgen(generate, project)
      expect(result.code).toBe(0)
      // A newer runtime was likely updated on purpose: the lexgen made for it is offered too.
      const newer = version === older ? '' : `, or \`npm i -D lexgen@${version}\` (the lexgen made for it)`
      expect(result.stderr).toBe(`lexgen: warning: the generated code is for @lexgen/runtime ${wanted} and the project in ${project} has ${version} (${join(runtime, 'package.json')}), whose exports may differ: \`npm i @lexgen/runtime@${wanted}\`${newer}\n`)
      const check = await lexgen(['check', '--lexicons', LEXICONS, '--include', 'chat.bsky.convo.getConvo', '--no-docs'], project)
      expect(check.code).toBe(0)
      expect(check.stderr).toBe(result.stderr)
    }
    for (const version of [wanted, `${major}.${minor}.${patch + 1}`]) {
      await installed(version)
      expect(await lexgen(generate, project)).toMatchObject({ code: 0, stderr: '' })
    }
  })

  it('reads versions as a caret range from the pinned one', () => {
    expect(compatible('1.2.3', '1.2.3')).toBe(true)
    expect(compatible('1.4.0', '1.2.3')).toBe(true)
    expect(compatible('1.2.2', '1.2.3')).toBe(false)
    expect(compatible('2.0.0', '1.2.3')).toBe(false)
    expect(compatible('0.1.9', '0.1.2')).toBe(true)
    expect(compatible('0.2.0', '0.1.2')).toBe(false)
    expect(compatible('0.0.4', '0.0.3')).toBe(false)
    expect(compatible('0.1.2-rc.1', '0.1.2')).toBe(false)
    expect(compatible('0.1.2-rc.1', '0.1.2-rc.1')).toBe(true)
    // A pinned prerelease takes only itself; build metadata does not count.
    expect(compatible('9.9.9', '0.2.0-rc.1')).toBe(false)
    expect(compatible('0.2.0-rc.2', '0.2.0-rc.1')).toBe(false)
    expect(compatible('0.2.0', '0.2.0-rc.1')).toBe(false)
    expect(compatible('0.1.3+build.5', '0.1.2')).toBe(true)
    expect(compatible('0.1.2+build.5', '0.1.2-rc.1')).toBe(false)
    expect(compatible('not-a-version', '0.1.2')).toBe(false)
    expect(compatible('0.1.0', 'workspace:*')).toBe(true)
  })
})

describe('an output folder another lexgen made', () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'codegen/package.json'), 'utf8')) as { version: string }
  const args = ['--lexicons', LEXICONS, '--include', 'chat.bsky.convo.getConvo', '--no-docs']

  /** A project generated by this lexgen, then its runtime module edited to name another. */
  async function madeBy(other: string) {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module' }))
    await provideRuntime(project)
    expect(await lexgen(['generate', ...args], project)).toMatchObject({ code: 0 })
    const runtime = join(project, 'generated/runtime.ts')
    const text = await readFile(runtime, 'utf8')
    expect(text).toContain(`// Made by lexgen ${version}, for @lexgen/runtime ${version}.\n`)
    await writeFile(runtime, text.replace(`Made by lexgen ${version},`, `Made by lexgen ${other},`))
    return project
  }

  it('is not turned back by an older lexgen: generate refuses, and writes nothing', async () => {
    const project = await madeBy('99.0.0')
    const before = await snapshotDir(join(project, 'generated'))
    const result = await lexgen(['generate', ...args], project)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`lexgen: error: refusing to replace generated: lexgen 99.0.0 made it, and this is lexgen ${version}, which would turn its code back to ${version}'s; update lexgen (\`npm i -D lexgen@99.0.0\`), or remove the folder to generate it with this one\n`)
    expect(await snapshotDir(join(project, 'generated'))).toEqual(before)
  })

  it("an older one's is replaced by generate, and check says which lexgen made what it finds stale", async () => {
    const project = await madeBy('0.1.9')
    const check = await lexgen(['check', ...args], project)
    expect(check.code).toBe(1)
    expect(check.stderr).toContain(`lexgen: generated was made by lexgen 0.1.9, and this is lexgen ${version}: their code differs (lexgen's CHANGELOG.md says how)\n`)
    expect(await lexgen(['generate', ...args], project)).toMatchObject({ code: 0, stderr: '' })
    expect(await lexgen(['check', ...args], project)).toMatchObject({ code: 0 })
  })
})

describe('lexgen init with a bundler', () => {
  it('in a CommonJS package whose tsconfig resolves as a bundler: plain .ts output, an import, and no warning on generate', async () => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { '@lexgen/runtime': '^0.2.0' }, devDependencies: { lexgen: '^0.2.0' } }))
    await provideRuntime(project) // what installing it does
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'preserve', moduleResolution: 'bundler', noEmit: true } }))
    const result = await lexgen(['init'], project)
    expect(result.code).toBe(0)
    const config = JSON.parse(await readFile(join(project, 'lexgen.config.json'), 'utf8'))
    expect(config.fileExt).toBeUndefined()
    expect(result.stdout).not.toContain('CommonJS')
    expect(result.stdout).not.toContain('to change in your project')
    expect(result.stdout).toContain("then: import { Client } from './generated/index.js'")
    const generated = await lexgen(['generate', '--lexicons', LEXICONS, '--no-docs'], project)
    expect(generated).toMatchObject({ code: 0, stderr: '' })
  }, 60_000)
})

describe('lexgen init where modules import .ts files', () => {
  it.each([
    { file: 'tsconfig.json', content: { compilerOptions: { module: 'nodenext', allowImportingTsExtensions: true, noEmit: true } }, why: 'tsconfig.json sets "allowImportingTsExtensions"' },
    { file: 'tsconfig.json', content: { compilerOptions: { module: 'nodenext', rewriteRelativeImportExtensions: true, outDir: 'dist' } }, why: 'tsconfig.json sets "rewriteRelativeImportExtensions"' },
    { file: 'deno.json', content: { imports: {} }, why: 'deno.json makes this a Deno project' },
  ])('$why: generates .ts imports, and says so', async ({ file, content, why }) => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', type: 'module', dependencies: { '@lexgen/runtime': '^0.2.0' }, devDependencies: { lexgen: '^0.2.0' } }))
    await provideRuntime(project) // what installing it does
    await writeFile(join(project, file), JSON.stringify(content))
    const result = await lexgen(['init'], project)
    expect(result.code).toBe(0)
    expect(JSON.parse(await readFile(join(project, 'lexgen.config.json'), 'utf8')).importExt).toBe('ts')
    expect(result.stdout).toContain(`  ${why}, so the config says "importExt": "ts"`)
    expect(result.stdout).toContain("then: import { Client } from './generated/index.ts'")
    expect(await lexgen(['generate', '--lexicons', LEXICONS, '--no-docs'], project)).toMatchObject({ code: 0, stderr: '' })
    expect(await readFile(join(project, 'generated/index.ts'), 'utf8')).toContain("export { Client } from './client.ts'")
  }, 60_000)
})

describe('the config file', () => {
  it('is found from a subfolder, up to the package root, and its paths stay relative to it', async () => {
    const project = await scratch()
    await writeFile(join(project, 'package.json'), '{ "type": "module" }')
    await provideRuntime(project) // what installing it does
    await writeFile(join(project, 'lexgen.config.json'), JSON.stringify({ lexicons: LEXICONS, out: 'out', include: ['chat.bsky.convo.getConvo'] }))
    await mkdir(join(project, 'src/deep'), { recursive: true })
    const result = await runCli(['generate'], join(project, 'src/deep'))
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(/wrote \d+ files to \.\.\/\.\.\/out /)
    expect((await snapshotDir(join(project, 'out'))).has('chat/bsky/convo/getConvo.ts')).toBe(true)

    // A nested package is a root of its own: the walk stops at its package.json.
    await mkdir(join(project, 'packages/other'), { recursive: true })
    await writeFile(join(project, 'packages/other/package.json'), '{}')
    const nested = await runCli(['generate'], join(project, 'packages/other'))
    expect(nested.code).toBe(1)
    expect(nested.stderr).toContain('nothing selected')
  })
})

describe('include patterns that match nothing', () => {
  it.each([
    ['chat.bsky.convo', "'chat.bsky.convo.*'"],
    ['Chat.Bsky.Convo.*', "'chat.bsky.convo.*'"],
    ['chat.bsky.convo.getconvo', "'chat.bsky.convo.getConvo'"],
    ['chat.bksy.convo.sendMessage', "'chat.bsky.convo.sendMessage'"],
    ['chat.bsky.covno.*', "'chat.bsky.convo.*'"],
  ])('%s: did you mean %s?', async (pattern, suggestion) => {
    const result = await runCli(['check', '--include', pattern, '--out', join(ROOT, 'generated')])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(`lexgen: error: no lexicon matches include '${pattern}'; did you mean ${suggestion}?\n`)
  })

  it('says nothing it cannot back: no suggestion when nothing is close', async () => {
    const result = await runCli(['check', '--include', 'com.example.nothing.*'])
    expect(result.stderr).toBe("lexgen: error: no lexicon matches include 'com.example.nothing.*'\n")
  })

  it('with pull sources in the config, says where a new NSID must be added too: the lexicon folder holds what the pull fetched', async () => {
    const project = await scratch()
    const pull = { git: [{ url: 'https://github.com/bluesky-social/atproto.git', ref: 'main', folder: 'lexicons', include: ['chat.bsky.*'] }] }
    await writeFile(join(project, 'lexgen.config.json'), JSON.stringify({ lexicons: LEXICONS, include: ['com.example.feed.*'], pull }))
    const hint = "the lexicon folder holds what `npx lexgen pull` fetched: add it to the config's pull section (a git source's include, or network), then run `npx lexgen pull`"
    expect((await runCli(['generate'], project)).stderr).toBe(`lexgen: error: no lexicon matches include 'com.example.feed.*': ${hint}\n`)
    await writeFile(join(project, 'lexgen.config.json'), JSON.stringify({ lexicons: LEXICONS, include: ['chat.bsky.convo.getLog', 'com.example.feed.*'], docs: false, pull }))
    const some = await runCli(['generate'], project)
    expect(some.code).toBe(0)
    expect(some.stderr).toBe(`lexgen: warning: include 'com.example.feed.*' matches no lexicon: ${hint}\n`)
    // In CI, where a warning passes unread, --strict stops: check too, though the output matches.
    for (const command of ['generate', 'check']) {
      const strict = await runCli([command, '--strict'], project)
      expect(strict.code, command).toBe(1)
      expect(strict.stderr, command).toBe(`lexgen: error: include 'com.example.feed.*' matches no lexicon: ${hint} (--strict makes this an error)\n`)
    }
  })

  it('warns about one pattern of several that matches nothing, and goes on', async () => {
    const out = await scratch()
    const result = await runCli(['generate', '--out', out, '--include', 'chat.bsky.convo.getConvo', '--include', 'chat.bsky.actor.getstatus'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe("lexgen: warning: include 'chat.bsky.actor.getstatus' matches no lexicon; did you mean 'chat.bsky.actor.getStatus'?\n")
  })

  it('warns about an exclude pattern that matches nothing but looks like a typo (it would ship what it meant to leave out), or whose docs come back as references', async () => {
    const out = await scratch()
    const typo = await runCli(['generate', '--out', out, '--no-docs', '--include', 'chat.bsky.*', '--exclude', 'chat.bsky.moderaton.*'])
    expect(typo.code).toBe(0)
    expect(typo.stderr).toBe("lexgen: warning: exclude 'chat.bsky.moderaton.*' matches no lexicon; did you mean 'chat.bsky.moderation.*'?\n")
    // One that matches nothing and nothing like it (the pull left those docs out, as init's config does) says nothing.
    const quiet = await runCli(['generate', '--out', out, '--no-docs', '--include', 'chat.bsky.*', '--exclude', 'com.example.nothing.*'])
    expect(quiet).toMatchObject({ code: 0, stderr: '' })

    const back = await runCli(['generate', '--out', out, '--no-docs', '--include', 'chat.bsky.convo.*', '--exclude', 'chat.bsky.convo.defs', '--exclude', 'chat.bsky.convo.get*'])
    expect(back.code).toBe(0)
    expect(back.stderr).toBe("lexgen: warning: exclude 'chat.bsky.convo.defs': the doc it leaves out (chat.bsky.convo.defs) is referenced by selected docs, so generated all the same\n")
  })
})

describe('colour', () => {
  const args = ['generate', '--include', 'chat.bsky.convo', '--out', 'nowhere']

  it('only on a terminal: none when piped or with NO_COLOR; FORCE_COLOR forces it', async () => {
    const piped = await lexgen(args, ROOT)
    expect(piped.stderr).toContain('lexgen: error: no lexicon matches')
    expect(piped.stderr).not.toContain('\x1b[')
    expect((await lexgen(args, ROOT, { FORCE_COLOR: '1' })).stderr).toContain('lexgen: \x1b[1;31merror:\x1b[0m no lexicon matches')

    // A real terminal, through util-linux `script` (a pseudo-terminal).
    const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')
    const tty = (env: Record<string, string>) => run('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: colourlessEnv(env) }).catch((e: { stdout: string }) => e)
    expect((await tty({})).stdout).toContain('lexgen: \x1b[1;31merror:\x1b[0m no lexicon matches')
    const plain = (await tty({ NO_COLOR: '1' })).stdout
    expect(plain).toContain('lexgen: error: no lexicon matches')
    expect(plain).not.toContain('\x1b[')
  })
})

describe("check's diff", () => {
  it('is a patch `git apply` takes from the working directory: code and docs back in step with the lexicons', async () => {
    const repo = await scratch()
    await git(repo, 'init', '-q', '-b', 'main')
    await cp(LEXICONS, join(repo, 'lexicons'), { recursive: true })
    await mkdir(join(repo, 'app'), { recursive: true })
    await writeFile(join(repo, 'package.json'), '{ "type": "module" }')
    await writeFile(join(repo, '.gitignore'), 'node_modules\n')
    await provideRuntime(repo) // what installing it does
    const selection = { include: ['chat.bsky.convo.*'], exclude: ['chat.bsky.convo.muteConvo'] }
    await writeFile(join(repo, 'lexgen.config.json'), JSON.stringify({ out: 'app/generated', docs: 'docs/chat', ...selection }))
    expect((await lexgen(['generate'], repo)).code).toBe(0)
    await git(repo, 'add', '-A')
    await git(repo, 'commit', '-q', '-m', 'generated')

    // A property added (a changed file), a method removed (a deleted one), one no longer excluded (new files).
    await editJson(join(repo, 'lexicons/chat/bsky/convo/defs.json'), (doc) => {
      doc.defs.convoView.properties.pinned = { type: 'boolean', description: 'Whether the user pinned it.' }
    })
    await removeDir(join(repo, 'lexicons/chat/bsky/convo/unmuteConvo.json'))
    await writeFile(join(repo, 'lexgen.config.json'), JSON.stringify({ out: 'app/generated', docs: 'docs/chat', include: selection.include }))

    const stale = await lexgen(['check'], repo)
    expect(stale.code).toBe(1)
    expect(stale.stderr).toContain('--- a/app/generated/chat/bsky/convo/defs.ts\n+++ b/app/generated/chat/bsky/convo/defs.ts\n')
    expect(stale.stderr).toContain('--- /dev/null\n+++ b/app/generated/chat/bsky/convo/muteConvo.ts\n')
    expect(stale.stderr).toContain('--- a/app/generated/chat/bsky/convo/unmuteConvo.ts\n+++ /dev/null\n')
    expect(stale.stderr).toContain('--- a/docs/chat/chat.bsky.convo.md\n')
    await writeFile(join(repo, 'check.patch'), stale.stderr)
    await git(repo, 'apply', 'check.patch')
    const clean = await lexgen(['check'], repo)
    expect(clean.stderr).toBe('')
    expect(clean.code).toBe(0)

    // From a subfolder (the config found above it), paths are relative to that folder.
    await git(repo, 'checkout', '-q', '--', 'app')
    await git(repo, 'clean', '-qfd', 'app')
    const fromApp = await lexgen(['check', '--no-docs'], join(repo, 'app'))
    expect(fromApp.code).toBe(1)
    expect(fromApp.stderr).toContain('--- a/generated/chat/bsky/convo/defs.ts\n')
    await writeFile(join(repo, 'app.patch'), fromApp.stderr)
    await git(join(repo, 'app'), 'apply', '../app.patch')
    expect((await lexgen(['check', '--no-docs'], join(repo, 'app'))).code).toBe(0)
  }, 60_000)
})

describe('a Windows checkout (git with core.autocrlf=true, as Git for Windows and GitHub\'s Windows runners check out)', () => {
  it('check passes, generate rewrites nothing, and after a lexicon change both touch only what changed', async () => {
    const upstream = await scratch()
    await git(upstream, 'init', '-q', '-b', 'main')
    await cp(LEXICONS, join(upstream, 'lexicons'), { recursive: true })
    await writeFile(join(upstream, 'lexgen.config.json'), JSON.stringify({ out: 'generated', docs: 'docs/chat', include: ['chat.bsky.convo.*'] }))
    expect((await lexgen(['generate'], upstream)).code).toBe(0)
    await git(upstream, 'add', '-A')
    await git(upstream, 'commit', '-q', '-m', 'generated')
    const repo = join(await scratch(), 'checkout')
    await git(upstream, '-c', 'core.autocrlf=true', 'clone', '-q', upstream, repo)
    await git(repo, 'config', 'core.autocrlf', 'true')
    const getConvo = join(repo, 'generated/chat/bsky/convo/getConvo.ts')
    expect(await readFile(getConvo, 'utf8')).toContain('\r\n')

    expect(await lexgen(['check'], repo)).toMatchObject({ code: 0, stderr: '' })
    const same = await lexgen(['generate'], repo)
    expect(same.stdout).toContain('(0 changed)')
    expect(await git(repo, 'status', '--porcelain')).toBe('')
    expect(await readFile(getConvo, 'utf8')).toContain('\r\n')

    await editJson(join(repo, 'lexicons/chat/bsky/convo/getConvo.json'), (doc) => {
      doc.defs.main.description = 'Fetches a conversation by its ID.'
    })
    const lexicon = 'lexicons/chat/bsky/convo/getConvo.json'
    const stale = await lexgen(['check'], repo)
    expect(stale.code).toBe(1)
    // The diff shows the change, not every line of the file with other line endings.
    expect(stale.stderr).toContain('\n+ * Fetches a conversation by its ID.\n')
    expect(stale.stderr).not.toContain('\n-// Generated by lexgen')
    await writeFile(join(repo, '..', 'check.patch'), stale.stderr)
    await git(repo, 'apply', '../check.patch')
    expect(await lexgen(['check'], repo)).toMatchObject({ code: 0, stderr: '' })

    await git(repo, 'checkout', '-q', '--', 'generated', 'docs')
    const changed = await lexgen(['generate'], repo)
    expect(changed.stdout).toContain('(3 changed)')
    const touched = ['docs/chat/chat.bsky.convo.md', 'generated/chat/bsky/convo/getConvo.ts', 'generated/client.ts', lexicon]
    expect((await git(repo, 'status', '--porcelain')).split('\n').filter(Boolean)).toEqual(touched.map((path) => ` M ${path}`))
    expect(await readFile(join(repo, 'generated/index.ts'), 'utf8')).toContain('\r\n')
  }, 60_000)
})

describe('--include on the command line', () => {
  it("replaces the config's selection, its exclude too (and --help says so)", async () => {
    const project = await scratch()
    await writeFile(join(project, 'lexgen.config.json'), JSON.stringify({ lexicons: LEXICONS, include: ['chat.bsky.convo.*'], exclude: ['chat.bsky.actor.getStatus'] }))
    const result = await runCli(['generate', '--include', 'chat.bsky.actor.*', '--no-docs'], project)
    expect(result.code).toBe(0)
    const files = [...(await snapshotDir(join(project, 'generated'))).keys()]
    expect(files).toContain('chat/bsky/actor/getStatus.ts')
    expect(files).not.toContain('chat/bsky/convo/sendMessage.ts')

    const help = await runCli(['generate', '--help'])
    expect(help.stdout.replace(/\s+/g, ' ')).toContain("repeatable; replaces the config's include and exclude")
  })
})

describe('output into a pipe its reader has closed (`lexgen diff | head`)', () => {
  it('is dropped without a crash, and the exit code is still the command’s own', async () => {
    const [from, to] = [await scratch(), await scratch()]
    const updated = baseDocs()
    updated['ex.test.send']!.defs.main.input.schema.properties.text.maxGraphemes = 10
    await writeDocs(from, baseDocs())
    await writeDocs(to, updated)
    const why = { breaking: 'lexgen: exit 1 (--fail-on breaking): 1 breaking change\n', none: '' }
    for (const [failOn, expected] of [['breaking', 1], ['none', 0]] as const) {
      const args = [BIN, 'diff', '--from', from, '--to', to, '--include', 'ex.test.*', '--fail-on', failOn, '--no-compiler-check']
      const child = spawn(process.execPath, args, { cwd: from, env: colourlessEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
      // Closes the read end now, long before lexgen writes its report.
      child.stdout.destroy()
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const [code] = await once(child, 'close')
      // Nothing about the closed pipe: only why it exits 1, when it does.
      expect({ failOn, code, stderr }).toEqual({ failOn, code: expected, stderr: why[failOn] })
    }
  })
})
