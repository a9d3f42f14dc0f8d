/**
 * The \`lexgen\` command line: commands and options wired to what runs them (output-commands.ts for
 * generate and check, changes/ for diff, pull/, init.ts), exit codes, and a stop signal's clean-up.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { FAIL_ON_LEVELS } from './changes/index.js'
import { errPaint, printError, type Io } from './cli-output.js'
import { colorWanted, painter } from './color.js'
import type { Options } from './config-file.js'
import { FlagError } from './errors.js'
import { ownPackage } from './own-package.js'
import { runCheck, runGenerate } from './output-commands.js'
import type { PullRequest } from './pull/index.js'
import type { StopSignal } from './watch.js'
import { abandonOwnWrites } from './writers.js'

export { STOP_SIGNALS } from './watch.js'
export { stopSignalsHandled } from './writers.js'

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

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}
