import { posix, relative, sep } from 'node:path'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { FAIL_ON_LEVELS } from './changes/index.js'
import { colorWanted, painter, warner, type Paint } from './color.js'
import { escapeControls } from './controls.js'
import { configFilePath, generateCommand, moduleScopeNote, resolveOptions, type Options, type ResolvedOptions } from './config.js'
import { compilerOutputs, diffOutput, formatDiff, isClean, type OutputDiff } from './output-diff.js'
import { madeBy } from './emit/runtime-module.js'
import type { OutputFiles } from './emit.js'
import { FlagError, formatProblem, isSystemError, LexgenError, LexiconErrors, listProblems, sortProblems, type LexiconProblem, type PlaceProblem } from './errors.js'
import { placeInFolder } from './located.js'
import { generate, type GenerateResult } from './index.js'
import { keepingLineEndings } from './line-endings.js'
import type { LoadCache } from './load.js'
import { lockFolders } from './lock.js'
import { ownPackage } from './own-package.js'
import type { NameClash } from './model.js'
import type { PullIo, PullRequest } from './pull/index.js'
import { counted } from './plural.js'
import { newerThan, runtimeNote } from './runtime-note.js'
import { runner } from './runner.js'
import { didYouMean, overriddenText } from './select.js'
import { interruptSignal, watchGenerate, type StopSignal } from './watch.js'
import { checkOutputPlaces, readOutputDir, recoverOutputDirs, resolveOutputDir, writeOutputDirs, type OutputDir } from './write.js'
import { abandonOwnWrites } from './writers.js'

export { STOP_SIGNALS } from './watch.js'
export { stopSignalsHandled } from './writers.js'

interface Io extends PullIo {
  out: (text: string) => void
  err: (text: string) => void
  cwd: string
  /** Ends `--watch` (default: the first SIGINT, SIGTERM or SIGHUP). */
  stop?: AbortSignal
  /** Colour what goes to stdout and to stderr (default: none). */
  color?: { out: boolean; err: boolean }
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  tty: process.stderr.isTTY,
  color: { out: colorWanted(process.stdout), err: colorWanted(process.stderr) },
}

/**
 * A stop signal outside `--watch` (which stops on its own): what the run was writing and had not
 * committed is removed, and it says so. bin/lexgen.js calls it, then exits 128 + the signal's number.
 */
export function interrupted(signal: StopSignal, io: Pick<Io, 'err'> = defaultIo, finished = false): void {
  const by = signal === 'SIGINT' ? '' : ` by ${signal}` // Ctrl-C needs no name
  if (finished) return io.err(`lexgen: interrupted${by} once the run had finished: what it did stands\n`)
  const committed = abandonOwnWrites()
  io.err(`lexgen: interrupted${by}; ${committed ? 'the new output was already committed: the next lexgen run completes the swap' : 'nothing was written'}\n`)
}

