/**
 * `lexgen diff`: loaded by the CLI only when the command runs, so `generate` and `check`
 * never pay for it (and never load ts-morph).
 */
import { dirname, relative, resolve } from 'node:path'
import { warner } from '../color.js'
import { FlagError, LexgenError } from '../errors.js'
import { lockFolders } from '../lock.js'
import { counted } from '../plural.js'
import { configFilePath, parseConfig, type Options } from '../config-file.js'
import { resolveOptions, selectionOf, type ResolvedOptions } from '../config.js'
import type { Selection } from '../select.js'
import { recoverOutputDirs } from '../write.js'
import { classFailsOn, compareLexicons, exitCodeFor, type ChangeReport, type FailOn, type SideSelections } from './index.js'
import { CLASSES } from './rules.js'
import { formatChangeReport, type ReportFormat } from './format.js'
import { onSide, readFileAtRef, readLexiconDir, readLexiconsAtRef, SideError, type LexiconSet, type SideName } from './inputs.js'

export interface DiffFlags extends Options {
  config?: string
  base?: string
  from?: string
  to?: string
  format: ReportFormat
  failOn: FailOn
  /** Commander's `--no-compiler-check`. */
  compilerCheck: boolean
  /** Markdown only: cut the report to fit this many characters. */
  maxLength?: number
}

interface Io {
  out: (text: string) => void
  err: (text: string) => void
  cwd: string
  /** Colour what goes to stdout (the report) and stderr. */
  color?: { out: boolean; err: boolean }
  /** Ends a wait for another lexgen writing a lexicon folder. */
  stop?: AbortSignal
}

/**
 * Resolves to the exit code: 0 nothing at or above `--fail-on`, 1 such changes. Bad input rejects
 * with a LexgenError (the CLI exits 1), wrong use with a FlagError (exit 2).
 */
export async function runDiff(flags: DiffFlags, io: Io): Promise<number> {
  if (flags.maxLength !== undefined && flags.format !== 'markdown') throw new FlagError('--max-length cuts a markdown report: add --format markdown')
  const options = await resolveOptions(flags, flags.config, io.cwd)
  const { before, after, selections } = await inputs(flags, options, io)
  const report = await compareLexicons(before, after, selections, { compilerCheck: flags.compilerCheck, onWarning: warner(io.err, io.color?.err) })
  io.out(formatChangeReport(report, flags.format, { color: flags.format === 'text' && io.color?.out === true, maxLength: flags.maxLength }))
  const code = exitCodeFor(report, flags.failOn)
  if (code) io.err(`lexgen: ${failureText(report, flags.failOn)}\n`)
  return code
}

/**
 * Why the diff exits 1, on stderr: the last line of a CI log, where the report's summary is
 * hundreds of lines up, or in the file the report went to.
 */
function failureText(report: ChangeReport, failOn: FailOn): string {
  const failing = CLASSES.filter((c) => report.summary[c] > 0 && classFailsOn(c, failOn))
  const counts = failing.map((c) => `${report.summary[c]} ${c}`).join(', ')
  const total = failing.reduce((sum, c) => sum + report.summary[c], 0)
  const what = failing.length === 1 ? counted(total, `${failing[0]} change`) : `${counted(total, 'change')}${failOn === 'any' ? '' : ` at ${failOn} or worse`} (${counts})`
  return `exit 1 (--fail-on ${failOn}): ${what}`
}

interface Inputs {
  readonly before: LexiconSet
  readonly after: LexiconSet
  readonly selections: SideSelections
}

/**
 * The two sides: `--from`/`--to` directories (one selection for both), or the lexicon directory
 * at `--base` (default HEAD) and on disk, each through the config of its time (see configAtBase).
 */
