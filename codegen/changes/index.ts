/**
 * Lexicon change classification, for `lexgen diff` and for any command that reports what a
 * lexicon update does to users of the generated client (`pull --update`, `generate --watch`):
 *
 *   const report = await compareLexicons(before, after, { include, exclude }, { compilerCheck: true })
 *   process.stdout.write(formatChangeReport(report, 'text', { color: process.stdout.isTTY }))
 *   process.exitCode = exitCodeFor(report, 'breaking')
 *
 * Stages, plain data between them: parse and select each side → usage (which side of the wire
 * each def is on, through which methods) → compare (raw differences) → classify (rules.ts) →
 * optional compiler check (compiler.ts) → report (report.ts) → format (format.ts).
 */
import { emit } from '../emit.js'
import { LexgenError } from '../errors.js'
import { buildModel } from '../model.js'
import { parseLexiconDocs, type ParsedDoc } from '../parse.js'
import { compare, patternToRegExp, selectDocs, type Selection } from '../select.js'
import { compareDocs, type RawChange } from './compare.js'
import { CHECK_RUNTIME_IMPORT, checkSourceCompatibility, type CompilerFinding } from './compiler.js'
import type { Change, ChangeReport, CompilerReport, Disagreement } from './report.js'
import { atLeast, CLASSES, classify, worse, type ChangeClass } from './rules.js'
import { defKey, deployedUsage, RefGraph, type DefUsage } from './usage.js'
import { onSide, type LexiconSet, type SideName } from './inputs.js'

export interface CompareOptions {
  /** Also build both clients and let the TypeScript compiler decide source compatibility (loads ts-morph; ~1–3 s). */
  readonly compilerCheck?: boolean
}

/** The `--fail-on` levels: the least severe class that fails a run. */
export type FailOn = 'breaking' | 'source' | 'any' | 'none'

/**
 * Compares two lexicon sets as the generated client sees them: `selection` (with its reference
 * closure) is applied to each side. Throws a `LexgenError` naming the side, file and JSON path
 * when either side has a broken lexicon.
 */
export async function compareLexicons(
  before: LexiconSet,
  after: LexiconSet,
  selection: Selection,
  options: CompareOptions = {},
): Promise<ChangeReport> {
  const old = selected(before, selection, 'old')
  const current = selected(after, selection, 'new')
  if (old.length === 0 && current.length === 0) {
    throw new LexgenError(`no lexicon matches --include ${selection.include.map((p) => `'${p}'`).join(', ')} in either set`)
  }
  const usage = deployedUsage(old, current)
  const changes = compareDocs(old, current).map((raw) => classified(raw, usage)).sort(byLocation)
  const compiler = options.compilerCheck ? await compilerReport(old, current, usage, changes) : undefined

  const summary = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<ChangeClass, number>
  for (const change of changes) summary[change.class]++
  for (const d of compiler?.disagreements ?? []) if (d.compiler === 'does not compile') summary.source++
  const worst = CLASSES.find((c) => summary[c] > 0) ?? 'none'
  return {
    format: 'lexgen-diff/1',
    before: { label: before.label, docs: old.length },
    after: { label: after.label, docs: current.length },
    selection: { include: [...selection.include], exclude: [...selection.exclude] },
    summary,
    worst,
    changes,
    ...(compiler ? { compiler } : {}),
  }
}

/** Whether `report` has changes at or above `failOn` (`any`: any change at all, docs included). */
export function failsOn(report: ChangeReport, failOn: FailOn): boolean {
  if (failOn === 'none' || report.worst === 'none') return false
  if (failOn === 'any') return true
  return atLeast(report.worst, failOn)
}

/** The exit code for CI: 1 when `report` fails `failOn`, else 0. */
export function exitCodeFor(report: ChangeReport, failOn: FailOn): 0 | 1 {
  return failsOn(report, failOn) ? 1 : 0
}

/** One side parsed and narrowed to the selection; an error names the side. */
function selected(set: LexiconSet, selection: Selection, side: SideName): ParsedDoc[] {
  try {
    const docs = 'docs' in set ? set.docs : parseLexiconDocs(set.files)
    const includes = selection.include.map(patternToRegExp)
    const excludes = selection.exclude.map(patternToRegExp)
    const anyRoot = docs.some(({ doc }) => includes.some((re) => re.test(doc.id)) && !excludes.some((re) => re.test(doc.id)))
    // A side may select nothing (the methods are new, or gone): everything is then added or removed.
    return anyRoot ? selectDocs(docs, selection) : []
  } catch (error) {
    throw onSide(side, set.label, error)
  }
}

