/**
 * `lexgen init`: writes a `lexgen.config.json` with the Bluesky Chat defaults at the project root
 * (the nearest folder up with a `package.json`, else the working directory), checks that the
 * project can import what `generate` will write (`"type"`, tsconfig's module settings, the
 * runtime in `dependencies`), says what to change, and prints the next commands. It never
 * overwrites a config.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import type { Paint } from './color.js'
import { checkSelectionPattern, importedExt } from './config.js'
import { CONFIG_FILE, configFilePath } from './config-file.js'
import { BANNER_PREFIX } from './emit/writer.js'
import { LexgenError } from './errors.js'
import { packageRoot } from './paths.js'
import { runner, type Runner } from './runner.js'
import { moduleResolution, readJson, readTsconfig, type Json, type Tsconfig } from './tsconfig.js'
import { workspacePatterns } from './workspaces.js'

/** The session methods `CredentialSession` is generated from, plus `getSession`. */
const SESSION_METHODS = ['createSession', 'refreshSession', 'deleteSession', 'getSession'].map((name) => `com.atproto.server.${name}`)

/** What a chat app calls: every `chat.bsky.*` method but moderation (service-to-service) and the OAuth permission set. */
export const CHAT_SELECTION = {
  include: ['chat.bsky.*', ...SESSION_METHODS],
  exclude: ['chat.bsky.moderation.*', 'chat.bsky.authFullChatClient'],
}

const UPSTREAM = 'https://github.com/bluesky-social/atproto.git'

export interface InitIo {
  readonly out: (text: string) => void
  readonly cwd: string
  readonly paint: Paint
  /** NSID patterns of the project's own lexicons, selected instead of Bluesky Chat (and nothing pulled). */
  readonly include?: readonly string[]
}

/** Writes the config; resolves to the exit code (1 when a config is already there). */
export async function init(io: InitIo): Promise<number> {
  const own = io.include?.length ? [...new Set(io.include)] : undefined
  for (const pattern of own ?? []) checkSelectionPattern(pattern, '--include')
  const existing = configFilePath(undefined, io.cwd)
  if (existsSync(existing)) {
    throw new LexgenError(`${relative(io.cwd, existing) || CONFIG_FILE} already exists: lexgen init never overwrites it (edit it, or delete it to start over)`)
  }
  const root = packageRoot(io.cwd) ?? io.cwd
  const pkg = await readJson(join(root, 'package.json'))
  const tsconfig = await readTsconfig(join(root, 'tsconfig.json'))
  // A CommonJS package gets .mts modules (ESM by name), unless a bundler compiles them: then the package type does not matter.
  const commonjs = pkg !== undefined && (pkg.value as { type?: unknown } | undefined)?.type !== 'module' && moduleResolution(tsconfig) !== 'bundler'
  const tsImports = importsTsFiles(tsconfig, root)
  // A package with no tsconfig.json and no TypeScript to compile with runs its code as it is (Deno and Bun take TypeScript so).
  const javascript = pkg !== undefined && !pkg.error && tsconfig === undefined && dependency(pkg, 'typescript') === undefined && !tsImports && !isBunProject(root)
  const usual = existsSync(join(root, 'src')) ? 'src/generated' : 'generated'
  // A folder of that name already holding someone else's files (another generator's): the client goes beside them.
  const taken = heldByOthers(join(root, usual))
  const out = taken ? `${usual}/lexgen` : usual
  const config = {
    lexicons: 'lexicons',
    out,
    docs: 'docs/lexgen',
    ...(own ? { include: own } : CHAT_SELECTION),
    ...(javascript ? { emit: 'js' } : {}),
    ...(commonjs ? { fileExt: '.mts' } : {}),
    ...(tsImports ? { importExt: 'ts' } : {}),
    ...(own ? {} : { pull: { git: [{ url: UPSTREAM, ref: 'main', folder: 'lexicons', include: CHAT_SELECTION.include, exclude: CHAT_SELECTION.exclude }] } }),
  }
  const file = join(root, CONFIG_FILE)
  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw error
    // Made but not written whole (a full disk): left, it would be a config no command can read, and
    // one the next init refuses to overwrite.
    await rm(file, { force: true }).catch(() => {})
    throw new LexgenError(`cannot write it (${error.code ?? error.message}); nothing was written`, { file })
  })

  const { paint } = io
  const selection = own ? `your lexicons in lexicons/ (${own.join(', ')})` : 'Bluesky Chat (chat.bsky.*, without moderation) and the session methods'
  const lines = [`lexgen: wrote ${relative(io.cwd, file) || CONFIG_FILE}: ${selection}, into ${out}/, docs in docs/lexgen/`]
  if (javascript) lines.push(`  no tsconfig.json and no typescript dependency, so the config says "emit": "js": JavaScript modules with .d.ts types, which node runs as they are (remove it to write TypeScript)`)
  if (taken) lines.push(`  ${usual}/ already holds files lexgen did not write (${taken}), so the client goes into ${out}/, beside them`)
  if (tsImports) lines.push(`  ${tsImports}, so the config says "importExt": "ts": the generated modules import each other as ./client.ts, as Deno, Bun and Node's type stripping run them`)
  // The commands of the package manager that ran init: `npx lexgen` cannot run a Yarn Plug'n'Play project's copy.
  const pm = runner()
  // At a monorepo's root the client is the root package's, which is rarely what was meant.
  const packages = workspacePatterns(root).filter((pattern) => !pattern.startsWith('!'))
  if (packages.length) {
    lines.push(
      paint('warning', `  this is the root of a workspace (${packages.join(', ')}): the client is for the root package; for one package's own, delete ${CONFIG_FILE} here and run \`${pm.lexgen} init\` in that package's folder`),
    )
  }
  const advice = [...packageAdvice(pkg, commonjs, pm), ...tsconfigAdvice(tsconfig, commonjs, typescriptMajor(root, pkg))]
  if (advice.length) lines.push('', paint('warning', 'to change in your project:'), ...advice.map((line) => `  - ${line}`))
  const column = `${pm.lexgen} generate`.length + 2 // the descriptions line up
  const index = `./${out}/index${importedExt(commonjs ? '.mts' : '.ts', tsImports ? 'ts' : 'js')}`
  // From where the project's code is: src/ when the client is generated there.
  const from = out.startsWith('src/') ? `./${out.slice(4)}/index${importedExt(commonjs ? '.mts' : '.ts', tsImports ? 'ts' : 'js')}` : index
  const where = out.startsWith('src/') ? 'from a module in src/' : 'from a module at the project root'
  lines.push(
    '',
    paint('bold', 'next:'),
    own
      ? `  ${'lexicons/'.padEnd(column)}  your lexicon docs, one JSON file each (com/example/feed/post.json for com.example.feed.post)${existsSync(join(root, 'lexicons')) ? '' : ': the folder does not exist yet'}`
      : `  ${`${pm.lexgen} pull`.padEnd(column)}  fetch those lexicons (and what they reference) from ${UPSTREAM} into lexicons/, pinned in lexicons.json`,
    `  ${`${pm.lexgen} generate`.padEnd(column)}  write the client to ${out}/ and its reference docs to docs/lexgen/`,
    // From a module at the project root; TypeScript in a CommonJS package needs `import x = require()` to keep the types.
    commonjs
      ? tsconfig !== undefined
        ? `  then, in TypeScript: import lexgen = require('${from}')   (Node 20.19+ loads the ESM client; TypeScript 5.8+ with "module": "nodenext"), ${where}`
        : `  then: const { Client } = require('${from}')   (Node 20.19+ loads the ESM client), ${where}`
      : `  then: import { Client } from '${from}'   (${where})`,
    '',
  )
  io.out(lines.join('\n'))
  return 0
}

