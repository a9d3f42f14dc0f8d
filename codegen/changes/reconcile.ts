/**
 * Where the rules and the compiler meet: both clients generated in memory, the compiler check run
 * on them, each finding traced to the failing def inside it, and the defs where the two verdicts differ.
 */
import { emit } from '../emit.js'
import { LexgenError } from '../errors.js'
import { buildModel } from '../model.js'
import type { ParsedDoc } from '../parse.js'
import { compare } from '../order.js'
import { CHECK_RUNTIME_IMPORTS, checkSourceCompatibility, type CompilerFinding } from './compiler.js'
import type { Change, CompilerReport, Disagreement, ExcusedFinding } from './report.js'
import { atLeast, RULES, SIDES, worse, type ChangeClass, type Rule, type Side } from './rules.js'
import { defKey, RefGraph, type DefUsage } from '../usage.js'

/** Runs the compiler check on the clients generated from `old` and `current`, and reconciles it with `changes`. */
export async function compilerReport(
  old: readonly ParsedDoc[],
  current: readonly ParsedDoc[],
  usage: ReadonlyMap<string, DefUsage>,
  changes: readonly Change[],
): Promise<CompilerReport> {
  const client = (docs: readonly ParsedDoc[], side: keyof typeof CHECK_RUNTIME_IMPORTS) => {
    const model = buildModel(docs, { runtimeImport: CHECK_RUNTIME_IMPORTS[side], fileExt: '.ts' })
    return { model, files: emit(model) }
  }
  const result = await checkSourceCompatibility(client(old, 'old'), client(current, 'new'), usage).catch((error: unknown) => {
    // TypeScript follows imports recursively: a chain of thousands of docs, each referring to the next, exhausts the stack.
    if (error instanceof RangeError && /call stack/.test(error.message)) {
      throw new LexgenError(`the TypeScript compiler ran out of stack on ${current.length} docs (a long chain of references between them): run diff with --no-compiler-check; the rules' verdicts stand on their own`)
    }
    throw error
  })
  const graph = RefGraph.of(old, current)
  const { counted, excused } = excuse(result.findings, changes, usage, graph)
  const findings = withCauses(counted, graph)
  const methods = new Set(old.filter((d) => METHODS.has((d.doc.defs.main as { type?: string } | undefined)?.type ?? '')).map((d) => d.doc.id))
  const reach = (nsid: string, def: string): DefUsage => reached(nsid, def, usage, methods, findings)
  const report = { ...result, findings, disagreements: disagreements(findings, changes, graph).map((d) => ({ ...d, ...reach(d.nsid, d.def) })) }
  return excused.length ? { ...report, excused } : report
}

/** The side of the wire whose values an assignment check stands for. */
const CHECK_SIDE: Partial<Record<CompilerFinding['check'], Side>> = { 'old-fits-new': 'request', 'new-fits-old': 'response' }

/**
 * Splits off the failures that only repeat a verdict the rules gave by direction. A def no method
 * or record reaches is checked both ways, so `PostView` no longer takes old values once the
 * `viewExternalSource` it contains gains a required field; but calls only receive that def, and the
 * rules call the change compatible, as old code reads it and never builds it. Such a failure is
 * excused when the failing def is unreached and every def in it that changed (itself never
 * included, being unreached) is reached only on the other side of the wire. Anything else in it
 * that changed (an unreached def, a record, its own fields) keeps the failure counted.
 */
function excuse(
  findings: readonly CompilerFinding[],
  changes: readonly Change[],
  usage: ReadonlyMap<string, DefUsage>,
  graph: RefGraph,
): { counted: CompilerFinding[]; excused: ExcusedFinding[] } {
  const changedSides = new Map<string, readonly Side[]>()
  for (const c of changes) if (c.class !== 'docs') changedSides.set(defKey(c.nsid, c.def), c.sides)
  const counted: CompilerFinding[] = []
  const excused: ExcusedFinding[] = []
  for (const f of findings) {
    const side = CHECK_SIDE[f.check]
    const key = defKey(f.nsid, f.def)
    const changed = [...graph.closure(key)].filter((inner) => changedSides.has(inner)).sort(compare)
    const otherSideOnly = (inner: string) => {
      const sides = changedSides.get(inner)!
      return sides.length > 0 && !sides.includes('record') && !sides.includes(side!)
    }
    const unreached = !usage.get(key)?.sides.length
    if (side && unreached && changed.length > 0 && changed.every(otherSideOnly)) excused.push({ ...f, judgedBy: changed })
    else counted.push(f)
  }
  return { counted, excused }
}