/** Runs the CLI and resolves to the exit code: 0 ok, 1 bad input or stale output, 2 usage error. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let exitCode = 0
  const program = new Command('lexgen')
    .description('Generate a TypeScript XRPC client from atproto lexicons.')
    .version(ownPackage().version, '-v, --version', 'print the version')
    .exitOverride()
    // Commander's own refusals (an unknown option, a value outside its choices) read as lexgen's usage errors.
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(text.replace(/^error: /, `lexgen: ${errPaint(io)('error', 'usage error:')} `)) })

  program
    .command('init')
    .description('write a lexgen.config.json for Bluesky Chat (or, with --include, for your own lexicons), check the project setup, and print the next commands')
    .option('--include <pattern>', "NSID pattern of your own lexicons in lexicons/, selected instead of Bluesky Chat, '*' matches anything; repeatable", collect)
    .action(async (flags: { include?: string[] }) => {
      const { init } = await import('./init.js')
      exitCode = await init({ out: io.out, cwd: io.cwd, paint: painter(io.color?.out === true), ...(flags.include ? { include: flags.include } : {}) })
    })

  const withLexicons = (command: Command) =>
    command
      .option('--lexicons <dir>', 'lexicon directory (default: from lexgen.config.json, else ./lexicons)')
      .option('--include <pattern>', "NSID pattern to select, '*' matches anything; repeatable; replaces the config's include and exclude", collect)
      .option('--exclude <pattern>', 'NSID pattern to leave out; repeatable', collect)
      .option('--strict', 'fail on every bad lexicon doc, not only those the selection uses, and on an include that matches no lexicon')
      .addOption(new Option('--config <file>', 'config file (default: the nearest lexgen.config.json, up to the folder with package.json)'))
  // What shapes the output: `diff` classifies changes for callers, which none of these alter.
  const withSelection = (command: Command) =>
    withLexicons(command)
      .option('--out <dir>', 'output directory (default: from lexgen.config.json, else ./generated)')
      .option('--file-ext <ext>', "extension of the generated modules: '.ts' (default) or '.mts' (ESM in any package)")
      .option('--import-ext <ext>', "how generated modules import each other: 'js' (default: ./x.js, as tsc emits) or 'ts' (./x.ts: run as written by Deno, Bun and Node's type stripping)")
      .option('--emit <language>', "'ts' (default) or 'js': JavaScript plus .d.ts declarations, for projects without a TypeScript build")
      .option('--runtime-import <specifier>', "module the generated code imports the runtime from (default: '@lexgen/runtime')")
      .option('--docs <dir>', 'also write Markdown reference docs there (default: "docs" in lexgen.config.json, unless --out names another folder)')
      .option('--no-docs', 'write no docs')

  withSelection(program.command('generate'))
    .description('generate the client (and its docs) into the output directories (atomically: all or nothing)')
    .option('--watch', 'regenerate on every change to the lexicons or the config, printing what changed (Ctrl-C stops)')
    .action(async (flags: Options & { config?: string; watch?: boolean }) => {
      exitCode = await runGenerate(flags, io)
    })

  withSelection(program.command('check'))
    .description('exit 1, with a diff, when the output directory is not what generate would write')
    .action(async (flags: Options & { config?: string }) => {
      exitCode = await runCheck(flags, io)
    })

  withLexicons(program.command('diff'))
    .description('classify what changed between two lexicon sets for users of the generated client (exit 1 at --fail-on)')
    .option('--base <git-ref>', 'compare the lexicon directory at this commit with the working tree (default: HEAD)')
    .option('--from <dir>', 'compare this lexicon directory (with --to) instead')
    .option('--to <dir>', 'the lexicon directory to compare --from with')
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'markdown', 'json']).default('text'))
    .addOption(new Option('--fail-on <class>', 'exit 1 when changes of this class or worse exist').choices(FAIL_ON_LEVELS).default('breaking'))
    .option('--no-compiler-check', 'skip the TypeScript source-compatibility check (faster)')
    .addOption(new Option('--max-length <chars>', 'cut the markdown report between sections to fit, saying what it left out (a pull request description takes 65536)').argParser(reportLength))
    .action(async (flags: import('./changes/command.js').DiffFlags) => {
      const { runDiff } = await import('./changes/command.js')
      exitCode = await runDiff(flags, io)
    })

  program
    .command('pull')
    .description('fetch lexicons where their authority publishes them (DNS → DID → PDS, verified) or from git; pinned in lexicons.json')
    .argument('[patterns...]', "NSIDs or '<authority>.*' patterns to resolve over the network (kept in the lockfile)")
    .option('--update', 'take the newest versions; prints what changed before writing')
    .addOption(new Option('--frozen', 'check that the lexicon folder matches the lockfile: no network, nothing written (for CI)').conflicts(['update', 'dryRun', 'force']))
    .addOption(new Option('--verify', 'fetch every pinned doc from its source again and check the lockfile against them (after a merge, or of a contributor\'s lockfile); nothing written').conflicts(['update', 'frozen', 'force', 'dryRun']))
    .addOption(new Option('--remove', "drop the named NSIDs (or '<authority>.*') from what lexicons.json asks for, with the docs only they brought").conflicts(['frozen', 'verify']))
    .option('--dry-run', 'resolve, verify and print the report, but write nothing')
    .option('--force', 'overwrite docs edited since they were pulled, and docs the lockfile does not pin')
    .addOption(new Option('--fail-on <level>', 'write nothing when the changes reach this level').choices(FAIL_ON_LEVELS))
    .option('--lexicons <dir>', 'lexicon directory (default: from lexgen.config.json, else ./lexicons)')
    .option('--lockfile <file>', 'lockfile (default: from lexgen.config.json, else ./lexicons.json)')
    .addOption(new Option('--config <file>', 'config file (default: the nearest lexgen.config.json, up to the folder with package.json)'))
    .action(async (patterns: string[], flags: Omit<PullRequest, 'patterns'>) => {
      // Loaded on use: @atproto/repo and @atproto/identity would add their import time to every command.
      const { pull } = await import('./pull/index.js')
      exitCode = await pull({ ...flags, patterns }, io)
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    if (error instanceof FlagError) {
      io.err(`lexgen: ${errPaint(io)('error', 'usage error:')} ${error.message}\n`)
      return 2
    }
    printError(error, io)
    return 1
  }
}

/** `--max-length`: room for the report's title, intro and closing note at least. */
function reportLength(value: string): number {
  const length = Number(value)
  if (!/^\d+$/.test(value) || length < 1000) throw new InvalidArgumentError('a whole number of characters, 1000 or more')
  return length
}