/**
 * Why the project's modules import `.ts` files, if they do: a tsconfig that allows it (its code
 * then runs as written, or tsc rewrites the imports), or a Deno project. Undefined otherwise.
 */
function importsTsFiles(tsconfig: Tsconfig | undefined, root: string): string | undefined {
  // rewriteRelativeImportExtensions first: it implies allowImportingTsExtensions, which get-tsconfig then fills in.
  for (const option of ['rewriteRelativeImportExtensions', 'allowImportingTsExtensions']) {
    if (tsconfig?.options[option] === true) return `${tsconfigName(tsconfig)} sets "${option}"`
  }
  for (const name of ['deno.json', 'deno.jsonc']) if (existsSync(join(root, name))) return `${name} makes this a Deno project`
  return undefined
}

/** The version range package.json asks for `name` with, in its dependencies or devDependencies. */
function dependency(pkg: Json | undefined, name: string): unknown {
  const json = pkg?.value as { dependencies?: Record<string, unknown>; devDependencies?: Record<string, unknown> } | undefined
  return json?.devDependencies?.[name] ?? json?.dependencies?.[name]
}

/** A Bun project: its lockfile or config. */
function isBunProject(root: string): boolean {
  return ['bun.lock', 'bun.lockb', 'bunfig.toml'].some((name) => existsSync(join(root, name)))
}

/** The major version of the TypeScript the project compiles with: the one it resolves, else the one package.json asks for. */
function typescriptMajor(root: string, pkg: Json | undefined): number | undefined {
  try {
    const manifest = createRequire(join(root, 'package.json')).resolve('typescript/package.json')
    return Number((JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version.split('.')[0])
  } catch {
    const range = dependency(pkg, 'typescript')
    const major = typeof range === 'string' ? /\d+/.exec(range)?.[0] : undefined
    return major === undefined ? undefined : Number(major)
  }
}

/** An entry of `dir` lexgen did not write, when there is one (a lexgen output starts its index with the banner). */
function heldByOthers(dir: string): string | undefined {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return undefined // no folder there (or a file, which generate reports)
  }
  if (!entries.length) return undefined
  const index = entries.find((name) => /^index\.(?:ts|mts|js|mjs)$/.test(name))
  const ours = index !== undefined && readFileSync(join(dir, index), 'utf8').startsWith(BANNER_PREFIX)
  return ours ? undefined : entries.sort()[0]
}