function classified(raw: RawChange, usage: ReadonlyMap<string, DefUsage>): Change {
  const reach: DefUsage = raw.side ? { sides: [raw.side], via: { [raw.side]: [raw.nsid] } } : (usage.get(defKey(raw.nsid, raw.def)) ?? { sides: [], via: {} })
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

function byLocation(a: Change, b: Change): number {
  return compare(a.nsid, b.nsid) || compare(a.def, b.def) || compare(a.path, b.path) || compare(a.kind, b.kind) || compare(a.message, b.message)
}

async function compilerReport(
  old: readonly ParsedDoc[],
  current: readonly ParsedDoc[],
  usage: ReadonlyMap<string, DefUsage>,
  changes: readonly Change[],
): Promise<CompilerReport> {
  const client = (docs: readonly ParsedDoc[]) => {
    const model = buildModel(docs, CHECK_RUNTIME_IMPORT)
    return { model, files: emit(model) }
  }
  const result = await checkSourceCompatibility(client(old), client(current), usage)
  const graph = RefGraph.of(old, current)
  const findings = withCauses(result.findings, graph)
  return { ...result, findings, disagreements: disagreements(findings, changes, graph) }
}

/**
 * Marks findings that follow from another: `getConvo.Output` fails because the `convoView` it
 * contains fails. `through` names the failing def's symbol, so reports can lead with the cause.
 */
function withCauses(findings: readonly CompilerFinding[], graph: RefGraph): CompilerFinding[] {
  const failing = new Map<string, string>()
  for (const f of findings) if (!failing.has(defKey(f.nsid, f.def))) failing.set(defKey(f.nsid, f.def), f.symbol)
  return findings.map((f) => {
    if (f.check === 'module-kept' || f.check === 'export-kept') return f // a missing name has no inner cause
    const own = defKey(f.nsid, f.def)
    const cause = [...graph.closure(own)].filter((key) => key !== own && failing.has(key)).sort(compare)[0]
    return cause ? { ...f, through: failing.get(cause)! } : f
  })
}

/**
 * Defs where rules and compiler disagree: the compiler rejects old code where the rules found
 * nothing worse than compatible, or the rules expect old code to break (`source`) where every
 * check compiled.
 */
function disagreements(findings: readonly CompilerFinding[], changes: readonly Change[], graph: RefGraph): Disagreement[] {
  const rules = new Map<string, { worst: ChangeClass; source: boolean; nsid: string; def: string }>()
  for (const c of changes) {
    const key = defKey(c.nsid, c.def)
    const entry = rules.get(key) ?? { worst: 'docs', source: false, nsid: c.nsid, def: c.def }
    rules.set(key, { ...entry, worst: worse(entry.worst, c.class), source: entry.source || c.class === 'source' })
  }
  const rejected = new Map(findings.map((f) => [defKey(f.nsid, f.def), f]))
  const out: Disagreement[] = []
  for (const [key, f] of rejected) {
    // The rules' verdict on everything the failing symbol contains, itself included.
    let worst: ChangeClass | 'none' = 'none'
    for (const reached of graph.closure(key)) {
      const rule = rules.get(reached)
      if (rule) worst = worst === 'none' ? rule.worst : worse(worst, rule.worst)
    }
    if (worst === 'none' || !atLeast(worst, 'source')) out.push({ nsid: f.nsid, def: f.def, rules: worst, compiler: 'does not compile' })
  }
  for (const [key, rule] of rules) {
    if (rule.source && !rejected.has(key)) out.push({ nsid: rule.nsid, def: rule.def, rules: rule.worst, compiler: 'compiles' })
  }
  return out.sort((a, b) => compare(a.nsid, b.nsid) || compare(a.def, b.def))
}

export { formatChangeReport, type ReportFormat } from './format.js'
export { readLexiconDir, readLexiconsAtRef, type LexiconSet } from './inputs.js'
export type { Change, ChangeReport, CompilerReport, Disagreement } from './report.js'
export { RULES, type ChangeClass, type ChangeKind, type Side } from './rules.js'