/** How to paint what goes to stderr. */
function errPaint(io: Io): Paint {
  return painter(io.color?.err === true)
}

function printError(error: unknown, io: Io): void {
  const paint = errPaint(io)
  if (error instanceof LexgenError) {
    let message = error.message
    if (error instanceof LexiconErrors) {
      const place = error.lexicons === undefined ? undefined : placeInFolder(error.lexicons, io.cwd)
      printWarnings(error.warnings, io, undefined, place)
      if (place) message = listProblems(error.problems, place)
    }
    io.err(`lexgen: ${paint('error', 'error:')} ${escapeControls(message, { keepLines: true })}\n`)
  } else if (isSystemError(error)) {
    // The machine's, not lexgen's: a disk full, a file another user owns. No stack: it would say nothing more.
    io.err(`lexgen: ${paint('error', 'error:')} ${escapeControls(error.message)} (the file system refused it)\n`)
  } else io.err(`lexgen: ${paint('error', 'internal error:')} ${escapeControls((error as Error).stack ?? String(error), { keepLines: true })}\n`)
}

async function runGenerate(flags: Options & { config?: string; watch?: boolean }, io: Io): Promise<number> {
  // What lists everything in an output folder's way: check, with this run's own flags.
  const check = generateCommand(flags, flags.config, io.cwd, io.cwd, runner().lexgen, 'check')
  if (!flags.watch) {
    await generateInto(await resolveOptions(flags, flags.config, io.cwd), io, undefined, check)
    return 0
  }
  const interrupt = io.stop ? undefined : interruptSignal()
  const stop = io.stop ?? interrupt!.signal
  const cache: LoadCache = new Map()
  try {
    return await watchGenerate({
      cwd: io.cwd,
      configFile: configFilePath(flags.config, io.cwd),
      resolve: () => resolveOptions(flags, flags.config, io.cwd),
      // Stopping ends a wait for another lexgen's lock too (lock.ts).
      generate: (options) => generateInto(options, { ...io, stop }, cache, check),
      printError: (error) => printError(error, io),
      warn: warner(io.err, io.color?.err),
      out: io.out,
      stop,
    })
  } finally {
    interrupt?.dispose()
  }
}

/** The pipeline, reading the lexicon folder while no pull swaps it (lock.ts). */
function generateFromLexicons(options: ResolvedOptions, io: Io, cache?: LoadCache): Promise<GenerateResult> {
  return generate(options, cache, (lexicons) => lockFolders([lexicons], io.cwd, (text) => printNotes([text], io), io.stop))
}

/** Files a run adds, changes or removes in one folder. */
function count(diff: OutputDiff): number {
  return diff.changed.length + diff.added.length + diff.removed.length
}

/**
 * Generates into the output directory (refusing to replace files it did not write) and prints the
 * summary line. Resolves to the result and the files it rewrote (added, changed or removed), from the working directory.
 */