async function inputs(flags: DiffFlags, options: ResolvedOptions, io: Io): Promise<Inputs> {
  const show = (path: string) => relative(io.cwd, path) || '.'
  const side = (name: SideName, label: string, load: (label: string) => Promise<LexiconSet>) => load(label).catch((error) => Promise.reject(onSide(name, label, error)))
  if (flags.from !== undefined || flags.to !== undefined) {
    if (flags.base !== undefined) throw new FlagError('use either --base or --from/--to, not both')
    if (flags.from === undefined || flags.to === undefined) throw new FlagError('--from and --to go together: give both directories')
    const [from, to] = [resolve(io.cwd, flags.from), resolve(io.cwd, flags.to)]
    const [before, after] = await holding([from, to], io, () => bothSides(side('old', show(from), (label) => readLexiconDir(from, label)), side('new', show(to), (label) => readLexiconDir(to, label))))
    return { before, after, selections: { before: options, after: options } }
  }
  const ref = flags.base ?? 'HEAD'
  const base = (await configAtBase(flags, ref, io.cwd)) ?? { lexicons: options.lexicons, selection: options }
  const [before, after] = await holding([base.lexicons, options.lexicons], io, () =>
    bothSides(
      side('old', `${ref}:${show(base.lexicons)}`, (label) => readLexiconsAtRef(base.lexicons, ref, label, dirname(configFilePath(flags.config, io.cwd)))),
      side('new', `${show(options.lexicons)} (working tree)`, (label) => readLexiconDir(options.lexicons, label)),
    ),
  )
  return { before, after, selections: { before: base.selection, after: options } }
}

/**
 * `read` while this run holds the lexicon folders (lock.ts), once the swap of a pull killed amid it
 * is completed, as generate reads them: a pull swapping a folder meanwhile would have it read half
 * old and half new, or moved away under the git that reads the old side in it.
 */
async function holding<T>(dirs: readonly string[], io: Io, read: () => Promise<T>): Promise<T> {
  const warn = warner(io.err, io.color?.err)
  const release = await lockFolders(dirs, io.cwd, warn, io.stop)
  try {
    for (const note of await recoverOutputDirs(dirs)) warn(note)
    return await read()
  } finally {
    release()
  }
}

/**
 * Both sides, read at once; when both fail, the old side's error is the one said, whichever came
 * first, so the same inputs give the same message (outside git, "not in a git repository"
 * rather than a missing working-tree folder).
 */
async function bothSides(old: Promise<LexiconSet>, updated: Promise<LexiconSet>): Promise<[LexiconSet, LexiconSet]> {
  const [before, after] = await Promise.allSettled([old, updated])
  if (before.status === 'rejected') throw before.reason
  if (after.status === 'rejected') throw after.reason
  return [before.value, after.value]
}

/**
 * The lexicon folder and selection of the config file as it was at `ref`: the old client was
 * generated through them, so a doc the config has since added to (or dropped from) the selection
 * is reported as added (or removed), and a moved lexicon folder is read where it was. Flags apply
 * to both sides alike. Undefined when the config file is not in that commit (today's stands for both).
 */
async function configAtBase(flags: DiffFlags, ref: string, cwd: string): Promise<{ lexicons: string; selection: Selection } | undefined> {
  const file = configFilePath(flags.config, cwd)
  // Not in a repository (nor a commit): today's config stands for both; the lexicons' read says what is wrong.
  const text = await readFileAtRef(file, ref).catch((error) => (error instanceof FlagError ? undefined : Promise.reject(error)))
  if (text === undefined) return undefined
  const config = parseBaseConfig(text, `${ref}:${relative(cwd, file)}`)
  return {
    lexicons: flags.lexicons ? resolve(cwd, flags.lexicons) : resolve(dirname(file), config.lexicons ?? 'lexicons'),
    selection: { ...selectionOf(flags, config), strict: flags.strict ?? config.strict ?? false },
  }
}

/** The config at the base, whose fault is that commit's, not today's: the message says which side it serves. */
function parseBaseConfig(text: string, label: string): ReturnType<typeof parseConfig> {
  try {
    return parseConfig(text, label)
  } catch (error) {
    if (!(error instanceof LexgenError)) throw error
    throw new SideError('old', `${error.message}; diff takes the old side's selection from the config as committed there (compare two folders with --from/--to instead)`)
  }
}
