/**
 * Which side of the wire each def travels on (sent in params or an input, received in an output,
 * stored as a record), through which methods or records: what `generate` types a sent `unknown`
 * by (model.ts), and what `lexgen diff` judges every change by (changes/).
 */
import type { ParsedDoc } from './parse.js'
import { forEachRef, resolveRef } from './select.js'
import { compare } from './order.js'

/** Where a schema travels: sent by the client, received by it, or stored as a record (both). */
export type Side = 'request' | 'response' | 'record'

export const SIDES: readonly Side[] = ['request', 'response', 'record']

/** The methods and records through which a def is reached, by side of the wire. */
export type Via = Partial<Record<Side, readonly string[]>>

/** Where a def travels: the sides it is reached from, and through which methods or records. */
export interface DefUsage {
  readonly sides: readonly Side[]
  readonly via: Via
}

/** `nsid#def`, the key every stage uses for a def (`main` included). */
export function defKey(nsid: string, def: string): string {
  return `${nsid}#${def}`
}

type Defs = ReadonlyMap<string, ReadonlyMap<string, unknown>>

/** The defs of each doc, as maps (names come from lexicons: never keys into plain objects). */
export function defsByNsid(docs: readonly ParsedDoc[]): Defs {
  return new Map(docs.map(({ doc }) => [doc.id, new Map(Object.entries(doc.defs as Record<string, unknown>))]))
}

/** One side's selected docs, and which of them the selection names (the rest are there because they are referenced). */
export interface SelectedSide {
  readonly docs: readonly ParsedDoc[]
  readonly selected: (nsid: string) => boolean
}

/**
 * Where a change to a def can meet a client built from `old` (the one deployed): where both sides
 * reach it, through the same method or record on the same side of the wire. Where only `old` does
 * (a ref retargeted away from it), what now travels there is compared with it at the ref; where
 * only `current` does (a field added), old clients never meet it there. A def only `current` has
 * (an addition) gets its usage there; one only `old` has (a removal) keeps its usage there.
 */
export function deployedUsage(old: SelectedSide, current: SelectedSide): ReadonlyMap<string, DefUsage> {
  const before = defUsage(old)
  const after = defUsage(current)
  const defsOf = (side: SelectedSide) => new Set(side.docs.flatMap(({ doc }) => Object.keys(doc.defs).map((def) => defKey(doc.id, def))))
  const [oldDefs, currentDefs] = [defsOf(old), defsOf(current)]
  const usage = new Map<string, DefUsage>()
  for (const [key, reach] of after) if (!oldDefs.has(key)) usage.set(key, reach)
  for (const [key, reach] of before) {
    const shared = currentDefs.has(key) ? sharedReach(reach, after.get(key)) : reach
    if (shared.sides.length > 0) usage.set(key, shared)
  }
  return usage
}

/** The methods and records both usages name, side by side. */
function sharedReach(a: DefUsage, b: DefUsage | undefined): DefUsage {
  const via: Record<string, readonly string[]> = {}
  for (const side of a.sides) {
    const others = new Set(b?.via[side])
    const both = (a.via[side] ?? []).filter((name) => others.has(name))
    if (both.length > 0) via[side] = both
  }
  return { sides: SIDES.filter((side) => side in via), via }
}

/**
 * Which side every def is reached from, following refs and union members transitively:
 * a method's params and input are the request, its output and stream messages the response;
 * a record the selection names, and whatever it references, is a record. A record doc that is
 * only referenced (a chat client holds app.bsky.feed.threadgate for the rules a view embeds) is
 * not written or read as a record by this client: its defs count where they are reached from.
 */
function defUsage({ docs, selected }: SelectedSide): ReadonlyMap<string, DefUsage> {
  const found = new Map<string, Map<Side, Set<string>>>()
  const defs = defsByNsid(docs)
  const graph = new RefGraph([defs])
  for (const [nsid, docDefs] of defs) {
    for (const [name, def] of docDefs) for (const [side, schema] of roots(def)) if (side !== 'record' || selected(nsid)) walk(graph, found, nsid, name, schema, side)
  }
  const usage = new Map<string, DefUsage>()
  for (const [key, bySide] of found) {
    const sides = SIDES.filter((side) => bySide.has(side))
    const via: Record<string, readonly string[]> = {}
    for (const side of sides) via[side] = [...bySide.get(side)!].sort(compare)
    usage.set(key, { sides, via })
  }
  return usage
}