async function generateInto(options: ResolvedOptions, io: Io, cache: LoadCache | undefined, check: string): Promise<GenerateResult & { readonly rewritten: readonly string[] }> {
  const started = performance.now()
  const result = await generateFromLexicons(options, io, cache)
  printWarnings(result.warnings, io, result, placeInFolder(options.lexicons, io.cwd))
  const notes = [await moduleScopeNote(options), runtimeNote(options)].filter((note) => note !== undefined)
  if (notes.length) printNotes(notes, io)
  // Stops at the first entry that is not ours: reading a data folder given by mistake costs nothing.
  // The write happens while the folders are held, so it replaces exactly what was compared.
  const outputs = await compareOutputs(options, result, io, 1, async (outputs) => {
    refuseDowngrade(outputs, io)
    refuseWhatIsInTheWay(outputs, io, check)
    // Only the folders that differ are swapped: the others already hold this generation.
    const stale = outputs.filter(({ diff }) => count(diff) > 0)
    if (stale.length) printNotes(await writeOutputDirs(stale.map(({ target, files, current }) => ({ dir: target, files: keepingLineEndings(current, files), kept: besideOutput(current.editing, files), current: current.files }))), io)
    return outputs
  })
  const changed = outputs.reduce((sum, { diff }) => sum + count(diff), 0)
  const written = outputs.map(({ dir, name, files }) => `${counted(files.size, name === 'output' ? 'file' : 'doc')} to ${display(dir, io)}`)
  const ms = Math.round(performance.now() - started)
  io.out(`lexgen: read ${counted(result.docsRead, 'doc')}, selected ${result.docsSelected}, wrote ${written.join(' and ')} (${changed} changed) in ${ms} ms\n`)
  const rewritten = outputs.flatMap(({ dir, diff }) => [...diff.changed, ...diff.added, ...diff.removed].map((path) => `${display(dir, io)}/${path}`))
  return { ...result, rewritten }
}

async function runCheck(flags: Options & { config?: string }, io: Io): Promise<number> {
  const options = await resolveOptions(flags, flags.config, io.cwd)
  const result = await generateFromLexicons(options, io)
  printWarnings(result.warnings, io, result, placeInFolder(options.lexicons, io.cwd))
  // After an update of lexgen or of the runtime alone, code that is up to date can still fail to start.
  const runtime = runtimeNote(options)
  if (runtime !== undefined) printNotes([runtime], io)
  // A CI gate that passes must not look as if it covered the configured docs when it did not.
  if (options.docsLeftOut) {
    printNotes([`${display(options.docsLeftOut, io)} not checked: those docs describe the configured output folder, not --out ${display(options.out, io)} (add --docs <dir> to check docs for it)`], io)
  }
  const outputs = await compareOutputs(options, result, io, 100, async (outputs) => outputs)
  const stale = outputs.filter(({ diff }) => !isClean(diff))
  if (!stale.length) {
    io.out(`lexgen: ${outputs.map(({ dir, files }) => `${display(dir, io)} is up to date (${counted(files.size, 'file')})`).join(', ')}\n`)
    return 0
  }
  // Why the output drifted, for folders that exist (a missing one was never generated or was removed);
  // TypeScript's output in the folder is said as such, not blamed on lexicons or edits.
  const compiled = new Set<string>()
  for (const { dir, diff, files } of stale) {
    const [example] = compilerOutputs(diff, files)
    if (example === undefined) continue
    compiled.add(dir)
    io.err(`lexgen: ${compiledInPlace(display(dir, io), example)}\n`)
  }
  const drifted = stale.filter(({ dir, current }) => !current.missing && !compiled.has(dir))
  // Another lexgen's output differs from this one's whatever the lexicons did: said first.
  const { version } = ownPackage()
  for (const { dir, current } of drifted) {
    const made = madeBy(current.files)
    if (made !== undefined && made !== version) io.err(`lexgen: ${display(dir, io)} was made by lexgen ${made}, and this is lexgen ${version}: their code differs (lexgen's CHANGELOG.md says how)\n`)
  }
  if (drifted.length) {
    // Loaded only here: it reads git, which a passing check never needs.
    const { staleHint } = await import('./stale-hint.js')
    const config = configFilePath(flags.config, io.cwd)
    io.err(`lexgen: ${await staleHint(options.lexicons, drifted.map(({ dir }) => ({ dir, shown: display(dir, io) })), { file: config, shown: display(config, io), ...(flags.config === undefined ? {} : { flag: flags.config }) })}\n`)
  }
  const paint = errPaint(io)
  // The command with check's own flags: it writes what was compared (paths from where the user stands).
  // As the package manager that ran check runs lexgen (runner.ts); committed docs say `npx lexgen` for every machine.
  const command = generateCommand(flags, flags.config, io.cwd, io.cwd, runner().lexgen)
  for (const { dir, diff, current, files } of stale) {
    if (current.missing) {
      io.err(`lexgen: ${paint('warning', `${display(dir, io)} does not exist`)}; run \`${command}\` and commit the result (${counted(files.size, 'file')})\n`)
      continue
    }
    // Generate refuses a folder holding compiled files: the note above says what to do first.
    const run = compiled.has(dir) ? 'once the compiled files are gone, run' : 'run'
    io.err(`lexgen: ${paint('warning', `${display(dir, io)} is stale`)}; ${run} \`${command}\` and commit the result:\n`)
    // Paths from the working directory, so `git apply` takes the patch where the user stands.
    const fromCwd = relative(io.cwd, dir).split(sep).join('/')
    io.err(`${await formatDiff(diff, current, files, { dir: fromCwd, paint })}\n`)
    if (current.truncated) io.err('lexgen: stopped looking after 100 stray entries: there may be more\n')
  }
  return 1
}

