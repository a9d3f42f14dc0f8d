/**
 * Lexicon change classification, for `lexgen diff` and for any command that reports what a
 * lexicon update does to users of the generated client (`pull --update`, `generate --watch`):
 *
 *   const report = await compareLexicons(before, after, { include, exclude }, { compilerCheck: true })
 *   process.stdout.write(formatChangeReport(report, 'text', { color: process.stdout.isTTY }))
 *   process.exitCode = exitCodeFor(report, 'breaking')
 *
 * Stages, plain data between them: parse and select each side → usage (which side of the wire
 * each def is on, through which methods) → compare (raw differences of the schemas, and of the
 * names the index exports: exports.ts) → classify (rules.ts) →
 * optional compiler check (compiler.ts, reconciled with the rules in reconcile.ts) → report
 * (report.ts) → format (format.ts).
 */
import { LexiconErrors } from '../errors.js'
import { withoutIgnoredKeys } from '../ignored-keys.js'
import { skimLexicons, type ParsedDoc, type SkimmedLexicons } from '../parse.js'
import { didYouMean, noMatch, selectDocs, selects, unmatchedSelection, type Selection } from '../select.js'
import { compare } from '../order.js'
import { compareDocs, type RawChange } from './compare.js'
import { compareExports } from './exports.js'
import { onSide, type LexiconSet, type SideName } from './inputs.js'
import { compilerReport } from './reconcile.js'
import type { Change, ChangeReport } from './report.js'
import { atLeast, CLASSES, classify, SIDES, type ChangeClass, type Side } from './rules.js'
import { defKey, deployedUsage, type DefUsage } from '../usage.js'

/** Each side's own selection, when they differ: the config at a base commit may select other docs than today's. */
export interface SideSelections {
  readonly before: Selection
  readonly after: Selection
}

export interface CompareOptions {
  /** Also build both clients and let the TypeScript compiler decide source compatibility (loads ts-morph; ~1–3 s). */
  readonly compilerCheck?: boolean
  /**
   * Told of each include (or mistyped exclude) pattern that matches no doc on either side, as
   * `generate` warns of it: a typo in a gate's pattern would otherwise leave those docs ungated.
   */
  readonly onWarning?: (text: string) => void
}

/** The `--fail-on` levels of `diff` and `pull`, as their help lists them: the least severe class that fails a run, `any` change, or `none`. */
export const FAIL_ON_LEVELS = ['breaking', 'source', 'any', 'none'] as const

export type FailOn = (typeof FAIL_ON_LEVELS)[number]

/**
 * Compares two lexicon sets as the generated client sees them: `selection` (with its reference
 * closure) is applied to each side, or each side's own, so a doc that joins or leaves the
 * selection is added or removed. Throws a `LexgenError` naming the side, file and JSON path when
 * either side has a broken lexicon.
 */
export async function compareLexicons(
  before: LexiconSet,
  after: LexiconSet,
  selections: Selection | SideSelections,
  options: CompareOptions = {},
): Promise<ChangeReport> {
  const { before: oldSelection, after: selection } = 'after' in selections ? selections : { before: selections, after: selections }
  const { docs: current, ids: newIds } = selectedSide(after, selection, 'new')
  const { docs: old, ids: oldIds } = selectedSide(before, oldSelection, 'old')
  // Patterns are judged against both sides: one matching old docs only names what the change removed.
  const ids = [...new Set([...oldIds, ...newIds])]
  if (old.length === 0 && current.length === 0) {
    const either = { ...selection, include: [...new Set([...oldSelection.include, ...selection.include])] }
    throw noMatch(either, unmatchedSelection(either, ids), ' in either set')
  }
  for (const u of unmatchedSelection(selection, ids)) options.onWarning?.(didYouMean(u))
  const usage = deployedUsage({ docs: old, selected: selects(oldSelection) }, { docs: current, selected: selects(selection) })
  const changes = [...compareDocs(old, current), ...compareExports(old, current)].map((raw) => classified(raw, usage)).sort(byLocation)
  // Same docs on both sides give byte-identical clients: nothing for the compiler to find.
  const identical = old.length === current.length && old.every((d, i) => JSON.stringify(d.doc) === JSON.stringify(current[i]!.doc))
  const compiler = options.compilerCheck && !identical ? await compilerReport(old, current, usage, changes) : undefined

  const summary = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<ChangeClass, number>
  for (const change of changes) summary[change.class]++
  for (const d of compiler?.disagreements ?? []) if (d.compiler === 'does not compile') summary.source++
  const worst = CLASSES.find((c) => summary[c] > 0) ?? 'none'
  return {
    format: 'lexgen-diff/1',
    before: { label: before.label, docs: old.length },
    after: { label: after.label, docs: current.length },
    selection: selectionInfo(selection),
    ...(sameSelection(oldSelection, selection) ? {} : { selectionBefore: selectionInfo(oldSelection) }),
    summary,
    worst,
    changes,
    ...(compiler ? { compiler } : {}),
  }
}