function packageAdvice(pkg: Json | undefined, commonjs: boolean, pm: Runner): string[] {
  const install = `${pm.add} @lexgen/runtime && ${pm.addDev} lexgen`
  if (pkg === undefined) {
    return [`no package.json: create one (\`npm init -y && npm pkg set type=module\`), then \`${install}\``]
  }
  if (pkg.error) return [`package.json is not valid JSON (${pkg.error}): fix it, then \`${install}\``]
  const json = pkg.value as { dependencies?: Record<string, unknown>; devDependencies?: Record<string, unknown> }
  const advice: string[] = []
  if (commonjs) {
    advice.push(
      'package.json has no "type": "module", so the package is CommonJS: the config says "fileExt": ".mts" (ESM modules in any package). ' +
        'Or set "type": "module" (`npm pkg set type=module`) and remove "fileExt".',
    )
  }
  if (!json.dependencies?.['@lexgen/runtime']) {
    advice.push(`\`${pm.add} @lexgen/runtime\`: generated code imports it at run time, so it belongs in "dependencies"`)
  }
  if (!json.devDependencies?.lexgen && !json.dependencies?.lexgen) advice.push(`\`${pm.addDev} lexgen\`: the generator, a devDependency`)
  return advice
}

const MODERN_RESOLUTION = new Set(['node16', 'nodenext', 'bundler'])

/** ES2015 and later, as tsconfig.json writes its target (lower-cased): the generated classes use private `#fields`. */
const MODERN_TARGET = /^(?:es20(?:1[5-9]|[2-9]\d)|es6|esnext)$/

/** What tsconfig.json must say for the generated imports (`@lexgen/runtime` exports, `.js` specifiers) to resolve, and the code to compile. */
function tsconfigAdvice(tsconfig: Tsconfig | undefined, commonjs: boolean, typescript: number | undefined): string[] {
  if (tsconfig === undefined) return []
  const name = tsconfigName(tsconfig)
  if (tsconfig.error) return [`${name} could not be read (${tsconfig.error}): it needs "module": "nodenext" (or "moduleResolution": "bundler")`]
  const { options } = tsconfig
  const resolution = moduleResolution(tsconfig)
  const advice: string[] = []
  if (resolution === undefined || !MODERN_RESOLUTION.has(resolution)) {
    const module = typeof options['module'] === 'string' ? `"module": "${options['module']}"` : 'no "module"'
    advice.push(
      `${name} resolves modules the old way (${module}${options['moduleResolution'] ? `, "moduleResolution": "${options['moduleResolution']}"` : ''}): ` +
        '@lexgen/runtime is found through its package "exports", so set "module": "nodenext" (tsc builds), or "module": "preserve" with "moduleResolution": "bundler" (bundlers)',
    )
  }
  // TypeScript 5 and older compile to ES5 when no target is set, which has no private #fields (TS18028 in the generated client).
  const target = typeof options['target'] === 'string' ? options['target'].toLowerCase() : undefined
  const defaultsToEs5 = typescript !== undefined && typescript <= 5
  if (target === undefined ? defaultsToEs5 : !MODERN_TARGET.test(target)) {
    advice.push(`${name} ${target === undefined ? `sets no "target" (TypeScript ${typescript} then compiles to ES5)` : `targets "${target}"`}: the generated client needs ES2015 or later, so set "target": "es2022"`)
  }
  // `import x = require()` of an ES module compiles under "module": "nodenext" only (TypeScript 5.8+), not node16.
  if (commonjs && typeof options['module'] === 'string' && options['module'].toLowerCase() === 'node16') {
    advice.push(`${name} sets "module": "node16": in a CommonJS package TypeScript loads the ESM client with \`import x = require()\` under "nodenext" only (TypeScript 5.8 or later), so set "module": "nodenext" (or load it with \`import()\`)`)
  }
  // Without an outDir, tsc writes its .js beside every generated .ts module, and generate refuses to replace a folder holding them.
  if (options['outDir'] === undefined && options['noEmit'] !== true) {
    advice.push(`${name} has no "outDir": tsc would write its .js files into the generated folder, beside each module, and generate refuses to replace a folder holding files it did not write; set "outDir" (e.g. "dist"; TypeScript 6 and later want "rootDir" beside it when the code is in a folder such as "src") or "noEmit": true`)
  }
  return advice
}

/** tsconfig.json, and what it extends: where a setting comes from may be either. */
function tsconfigName(tsconfig: Tsconfig): string {
  return tsconfig.extends === undefined ? 'tsconfig.json' : `tsconfig.json (extending ${tsconfig.extends})`
}
