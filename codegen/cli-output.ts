/**
 * How the CLI speaks: its I/O, an error (a lexicon's problems placed where the user stands), notes
 * and warnings, paths from the working folder. What every command prints goes through here.
 */
import { relative } from 'node:path'
import { painter, warner, type Paint } from './color.js'
import { escapeControls } from './controls.js'
import { formatProblem, isSystemError, LexgenError, LexiconErrors, listProblems, sortProblems, type LexiconProblem, type PlaceProblem } from './errors.js'
import type { GenerateResult } from './index.js'
import { placeInFolder } from './located.js'
import type { NameClash } from './model.js'
import { counted } from './plural.js'
import type { PullIo } from './pull/index.js'
import { didYouMean, overriddenText } from './select.js'

export interface Io extends PullIo {
  out: (text: string) => void
  err: (text: string) => void
  cwd: string
  /** Ends `--watch` (default: the first SIGINT, SIGTERM or SIGHUP). */
  stop?: AbortSignal
  /** Colour what goes to stdout and to stderr (default: none). */
  color?: { out: boolean; err: boolean }
}

/** How to paint what goes to stderr. */
export function errPaint(io: Io): Paint {
  return painter(io.color?.err === true)
}

/** What {@link printError} prints for `error`: `--watch` compares it with the last run's. */
export function errorText(error: unknown, io: Io): string {
  let text = ''
  printError(error, { ...io, err: (more) => void (text += more) })
  return text
}

export function printError(error: unknown, io: Io): void {
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

/** What the run could not do or suspects: it went on, the user should know. */
export function printNotes(notes: readonly string[], io: Io): void {
  notes.forEach(warner(io.err, io.color?.err))
}

/** Selection patterns that did nothing, names a doc lost to another, and problems outside the selection's closure: listed, and the run goes on. */
export function printWarnings(
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

export function display(path: string, io: Io): string {
  return relative(io.cwd, path) || '.'
}