/**
 * The defs a program sends: reached from a method's params or input, or from a record (every one,
 * selected or only referenced, as a program may write any it holds). One walk from all of them at
 * once: `generate` needs only this, and `defUsage`, which walks from each root to say which reach
 * a def, grows with roots × defs (4,000 docs sharing a ring of refs took 10 s).
 */
export function sentDefs(docs: readonly ParsedDoc[]): Set<string> {
  const defs = defsByNsid(docs)
  const graph = new RefGraph([defs])
  const queue: string[] = []
  for (const [nsid, docDefs] of defs) {
    for (const [name, def] of docDefs) {
      for (const [side, schema] of roots(def)) {
        if (side === 'record') queue.push(defKey(nsid, name))
        else if (side === 'request' && schema !== undefined) queue.push(...refsOf(nsid, schema))
      }
    }
  }
  return graph.closure(queue)
}

/** The schemas a def sends or receives on its own: a method's sections, a record's body. */
function roots(def: unknown): [Side, unknown][] {
  const d = def as { type?: string; parameters?: unknown; input?: { schema?: unknown }; output?: { schema?: unknown }; message?: { schema?: unknown } }
  switch (d.type) {
    case 'query':
    case 'procedure':
    case 'subscription':
      return [
        ['request', d.parameters],
        ['request', d.input?.schema],
        ['response', d.output?.schema],
        ['response', d.message?.schema],
      ]
    case 'record':
      return [['record', def]]
    default:
      return []
  }
}

/** Marks every def `schema` reaches (and, for a record, the record itself) as used on `side` through `nsid#from`. */
function walk(graph: RefGraph, found: Map<string, Map<Side, Set<string>>>, nsid: string, from: string, schema: unknown, side: Side): void {
  if (schema === undefined) return
  const via = from === 'main' ? nsid : defKey(nsid, from)
  const mark = (key: string) => {
    let bySide = found.get(key)
    if (!bySide) found.set(key, (bySide = new Map()))
    let vias = bySide.get(side)
    if (!vias) bySide.set(side, (vias = new Set()))
    vias.add(via)
  }
  for (const key of graph.closure(side === 'record' ? defKey(nsid, from) : refsOf(nsid, schema))) mark(key)
}

/** The defs each def references directly in any of the given sets, computed once per def. */
export class RefGraph {
  private readonly cache = new Map<string, readonly string[]>()

  constructor(private readonly sets: readonly Defs[]) {}

  static of(...sets: readonly (readonly ParsedDoc[])[]): RefGraph {
    return new RefGraph(sets.map(defsByNsid))
  }

  refs(key: string): readonly string[] {
    let refs = this.cache.get(key)
    if (!refs) {
      const hash = key.indexOf('#')
      const nsid = key.slice(0, hash)
      const found = new Set<string>()
      for (const defs of this.sets) {
        const def = defs.get(nsid)?.get(key.slice(hash + 1))
        if (def !== undefined) for (const ref of refsOf(nsid, def)) found.add(ref)
      }
      this.cache.set(key, (refs = [...found]))
    }
    return refs
  }

  /** The def `from` names (or each of them) and every def they reach. */
  closure(from: string | readonly string[]): Set<string> {
    const seen = new Set<string>()
    const queue = typeof from === 'string' ? [from] : [...from]
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      if (seen.has(next)) continue
      seen.add(next)
      queue.push(...this.refs(next))
    }
    return seen
  }
}

function refsOf(nsid: string, schema: unknown): string[] {
  const keys: string[] = []
  forEachRef(schema, [], (ref) => {
    const target = resolveRef(nsid, ref)
    keys.push(defKey(target.nsid, target.def))
  })
  return keys
}
