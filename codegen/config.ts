/**
 * What a run is asked to do: the options of lexgen.config.json (config-file.ts) merged with the
 * command-line flags into `ResolvedOptions`, with absolute paths, each bad value named by its flag
 * or its key.
 */
import { existsSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { generateCommand } from './command-line.js'
import { CONFIG_FILE, loadConfig, type ConfigFile, type Options } from './config-file.js'
import { FlagError, LexgenError } from './errors.js'
import { isWithin, packageRoot } from './paths.js'
import { workspaceConfigs } from './workspaces.js'

/** Everything a run needs, with paths made absolute. */
export interface ResolvedOptions {
  readonly lexicons: string
  readonly out: string
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  readonly runtimeImport: string
  /** Every doc in the lexicon directory must pass, not only the selection's closure. */
  readonly strict: boolean
  /** Extension of the generated modules: `.ts`, or `.mts` (ESM whatever the package's `type`). */
  readonly fileExt: FileExt
  /** How the generated modules import each other: `js` (`./x.js`, the default), or `ts` (`./x.ts`: run as written by Deno, Bun and Node's type stripping). */
  readonly importExt?: ImportExt
  /** `ts` (the default): TypeScript modules; `js`: JavaScript plus declarations (`.js` + `.d.ts`, or `.mjs` + `.d.mts`). */
  readonly emit?: EmitLanguage
  /** Markdown reference docs; absent when they are off. */
  readonly docs?: DocsOptions
  /** The config's docs folder, when `--out` named another output folder and so left it out: `check` says it did not check it. */
  readonly docsLeftOut?: string
  /** What the config's pull fetches (see Selection), when it has a pull section. */
  readonly pulled?: readonly string[]
}

export interface DocsOptions {
  /** The folder they are written to. */
  readonly dir: string
  /** What their examples import the client from: the output's index, relative to the project root (`./generated/index.js`). */
  readonly clientImport: string
  /** The command that regenerates the code and these docs, from the project root: `npx lexgen generate` and this run's flags. */
  readonly regenerate: string
}

export type FileExt = '.ts' | '.mts'
export type ImportExt = 'js' | 'ts'
export type EmitLanguage = 'ts' | 'js'
const EMIT_LANGUAGES: readonly string[] = ['ts', 'js']
const IMPORT_EXTS: readonly string[] = ['js', 'ts']
const FILE_EXTS: readonly string[] = ['.ts', '.mts']

/**
 * Reads `lexgen.config.json` (from `configPath`, else the working directory, if
 * present) and lays the flags over it. Config paths are relative to the config file.
 */
export async function resolveOptions(flags: Options, configPath?: string, cwd = process.cwd()): Promise<ResolvedOptions> {
  const { file, config } = await loadConfig(configPath, cwd)
  const base = dirname(file)
  const { include, exclude } = selectionOf(flags, config)
  if (include.length === 0) {
    if (!existsSync(file)) throw new LexgenError(`nothing selected, and there is no ${CONFIG_FILE} (${file}): ${noConfigAdvice(cwd)}`)
    throw new LexgenError(`nothing selected: pass --include <pattern> (e.g. 'chat.bsky.convo.*') or set "include" in ${CONFIG_FILE}`)
  }
  const configuredOut = resolve(base, config.out ?? 'generated')
  const out = flags.out ? resolve(cwd, flags.out) : configuredOut
  // --out naming the configured folder is the configured output, docs and all.
  const outMoved = out !== configuredOut
  const docs = resolveDocs(flags, config, cwd, base, outMoved)
  if (docs !== undefined && (isWithin(docs, out) || isWithin(out, docs))) {
    throw new LexgenError(`the docs folder (${docs}) and the output folder (${out}) must not contain one another`)
  }
  const docsLeftOut = outMoved && flags.docs === undefined && typeof config.docs === 'string' ? resolve(base, config.docs) : undefined
  // The project root is where the output path was given from: the working directory for --out elsewhere, else the config's folder.
  const root = outMoved ? cwd : base
  const fromRoot = relative(root, out).split(sep).join('/') || '.'
  // An error names where a bad value came from: the flag, or the key in the config file.
  const from = (flag: string, key: keyof ConfigFile, given: unknown): Where => (given !== undefined ? flag : { file, path: key })
  const ext = fileExt(flags.fileExt ?? config.fileExt ?? '.ts', from('--file-ext', 'fileExt', flags.fileExt))
  const language = emitLanguage(flags.emit ?? config.emit ?? 'ts', from('--emit', 'emit', flags.emit))
  const imports = importExt(flags.importExt ?? config.importExt ?? 'js', from('--import-ext', 'importExt', flags.importExt), language)
  const index = `${/^\.\.?(\/|$)/.test(fromRoot) ? '' : './'}${fromRoot}/index${importedExt(ext, imports)}`
  return {
    lexicons: flags.lexicons ? resolve(cwd, flags.lexicons) : resolve(base, config.lexicons ?? 'lexicons'),
    out,
    include,
    exclude,
    runtimeImport: runtimeSpecifier(flags.runtimeImport ?? config.runtimeImport ?? '@lexgen/runtime', from('--runtime-import', 'runtimeImport', flags.runtimeImport)),
    ...(docs === undefined ? {} : { docs: { dir: docs, clientImport: index, regenerate: generateCommand(shapingFlags(flags, config, cwd, base, outMoved), configPath, cwd, root) } }),
    ...(docsLeftOut === undefined ? {} : { docsLeftOut }),
    strict: flags.strict ?? config.strict ?? false,
    ...(config.pull === undefined ? {} : { pulled: pullPatterns(config.pull) }),
    fileExt: ext,
    importExt: imports,
    emit: language,
  }
}

/** The docs the flags and the config select. A selection on the command line replaces the config's whole selection, its exclusions too. */
export function selectionOf(flags: Options, config: Options): { include: readonly string[]; exclude: readonly string[] } {
  for (const pattern of flags.include ?? []) checkSelectionPattern(pattern, '--include')
  for (const pattern of flags.exclude ?? []) checkSelectionPattern(pattern, '--exclude')
  return {
    include: flags.include?.length ? flags.include : (config.include ?? []),
    exclude: flags.exclude?.length ? flags.exclude : flags.include?.length ? [] : (config.exclude ?? []),
  }
}

/**
 * The flags that change what the config alone would generate. One that repeats the config (or the
 * default), such as `--out generated` where the config says `"out": "generated"`, shapes nothing:
 * left in the docs' regenerate line, it would make `check` without it find those docs stale.
 */
function shapingFlags(flags: Options, config: Options, cwd: string, base: string, outMoved: boolean): Options {
  const samePath = (flag: string | undefined, configured: string | undefined) => flag !== undefined && configured !== undefined && resolve(cwd, flag) === resolve(base, configured)
  const selection = selectionOf(flags, config)
  const configured = selectionOf({}, config)
  const sameSelection = sameWords(selection.include, configured.include) && sameWords(selection.exclude, configured.exclude)
  const configuredDocs = outMoved || typeof config.docs !== 'string' ? undefined : config.docs
  return {
    ...(samePath(flags.lexicons, config.lexicons ?? 'lexicons') ? {} : { lexicons: flags.lexicons }),
    ...(sameSelection ? {} : { include: flags.include, exclude: flags.exclude }),
    ...(outMoved ? { out: flags.out } : {}),
    ...(samePath(typeof flags.docs === 'string' ? flags.docs : undefined, configuredDocs) || (flags.docs === false && configuredDocs === undefined) ? {} : { docs: flags.docs }),
    ...(flags.runtimeImport === (config.runtimeImport ?? '@lexgen/runtime') ? {} : { runtimeImport: flags.runtimeImport }),
    ...(flags.fileExt !== undefined && dotted(flags.fileExt) === dotted(config.fileExt ?? '.ts') ? {} : { fileExt: flags.fileExt }),
    ...(flags.importExt !== undefined && undotted(flags.importExt) === undotted(config.importExt ?? 'js') ? {} : { importExt: flags.importExt }),
    ...(flags.emit === (config.emit ?? 'ts') ? {} : { emit: flags.emit }),
  }
}

/** The same patterns, in any order: the order selects nothing different. */
function sameWords(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a)
  return set.size === new Set(b).size && b.every((word) => set.has(word))
}

