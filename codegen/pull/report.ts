/**
 * What changed between two sets of lexicon docs: the one place `pull` (before writing, and for
 * `--fail-on`) and `generate --watch` (after each good run) get their "what changed" report. It is
 * `lexgen diff`'s classification (codegen/changes/: breaking, source, compatible, docs; request,
 * response or record side), on the lexicon rules alone: the compiler check costs seconds, and
 * `lexgen diff` runs it when asked.
 */
import type { LexiconDoc } from '@atproto/lexicon'
import { compareLexicons as classify, formatChangeReport as format, SideError, type ChangeReport, type LexiconSet, type SideSelections } from '../changes/index.js'
import type { ParsedDoc } from '../parse.js'
import { counted } from '../plural.js'
import { patternToRegExp, type Selection } from '../select.js'

export { failsOn, type ChangeReport, type FailOn } from '../changes/index.js'

/** `lexgen diff`'s report, and why the "before" side was taken as empty, when it was. */
export type LexiconChanges = ChangeReport & { readonly unreadableBefore?: string }

/** Docs by NSID, as read from a lexicon folder or fetched (not validated yet: the comparison does it). */
export type DocSet = ReadonlyMap<string, LexiconDoc>

/**
 * Compares two sets as the generated client sees them: through the generator's selection (or each
 * side's own, when the config changed between them) and its reference closure. When the selection
 * names no doc on either side (a config without `include`, or a pull of lexicons the client does
 * not use), every doc is compared.
 */
export async function compareLexicons(
  before: DocSet | readonly ParsedDoc[],
  after: DocSet | readonly ParsedDoc[],
  selection: Selection | SideSelections,
): Promise<LexiconChanges> {
  const sides = [lexiconSet(before, 'before'), lexiconSet(after, 'after')] as const
  const patterns = 'after' in selection ? [...selection.before.include, ...selection.after.include] : selection.include
  const includes = patterns.map(patternToRegExp)
  const named = sides.some((side) => ids(side).some((id) => includes.some((re) => re.test(id))))
  const scope = named ? selection : { include: ['*'], exclude: [] }
  try {
    return await classify(sides[0], sides[1], scope)
  } catch (error) {
    // The folder as it was may be broken (a doc deleted by hand, a half edit): that is what a pull
    // repairs, so it must not stop it. Everything is then reported against nothing, and says why.
    if (!(error instanceof SideError && error.side === 'old')) throw error
    return { ...(await classify({ label: 'nothing', files: [] }, sides[1], scope)), unreadableBefore: error.message }
  }
}

export function isEmpty(report: LexiconChanges): boolean {
  return report.changes.length === 0
}

/** `lexicon changes: 0 breaking, 0 source, 1 compatible, 0 docs`, then `lexgen diff`'s lines for each change, indented. */
export function formatChangeReport(report: LexiconChanges): string {
  const unreadable = report.unreadableBefore ? `  (the lexicons as they were could not be read, so every doc counts as added: ${report.unreadableBefore})\n` : ''
  return isEmpty(report) ? 'lexicon changes: none\n' : format(report, 'text', { brief: true }) + unreadable
}

/**
 * A first pull into an empty folder: every doc is new, so counts say it all, with how many of the
 * docs pulled the client's selection takes (pull's patterns and the generator's may differ).
 */
export function firstPullSummary(report: LexiconChanges, pulled: number): string {
  const methods = report.changes.filter((c) => c.kind === 'method-added').length
  const left = pulled - report.after.docs
  const taken = left === 0 ? `the ${counted(pulled, 'doc')} pulled` : `${report.after.docs} of the ${counted(pulled, 'doc')} pulled`
  const among = methods ? `, ${counted(methods, 'method')} among them` : ''
  const why = left > 0 ? ` (its include and exclude leave out ${left})` : ''
  return `lexicon changes: a first pull, so all new: the client takes ${taken}${among}${why}\n`
}

function lexiconSet(docs: DocSet | readonly ParsedDoc[], label: string): LexiconSet {
  if (!(docs instanceof Map)) return { label, docs: docs as readonly ParsedDoc[] }
  // Files in the NSID layout, as pull writes them, so an error names the file a reader would open.
  return { label, files: [...(docs as DocSet)].map(([nsid, json]) => ({ file: `${nsid.split('.').join('/')}.json`, json })) }
}

function ids(set: LexiconSet): string[] {
  return 'docs' in set ? set.docs.map((d) => d.doc.id) : set.files.map((f) => (f.json as { id?: unknown }).id).filter((id): id is string => typeof id === 'string')
}