/** Whether `report` has changes at or above `failOn` (`any`: any change at all, docs included). */
export function failsOn(report: ChangeReport, failOn: FailOn): boolean {
  return report.worst !== 'none' && classFailsOn(report.worst, failOn)
}

/** Whether a change of class `changeClass` fails a run at `failOn`. */
export function classFailsOn(changeClass: ChangeClass, failOn: FailOn): boolean {
  if (failOn === 'none') return false
  return failOn === 'any' || atLeast(changeClass, failOn)
}

/** The exit code for CI: 1 when `report` fails `failOn`, else 0. */
export function exitCodeFor(report: ChangeReport, failOn: FailOn): 0 | 1 {
  return failsOn(report, failOn) ? 1 : 0
}

interface SelectedSide {
  /** The selection and its reference closure. */
  readonly docs: readonly ParsedDoc[]
  /** Every doc id of this side, selected or not. */
  readonly ids: readonly string[]
}

/**
 * One side narrowed to the selection and its reference closure, validated as `generate` validates
 * it (the closure fully; problems elsewhere do not count). A side may select nothing (the methods
 * are new, or gone): everything is then added or removed. An error names the side.
 */
function selectedSide(set: LexiconSet, selection: Selection, side: SideName): SelectedSide {
  const lexicons: SkimmedLexicons =
    'docs' in set
      ? { docs: set.docs.map(({ file, doc }) => ({ file, id: doc.id, json: doc as unknown as Record<string, unknown> })), problems: [] }
      : skimLexicons({ files: set.files, problems: set.problems ?? [] })
  const isRoot = selects(selection)
  const ids = lexicons.docs.map((doc) => doc.id)
  if (!lexicons.docs.some((doc) => isRoot(doc.id)) && !lexicons.problems.some((p) => isRoot(p.nsid))) return { docs: [], ids }
  try {
    const selected = selectDocs(lexicons, selection)
    if (selected.errors.length) throw new LexiconErrors(selected.errors)
    // Read as @atproto/lexicon and generate read them: a key a schema's type does not define changes nothing.
    return { docs: selected.docs.map(withoutIgnoredKeys), ids }
  } catch (error) {
    throw onSide(side, set.label, error)
  }
}

function selectionInfo(selection: Selection): ChangeReport['selection'] {
  return { include: [...selection.include], exclude: [...selection.exclude] }
}

function sameSelection(a: Selection, b: Selection): boolean {
  return JSON.stringify(selectionInfo(a)) === JSON.stringify(selectionInfo(b))
}

function classified(raw: RawChange, usage: ReadonlyMap<string, DefUsage>): Change {
  const reach: DefUsage =
    raw.side ? { sides: [raw.side], via: { [raw.side]: [raw.nsid] } }
    : raw.kind === 'doc-added' || raw.kind === 'doc-removed' || raw.def === '' ? docUsage(raw.nsid, usage)
    : (usage.get(defKey(raw.nsid, raw.def)) ?? { sides: [], via: {} })
  return {
    nsid: raw.nsid,
    def: raw.def,
    path: raw.path,
    kind: raw.kind,
    class: classify(raw.kind, reach.sides),
    sides: reach.sides,
    via: reach.via,
    message: raw.message,
    ...('before' in raw ? { before: raw.before } : {}),
    ...('after' in raw ? { after: raw.after } : {}),
  }
}

/** A whole doc is reached wherever any of its defs is (a doc need not have a `main`). */
function docUsage(nsid: string, usage: ReadonlyMap<string, DefUsage>): DefUsage {
  const bySide = new Map<Side, Set<string>>()
  for (const [key, reach] of usage) {
    if (!key.startsWith(`${nsid}#`)) continue
    for (const side of reach.sides) {
      const vias = bySide.get(side) ?? new Set<string>()
      for (const via of reach.via[side] ?? []) vias.add(via)
      bySide.set(side, vias)
    }
  }
  const sides = SIDES.filter((side) => bySide.has(side))
  return { sides, via: Object.fromEntries(sides.map((side) => [side, [...bySide.get(side)!].sort(compare)])) }
}

function byLocation(a: Change, b: Change): number {
  return compare(a.nsid, b.nsid) || compare(a.def, b.def) || compare(a.path, b.path) || compare(a.kind, b.kind) || compare(a.message, b.message)
}

export { formatChangeReport, type ReportFormat } from './format.js'
export { readLexiconDir, readLexiconsAtRef, SideError, type LexiconSet } from './inputs.js'
export type { Change, ChangeReport, CompilerReport, Disagreement } from './report.js'
export { RULES, type ChangeClass, type ChangeKind, type Side } from './rules.js'