/** The editor files (write.ts) beside what the new output holds: one in a folder the output no longer has goes with it. */
function besideOutput(editing: readonly string[], files: OutputFiles): string[] {
  const folders = new Set([...files.keys()].map((path) => posix.dirname(path)))
  return editing.filter((path) => folders.has(posix.dirname(path)))
}

/** Throws when an output folder holds what lexgen did not generate: a swap would lose it. */
/** An output folder a newer lexgen made: this one would turn its code back to its own version's. */
function refuseDowngrade(outputs: readonly ComparedOutput[], io: Io): void {
  const { version } = ownPackage()
  for (const { dir, current } of outputs) {
    const made = madeBy(current.files)
    if (made === undefined || !newerThan(made, version)) continue
    throw new LexgenError(
      `refusing to replace ${display(dir, io)}: lexgen ${made} made it, and this is lexgen ${version}, which would turn its code back to ${version}'s; ` +
        `update lexgen (\`${runner().addDev} lexgen@${made}\`), or remove the folder to generate it with this one`,
    )
  }
}

function refuseWhatIsInTheWay(outputs: readonly ComparedOutput[], io: Io, check: string): void {
  for (const { dir, name, diff, files } of outputs) {
    if (!diff.stray.length) continue
    if (compilerOutputs(diff, files).length) throw new LexgenError(compiledInPlace(display(dir, io), diff.stray[0]!))
    // Reading stopped at the first: `check` reads on, and lists them all.
    throw new LexgenError(
      `refusing to replace ${display(dir, io)}: it holds what lexgen did not generate, which would be lost:\n` +
        `  ${display(dir, io)}/${diff.stray[0]}\n` +
        `Move it elsewhere (or choose another ${name} folder) and run again; \`${check}\` lists everything that is in the way.`,
    )
  }
}

/** An output folder (the code, or its docs) as on disk, and how it differs from this run's files. */
interface ComparedOutput {
  readonly dir: string
  readonly name: 'output' | 'docs'
  readonly files: OutputFiles
  /** `dir`, a symbolic link followed. */
  readonly target: string
  readonly current: OutputDir
  readonly diff: OutputDiff
}

/**
 * Each output folder (the code, then the docs when on) with what is on disk, read up to
 * `maxStray` entries that are not ours, and how it differs from this run's files, given to `use`.
 * A symbolic link given as a folder is followed (`target`); a swap a killed run left half done is
 * completed first. From the read to the end of `use`, this run holds the folders (lock.ts): another
 * lexgen swapping them meanwhile would make what was read, and what `use` writes, a mix.
 */