const METHODS = new Set(['query', 'procedure', 'subscription'])

/**
 * Where a def the rules and the compiler disagree on is reached, as for a change: its usage, or
 * for a method's own def the method, on the sides its failing checks are about (what old code
 * receives: Output, Message, Item, Page, error classes; else what it sends: Params, Input, the call).
 */
export function reached(nsid: string, def: string, usage: ReadonlyMap<string, DefUsage>, methods: ReadonlySet<string>, findings: readonly CompilerFinding[]): DefUsage {
  const used = usage.get(defKey(nsid, def))
  if (used) return used
  if (def !== 'main' || !methods.has(nsid)) return { sides: [], via: {} }
  const found = new Set<Side>()
  for (const f of findings) {
    if (f.nsid !== nsid || f.def !== 'main') continue
    const received = f.check === 'new-fits-old' || /\.(Output|Message|Item|Page|\w*Error)$/.test(f.symbol)
    found.add(received ? 'response' : 'request')
  }
  const sides = found.size ? SIDES.filter((side) => found.has(side)) : (['request'] as const)
  return { sides, via: Object.fromEntries(sides.map((side) => [side, [nsid]])) }
}

/**
 * Marks findings that follow from another: `getConvo.Output` fails because the `convoView` it
 * contains fails. `through` names the failing def's symbol, so reports can lead with the cause:
 * one that fails on its own, not one that fails through a third def (`assignModerator.Output`
 * through `assignmentView`, which fails through `queueView`, names `queueView`).
 * Defs that reach each other (a message view embeds a join link preview, whose convo view holds
 * the last message) are no cause of one another: each one's failure is said as its own, else
 * every failure in the loop would point at another and reports would show no cause at all.
 */
function withCauses(findings: readonly CompilerFinding[], graph: RefGraph): CompilerFinding[] {
  const failing = new Map<string, string>()
  for (const f of findings) if (!failing.has(defKey(f.nsid, f.def))) failing.set(defKey(f.nsid, f.def), f.symbol)
  const closures = new Map<string, Set<string>>()
  const closure = (key: string) => closures.get(key) ?? closures.set(key, graph.closure(key)).get(key)!
  const inside = (own: string) => [...closure(own)].filter((key) => key !== own && failing.has(key) && !closure(key).has(own)).sort(compare)
  // Failing defs that fail through another: every chain of them ends at one that does not.
  const derived = new Set([...failing.keys()].filter((key) => inside(key).length > 0))
  return findings.map((f) => {
    if (f.check === 'module-kept' || f.check === 'export-kept') return f // a missing name has no inner cause
    const cause = inside(defKey(f.nsid, f.def)).find((key) => !derived.has(key))
    return cause ? { ...f, through: failing.get(cause)! } : f
  })
}

/**
 * Defs where rules and compiler disagree: the compiler rejects old code where the rules found
 * nothing worse than compatible, or the rules expect old code to break (`source`) where every
 * check compiled. A closed set narrowed in a response (an enum value gone) breaks only old code
 * that compares a received value with the value that is gone: the checks, which assign, cannot
 * see that, so it is no disagreement.
 */
function disagreements(findings: readonly CompilerFinding[], changes: readonly Change[], graph: RefGraph): Omit<Disagreement, 'sides' | 'via'>[] {
  const rules = new Map<string, { worst: ChangeClass; source: boolean; nsid: string; def: string }>()
  for (const c of changes) {
    const key = defKey(c.nsid, c.def)
    const entry = rules.get(key) ?? { worst: 'docs', source: false, nsid: c.nsid, def: c.def }
    rules.set(key, { ...entry, worst: worse(entry.worst, c.class), source: entry.source || (c.class === 'source' && !comparedOnly(c)) })
  }
  const rejected = new Map(findings.map((f) => [defKey(f.nsid, f.def), f]))
  const out: Omit<Disagreement, 'sides' | 'via'>[] = []
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

/**
 * A `source` change only a comparison in old code reveals: a closed set narrowed in a received
 * value. Unreached (no sides), the def is checked both ways, and the old type no longer fitting
 * the new one shows it.
 */
function comparedOnly(change: Change): boolean {
  return (RULES[change.kind] as Rule).narrowsLiterals === true && change.sides.length > 0
}
