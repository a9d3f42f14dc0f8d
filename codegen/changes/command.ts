/**
 * `lexgen diff`: loaded by the CLI only when the command runs, so `generate` and `check`
 * never pay for it (and never load ts-morph).
 */
import { relative, resolve } from 'node:path'
import { painter } from '../color.js'
import { resolveOptions, type Options } from '../config.js'
import { compareLexicons, exitCodeFor, type FailOn } from './index.js'
import { formatChangeReport, type ReportFormat } from './format.js'
import { onSide, readLexiconDir, readLexiconsAtRef, UsageError, type LexiconSet, type SideName } from './inputs.js'

export interface DiffFlags extends Options {
  config?: string
  base?: string
  from?: string
  to?: string
  format: ReportFormat
  failOn: FailOn
  /** Commander's `--no-compiler-check`. */
  compilerCheck: boolean
}

interface Io {
  out: (text: string) => void
  err: (text: string) => void
  cwd: string
  /** Colour what goes to stdout (the report) and stderr. */
  color?: { out: boolean; err: boolean }
}

/** Resolves to the exit code: 0 nothing at or above `--fail-on`, 1 such changes (or bad input), 2 usage. */
export async function runDiff(flags: DiffFlags, io: Io): Promise<number> {
  try {
    const options = await resolveOptions(flags, flags.config, io.cwd)
    const [before, after] = await inputs(flags, options.lexicons, io.cwd)
    const report = await compareLexicons(before, after, options, { compilerCheck: flags.compilerCheck })
    io.out(formatChangeReport(report, flags.format, { color: flags.format === 'text' && io.color?.out === true }))
    return exitCodeFor(report, flags.failOn)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.err(`lexgen: ${painter(io.color?.err === true)('error', 'usage error:')} ${error.message}\n`)
    return 2
  }
}

/** The two sides: `--from`/`--to` directories, or the lexicon directory at `--base` (default HEAD) and on disk. */
async function inputs(flags: DiffFlags, lexicons: string, cwd: string): Promise<[LexiconSet, LexiconSet]> {
  const show = (path: string) => relative(cwd, path) || '.'
  const side = (name: SideName, label: string, load: (label: string) => Promise<LexiconSet>) => load(label).catch((error) => Promise.reject(onSide(name, label, error)))
  if (flags.from !== undefined || flags.to !== undefined) {
    if (flags.base !== undefined) throw new UsageError('use either --base or --from/--to, not both')
    if (flags.from === undefined || flags.to === undefined) throw new UsageError('--from and --to go together: give both directories')
    const [from, to] = [resolve(cwd, flags.from), resolve(cwd, flags.to)]
    return Promise.all([side('old', show(from), (label) => readLexiconDir(from, label)), side('new', show(to), (label) => readLexiconDir(to, label))])
  }
  const ref = flags.base ?? 'HEAD'
  return Promise.all([
    side('old', `${ref}:${show(lexicons)}`, (label) => readLexiconsAtRef(lexicons, ref, label)),
    side('new', `${show(lexicons)} (working tree)`, (label) => readLexiconDir(lexicons, label)),
  ])
}
