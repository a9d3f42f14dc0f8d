import { relative } from 'node:path'
import { Command, CommanderError, Option } from 'commander'
import { moduleScopeNote, resolveOptions, type Options } from './config.js'
import { diffOutput, formatDiff, isClean } from './diff.js'
import { formatProblem, LexgenError, LexiconErrors, type LexiconProblem } from './errors.js'
import { generate } from './index.js'
import { readOutputDir, recoverOutputDir, resolveOutputDir, writeOutputDir } from './write.js'

interface Io {
  out: (text: string) => void
  err: (text: string) => void
  cwd: string
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
}

/** Runs the CLI and resolves to the exit code: 0 ok, 1 bad input or stale output, 2 usage error. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  let exitCode = 0
  const program = new Command('lexgen')
    .description('Generate a TypeScript XRPC client from atproto lexicons.')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })

  const withSelection = (command: Command) =>
    command
      .option('--lexicons <dir>', 'lexicon directory (default: from lexgen.config.json, else ./lexicons)')
      .option('--out <dir>', 'output directory (default: from lexgen.config.json, else ./generated)')
      .option('--include <pattern>', "NSID pattern to select, '*' matches anything; repeatable", collect)
      .option('--exclude <pattern>', 'NSID pattern to leave out; repeatable', collect)
      .option('--runtime-import <specifier>', "module the generated code imports the runtime from (default: 'lexgen/runtime')")
      .option('--file-ext <ext>', "extension of the generated modules: '.ts' (default) or '.mts' (ESM in any package)")
      .option('--strict', 'fail on every bad lexicon doc, not only those the selection uses')
      .addOption(new Option('--config <file>', 'config file (default: ./lexgen.config.json when present)'))

  withSelection(program.command('generate'))
    .description('generate the client into the output directory (atomically: all or nothing)')
    .action(async (flags: Options & { config?: string }) => {
      exitCode = await runGenerate(flags, io)
    })

  withSelection(program.command('check'))
    .description('exit 1, with a diff, when the output directory is not what generate would write')
    .action(async (flags: Options & { config?: string }) => {
      exitCode = await runCheck(flags, io)
    })

  try {
    await program.parseAsync(argv, { from: 'user' })
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    if (error instanceof LexgenError) {
      if (error instanceof LexiconErrors) printWarnings(error.warnings, io)
      io.err(`lexgen: error: ${error.message}\n`)
      return 1
    }
    io.err(`lexgen: internal error: ${(error as Error).stack ?? String(error)}\n`)
    return 1
  }
}

async function runGenerate(flags: Options & { config?: string }, io: Io): Promise<number> {
  const started = performance.now()
  const options = await resolveOptions(flags, flags.config, io.cwd)
  const result = await generate(options)
  printWarnings(result.warnings, io)
  const note = await moduleScopeNote(options)
  if (note) io.err(`lexgen: warning: ${note}\n`)
  const out = await resolveOutputDir(options.out)
  printNotes(await recoverOutputDir(out), io)
  // Stops at the first file that is not ours: reading a data folder given by mistake costs nothing.
  const current = await readOutputDir(out, { maxStray: 1 })
  const diff = diffOutput(current, result.files)
  if (diff.stray.length) {
    throw new LexgenError(
      `refusing to replace ${display(options.out, io)}: it holds what lexgen did not generate, which would be lost:\n` +
        `  ${diff.stray[0]}\n` +
        `Move it elsewhere (or point --out at another directory) and run again; \`lexgen check\` lists everything that is in the way.`,
    )
  }
  const changed = diff.changed.length + diff.added.length + diff.removed.length
  if (changed) printNotes(await writeOutputDir(out, result.files), io)
  const ms = Math.round(performance.now() - started)
  io.out(
    `lexgen: read ${result.docsRead} docs, selected ${result.docsSelected}, ` +
      `wrote ${result.files.size} files to ${display(options.out, io)} (${changed} changed) in ${ms} ms\n`,
  )
  return 0
}

async function runCheck(flags: Options & { config?: string }, io: Io): Promise<number> {
  const options = await resolveOptions(flags, flags.config, io.cwd)
  const result = await generate(options)
  printWarnings(result.warnings, io)
  const out = await resolveOutputDir(options.out)
  printNotes(await recoverOutputDir(out), io)
  const current = await readOutputDir(out, { maxStray: 100 })
  const diff = diffOutput(current, result.files)
  if (isClean(diff)) {
    io.out(`lexgen: ${display(options.out, io)} is up to date (${result.files.size} files)\n`)
    return 0
  }
  io.err(`lexgen: ${display(options.out, io)} is stale; run \`npx lexgen generate\` and commit the result:\n`)
  io.err(`${await formatDiff(diff, current, result.files)}\n`)
  if (current.truncated) io.err('lexgen: stopped looking after 100 stray entries: there may be more\n')
  return 1
}

/** What the output directory's cleanup could not do: the run went on, the user should know. */
function printNotes(notes: readonly string[], io: Io): void {
  for (const note of notes) io.err(`lexgen: warning: ${note}\n`)
}

/** Problems outside the selection's closure: listed, and the run goes on. */
function printWarnings(warnings: readonly LexiconProblem[], io: Io): void {
  if (warnings.length === 0) return
  const files = new Set(warnings.map((w) => w.file)).size
  io.err(`lexgen: warning: ${files} lexicon ${files === 1 ? 'file' : 'files'} outside the selection's references could not be used (--strict makes this an error):\n`)
  for (const warning of warnings) io.err(`  ${formatProblem(warning)}\n`)
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function display(path: string, io: Io): string {
  return relative(io.cwd, path) || '.'
}