async function compareOutputs<T>(options: ResolvedOptions, result: GenerateResult, io: Io, maxStray: number, use: (outputs: ComparedOutput[]) => Promise<T>): Promise<T> {
  const targets: { dir: string; name: ComparedOutput['name']; files: OutputFiles }[] = [{ dir: options.out, name: 'output', files: result.files }]
  if (options.docs && result.docs) targets.push({ dir: options.docs.dir, name: 'docs', files: result.docs })
  await checkOutputPlaces(targets, options.lexicons)
  const resolved = await Promise.all(targets.map(async (t) => ({ ...t, target: await resolveOutputDir(t.dir) })))
  const unlock = await lockFolders(
    resolved.map(({ target }) => target),
    io.cwd,
    (text) => printNotes([text], io),
    io.stop,
  )
  try {
    printNotes(await recoverOutputDirs(resolved.map(({ target }) => target)), io)
    const outputs = await Promise.all(
      resolved.map(async (output) => {
        const current = await readOutputDir(output.target, { maxStray })
        return { ...output, current, diff: diffOutput(current, output.files) }
      }),
    )
    return await use(outputs)
  } finally {
    unlock()
  }
}

/** What the run could not do or suspects: it went on, the user should know. */
function printNotes(notes: readonly string[], io: Io): void {
  notes.forEach(warner(io.err, io.color?.err))
}

/** What to do about TypeScript's output in an output folder (see compilerOutputs). */
function compiledInPlace(dir: string, example: string): string {
  return (
    `${dir} holds TypeScript's output for its modules (${example}, …): tsc compiles them in place when tsconfig.json has no "outDir" (or had none when it ran). ` +
    `Set "outDir" (e.g. "dist", and "rootDir" for TypeScript 6 and later when the code is in a folder such as "src") if it is not set, delete the compiled files from ${dir} (or remove the folder and generate again), and run again`
  )
}

/** Selection patterns that did nothing, names a doc lost to another, and problems outside the selection's closure: listed, and the run goes on. */
function printWarnings(
  warnings: readonly LexiconProblem[],
  io: Io,
  patterns: Pick<GenerateResult, 'unmatched' | 'overridden' | 'nameClashes' | 'uncheckable' | 'ignoredKeys'> = { unmatched: [], overridden: [], nameClashes: [], uncheckable: [], ignoredKeys: [] },
  place?: PlaceProblem,
): void {
  const format = (problem: LexiconProblem) => formatProblem(problem, place)
  printNotes([...patterns.unmatched.map(didYouMean), ...patterns.overridden.map(overriddenText), ...clashTexts(patterns.nameClashes), ...sortProblems([...patterns.uncheckable, ...patterns.ignoredKeys]).map(format)], io)
  if (warnings.length === 0) return
  const files = new Set(warnings.map((w) => w.file)).size
  printNotes([`${counted(files, 'lexicon file')} outside the selection's references could not be used (--strict makes this an error):`], io)
  for (const warning of warnings) io.err(`  ${format(warning)}\n`)
}

/**
 * Each doc that lost names to one that camel-cases alike. Said on every run: which doc keeps a name
 * depends on the docs present, so one added later can take a name code already uses (lexgen diff reports it).
 */
function clashTexts(clashes: readonly NameClash[]): string[] {
  const byDoc = new Map<string, NameClash[]>()
  for (const clash of clashes) {
    const key = `${clash.nsid} ${clash.takenBy}`
    byDoc.set(key, [...(byDoc.get(key) ?? []), clash])
  }
  return [...byDoc.values()].map((group) => {
    const list = (names: string[]) => names.map((name) => `\`${name}\``).join(' and ')
    const { nsid, takenBy } = group[0]!
    return `${nsid} is exported as ${list(group.map((c) => c.given))}, not ${list(group.map((c) => c.wanted))}: ${takenBy} has ${group.length > 1 ? 'those names' : 'that name'} (the two NSIDs camel-case alike; the first in NSID order keeps ${group.length > 1 ? 'them' : 'it'})`
  })
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function display(path: string, io: Io): string {
  return relative(io.cwd, path) || '.'
}
