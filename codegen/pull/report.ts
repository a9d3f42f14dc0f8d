/**
 * What changed between two sets of lexicon docs: the one place `pull` (before writing, and for
 * `--fail-on`) and `generate --watch` (after each good run) get their "what changed" report.
 *
 * MERGE SEAM (issue 10): this body is interim. It lists added, removed and changed NSIDs and
 * flags as breaking only what surely is (a removed doc, a removed def). When the `diff` branch
 * lands, `compareLexicons`, `failsOn` and `formatChangeReport` delegate to `codegen/changes/`
 * (its classified report and formatter) and `FAIL_ON_LEVELS` takes its levels; the callers
 * (codegen/pull/index.ts, codegen/watch.ts) and their tests need no other change.
 */
import type { LexiconDoc } from '@atproto/lexicon'
import { compare, selectDocs, type Selection } from '../select.js'

export const FAIL_ON_LEVELS = ['breaking'] as const
export type FailOn = (typeof FAIL_ON_LEVELS)[number]

export interface DocChange {
  readonly nsid: string
  readonly kind: 'added' | 'removed' | 'changed'
  /** Why the change breaks callers, when it surely does. */
  readonly breaking?: string
  /** In the generator's selection closure (on the side where the doc exists). */
  readonly selected: boolean
}

export interface ChangeReport {
  readonly changes: readonly DocChange[]
}

/** Docs by NSID; a doc is compared as JSON, so key order and the record's `$type` do not count. */
export type DocSet = ReadonlyMap<string, LexiconDoc>

export function compareLexicons(before: DocSet, after: DocSet, selection: Selection): ChangeReport {
  const selected = new Set([...closure(before, selection), ...closure(after, selection)])
  const changes: DocChange[] = []
  for (const nsid of [...new Set([...before.keys(), ...after.keys()])].sort(compare)) {
    const [old, now] = [before.get(nsid), after.get(nsid)]
    const inSelection = selected.has(nsid)
    if (!old) changes.push({ nsid, kind: 'added', selected: inSelection })
    else if (!now) changes.push({ nsid, kind: 'removed', breaking: 'doc removed', selected: inSelection })
    else if (canonical(old) !== canonical(now)) {
      const removedDefs = Object.keys(old.defs).filter((name) => !Object.hasOwn(now.defs, name))
      const breaking = removedDefs.length ? `def${removedDefs.length > 1 ? 's' : ''} ${removedDefs.map((d) => `'${d}'`).join(', ')} removed` : undefined
      changes.push({ nsid, kind: 'changed', ...(breaking ? { breaking } : {}), selected: inSelection })
    }
  }
  return { changes }
}

export function isEmpty(report: ChangeReport): boolean {
  return report.changes.length === 0
}

/** Whether `--fail-on <level>` refuses this report. */
export function failsOn(report: ChangeReport, level: FailOn): boolean {
  return level === 'breaking' && report.changes.some((change) => change.breaking)
}

/** `lexicon changes: 1 added, 2 changed (1 breaking)` and one line per doc. */
export function formatChangeReport(report: ChangeReport): string {
  if (isEmpty(report)) return 'lexicon changes: none\n'
  const count = (kind: DocChange['kind']) => report.changes.filter((change) => change.kind === kind).length
  const counts = (['added', 'changed', 'removed'] as const).filter((kind) => count(kind)).map((kind) => `${count(kind)} ${kind}`)
  const breaking = report.changes.filter((change) => change.breaking).length
  const width = Math.max(...report.changes.map((change) => change.nsid.length))
  const sign = { added: '+', changed: '~', removed: '-' }
  const lines = report.changes.map((change) => {
    const notes = [change.breaking && `breaking: ${change.breaking}`, change.selected && 'in the generated client'].filter(Boolean)
    return `  ${sign[change.kind]} ${change.nsid.padEnd(width)}${notes.length ? `  ${notes.join('; ')}` : ''}`.trimEnd()
  })
  return `lexicon changes: ${counts.join(', ')}${breaking ? ` (${breaking} breaking)` : ''}\n${lines.join('\n')}\n`
}

function closure(docs: DocSet, selection: Selection): string[] {
  if (selection.include.length === 0) return []
  try {
    return selectDocs([...docs.values()].map((doc) => ({ file: doc.id, doc })), selection).map((parsed) => parsed.doc.id)
  } catch {
    return [] // a selection that does not resolve on this side marks nothing
  }
}

function canonical(doc: LexiconDoc): string {
  const { $type: _, ...rest } = doc as LexiconDoc & { $type?: unknown }
  return JSON.stringify(rest, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => compare(a, b))) : value,
  )
}
