/**
 * What goes wrong, as the CLI reports it: a `LexgenError` (exit 1) or `FlagError` (exit 2) with
 * its place, and lexicon problems as plain data every stage collects, sorted and listed together.
 */
import { escapeControls } from './controls.js'

/**
 * A user-facing failure: a bad lexicon, a bad flag, a stale output. The CLI prints
 * `message` (never a stack) and exits 1. `file` and `path` locate the problem.
 */
export class LexgenError extends Error {
  readonly file?: string
  /** JSON path inside `file`, e.g. `defs.main.parameters.properties.limit`. */
  readonly path?: string

  constructor(reason: string, where: { file?: string; path?: string } = {}) {
    super(formatLocation(where.file, where.path) + reason)
    this.name = 'LexgenError'
    this.file = where.file
    this.path = where.path
  }
}

/** One problem with one lexicon file: plain data, so every stage (and `lexgen diff`) can collect and report them. */
export interface LexiconProblem {
  /** Path relative to the lexicon directory, `/`-separated. */
  readonly file: string
  /** JSON path inside the file; absent when the problem is the whole file. */
  readonly path?: string
  readonly message: string
  /** The file whose own problem causes this one (a reference into a file that could not be used). */
  readonly blockedBy?: string
  /** Another file the problem involves (where a duplicate id came first), named as `file` is: `(${how} ${file})`. */
  readonly related?: { readonly how: string; readonly file: string }
}

/** A bad value given on the command line: a usage error (exit 2), where the same value in the config file is bad input (exit 1). */
export class FlagError extends LexgenError {
  constructor(message: string) {
    super(message)
    this.name = 'FlagError'
  }
}

/**
 * How a problem's place is written: its file and, given, its JSON path. By default the file as the
 * problem names it (relative to the lexicon folder) and `at <path>`; the CLI writes where the user
 * stands, with a line and column (located.ts).
 */
export type PlaceProblem = (file: string, path?: string) => string

const plainPlace: PlaceProblem = (file, path) => (path ? `${file} at ${path}` : file)

/** Every problem of a run that stops it, sorted by file and path; the message lists them all. */
export class LexiconErrors extends LexgenError {
  readonly problems: readonly LexiconProblem[]
  /** Problems that would not have stopped the run on their own, shown with the errors. */
  readonly warnings: readonly LexiconProblem[]
  /** The lexicon folder the problems' files are in, when they are files on disk. */
  readonly lexicons?: string

  constructor(problems: readonly LexiconProblem[], warnings: readonly LexiconProblem[] = [], lexicons?: string) {
    const sorted = sortProblems(problems)
    super(listProblems(sorted))
    this.name = 'LexiconErrors'
    this.problems = sorted
    this.warnings = sortProblems(warnings)
    if (lexicons !== undefined) this.lexicons = lexicons
  }
}

/** The causes, listed; what only follows from them (references into a broken file), counted. */
export function listProblems(sorted: readonly LexiconProblem[], place: PlaceProblem = plainPlace): string {
  const causes = sorted.filter((p) => p.blockedBy === undefined)
  const files = new Set(causes.map((p) => p.file)).size
  const listed =
    causes.length === 1 ? formatProblem(causes[0]!, place) : `${causes.length} problems in ${files} lexicon ${files === 1 ? 'file' : 'files'}:\n${causes.map((p) => `  ${formatProblem(p, place)}`).join('\n')}`
  return [listed, ...blockedLines(sorted, place)].join('\n')
}

/** `  26 references to a/defs.json, from 14 other files, can be checked once it is fixed`, per blocking file. */
function blockedLines(problems: readonly LexiconProblem[], place: PlaceProblem): string[] {
  const byCause = new Map<string, LexiconProblem[]>()
  for (const p of problems) if (p.blockedBy !== undefined) byCause.set(p.blockedBy, [...(byCause.get(p.blockedBy) ?? []), p])
  return [...byCause].map(([file, blocked]) => {
    const from = new Set(blocked.map((p) => p.file)).size
    const references = blocked.length === 1 ? '1 reference' : `${blocked.length} references`
    return `  ${references} to ${place(file)}, from ${from === 1 ? '1 other file' : `${from} other files`}, can be checked once it is fixed`
  })
}

export function formatProblem(problem: LexiconProblem, place: PlaceProblem = plainPlace): string {
  // A file name and a lexicon's values can hold anything: never a control character to a terminal.
  const related = problem.related ? ` (${problem.related.how} ${place(problem.related.file)})` : ''
  return escapeControls(`${place(problem.file, problem.path)}: ${problem.message}${related}`, { keepLines: true })
}

/** By file, then JSON path, then message, in code-unit order: the same on every machine. */
export function sortProblems(problems: readonly LexiconProblem[]): LexiconProblem[] {
  const key = (p: LexiconProblem) => [p.file, p.path ?? '', p.message]
  return [...problems].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)]
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1
    return 0
  })
}

function formatLocation(file?: string, path?: string): string {
  return file ? `${plainPlace(file, path)}: ` : ''
}

/** Renders a JSON path from keys, quoting keys that are not identifiers: `defs.main["odd key"][0]`. */
export function jsonPath(keys: readonly (string | number)[]): string {
  let out = ''
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key
    else out += `[${JSON.stringify(key)}]`
  }
  return out
}

/** An error Node's system calls throw (`ENOSPC: no space left on device, write`): the machine refusing, not lexgen failing. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string' && /^E[A-Z]+$/.test(String((error as NodeJS.ErrnoException).code))
}