/**
 * A pattern given on the command line, as an NSID pattern can be written: a pattern of anything
 * else (`x..y`, an option name taken as its value) selects nothing, and only warned of.
 */
export function checkSelectionPattern(pattern: string, flag: string): void {
  if (!/^[A-Za-z0-9*][A-Za-z0-9*-]*(?:\.[A-Za-z0-9*][A-Za-z0-9*-]*)*$/.test(pattern)) {
    throw new FlagError(`${flag} '${pattern}' is no NSID pattern: dot-separated names of letters, digits and '-', '*' for any part ('com.example.*')`)
  }
}

/** A flag's name, or a key of the config file. */
type Where = string | { readonly file: string; readonly path: string }

function invalid(where: Where, problem: string): LexgenError {
  return typeof where === 'string' ? new FlagError(`${where} ${problem}`) : new LexgenError(problem, where)
}

/** The extension a module with `fileExt` is imported by: its own with `ts` imports, else what tsc compiles it to. */
export function importedExt(fileExt: FileExt, importExt: ImportExt): string {
  return importExt === 'ts' ? fileExt : fileExt === '.mts' ? '.mjs' : '.js'
}

/** `mts` and `.mts` alike. */
function dotted(ext: string): string {
  return ext.startsWith('.') ? ext : `.${ext}`
}

