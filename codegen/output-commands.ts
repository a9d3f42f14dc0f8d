/**
 * `lexgen generate` and `lexgen check`: the pipeline's output compared with the output folders on
 * disk, then written (generate, refusing what is in its way) or reported (check, with why it drifted).
 */
import { posix, relative, sep } from 'node:path'
import { display, errorText, errPaint, printNotes, printWarnings, type Io } from './cli-output.js'
import { warner } from './color.js'
import { generateCommand } from './command-line.js'
import { configFilePath, type Options } from './config-file.js'
import { resolveOptions, type ResolvedOptions } from './config.js'
import { moduleScopeNote } from './module-scope-note.js'
import { madeBy } from './emit/runtime-module.js'
import type { OutputFiles } from './emit.js'
import { LexgenError } from './errors.js'
import { generate, type GenerateResult } from './index.js'
import { keepingLineEndings } from './line-endings.js'
import type { LoadCache } from './load.js'
import { placeInFolder } from './located.js'
import { lockFolders } from './lock.js'
import { compilerOutputs, diffOutput, formatDiff, isClean, type OutputDiff } from './output-diff.js'
import { ownPackage } from './own-package.js'
import { counted } from './plural.js'
import { newerThan, runtimeNote } from './runtime-note.js'
import { runner } from './runner.js'
import { interruptSignal, watchGenerate } from './watch.js'
import { checkOutputPlaces, readOutputDir, resolveOutputDir, type OutputDir } from './output-read.js'
import { recoverOutputDirs, writeOutputDirs } from './write.js'

export async function runGenerate(flags: Options & { config?: string; watch?: boolean }, io: Io): Promise<number> {
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
      errorText: (error) => errorText(error, io),
      err: io.err,
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

export async function runCheck(flags: Options & { config?: string }, io: Io): Promise<number> {
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

/** The editor files (output-read.ts) beside what the new output holds: one in a folder the output no longer has goes with it. */
function besideOutput(editing: readonly string[], files: OutputFiles): string[] {
  const folders = new Set([...files.keys()].map((path) => posix.dirname(path)))
  return editing.filter((path) => folders.has(posix.dirname(path)))
}

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

/** Throws when an output folder holds what lexgen did not generate: a swap would lose it. */
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

/** What to do about TypeScript's output in an output folder (see compilerOutputs). */
function compiledInPlace(dir: string, example: string): string {
  return (
    `${dir} holds TypeScript's output for its modules (${example}, …): tsc compiles them in place when tsconfig.json has no "outDir" (or had none when it ran). ` +
    `Set "outDir" (e.g. "dist", and "rootDir" for TypeScript 6 and later when the code is in a folder such as "src") if it is not set, delete the compiled files from ${dir} (or remove the folder and generate again), and run again`
  )
}