function fileExt(value: string, where: Where): FileExt {
  const ext = dotted(value)
  if (!FILE_EXTS.includes(ext)) throw invalid(where, `must be one of ${FILE_EXTS.join(', ')} (got '${value}')`)
  return ext as FileExt
}

/** `ts` and `.ts` alike. */
function undotted(ext: string): string {
  return ext.startsWith('.') ? ext.slice(1) : ext
}

function importExt(value: string, where: Where, language: EmitLanguage): ImportExt {
  const ext = undotted(value)
  if (!IMPORT_EXTS.includes(ext)) throw invalid(where, `must be one of ${IMPORT_EXTS.join(', ')} (got '${value}')`)
  // JavaScript output imports JavaScript: there is no .ts file to name.
  if (ext === 'ts' && language === 'js') throw invalid(where, "must be 'js' when JavaScript is emitted (its .js modules import each other as such)")
  return ext as ImportExt
}

function emitLanguage(value: string, where: Where): EmitLanguage {
  if (!EMIT_LANGUAGES.includes(value)) throw invalid(where, `must be one of ${EMIT_LANGUAGES.join(', ')} (got '${value}')`)
  return value as EmitLanguage
}

/** Every generated module imports it: an empty one would write `from ''`, which nothing resolves. */
function runtimeSpecifier(value: string, where: Where): string {
  if (value.trim() === '') throw invalid(where, "must name the runtime module (e.g. '@lexgen/runtime'), not be empty")
  return value
}

/**
 * The include patterns of the pull's git sources (all, for one without) and its network NSIDs, read
 * leniently: `lexgen pull` validates the section, this only tells generate what the folder can hold.
 */
function pullPatterns(pull: unknown): string[] {
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [])
  const { git, network } = (typeof pull === 'object' && pull !== null ? pull : {}) as { git?: unknown; network?: unknown }
  const sources = Array.isArray(git) ? git : []
  return [...sources.flatMap((source) => ((source as { include?: unknown } | null)?.include === undefined ? ['*'] : strings((source as { include: unknown }).include))), ...strings(network)]
}

/**
 * `--docs <dir>`, else the config's `docs` — unless `--out` moved the code to another folder than
 * the configured one: docs describe the code next to them, so the configured folder is not
 * overwritten with docs for another output.
 */
function resolveDocs(flags: Options, config: Options, cwd: string, base: string, outMoved: boolean): string | undefined {
  if (flags.docs === false) return undefined
  if (flags.docs !== undefined) return resolve(cwd, flags.docs)
  if (outMoved || typeof config.docs !== 'string') return undefined
  return resolve(base, config.docs)
}

/** With no config found: the workspace packages that have one, else `lexgen init`. */
function noConfigAdvice(cwd: string): string {
  const root = packageRoot(cwd) ?? cwd
  const packages = workspaceConfigs(root, CONFIG_FILE).map((folder) => relative(cwd, join(root, folder)).split(sep).join('/'))
  if (packages.length === 0) return "run `lexgen init` to write one (for Bluesky Chat; `lexgen init --include 'com.example.*'` for your own lexicons), or pass --include <pattern> (e.g. 'chat.bsky.convo.*')"
  const [first] = packages
  return (
    `this workspace's ${packages.join(', ')} ${packages.length === 1 ? 'has one' : 'have one each'}: ` +
    `run lexgen in ${packages.length === 1 ? 'that folder' : 'one of them'} (\`cd ${first}\`), or pass --config ${first}/${CONFIG_FILE}`
  )
}
