/**
 * Which defs can nest without end: those on a cycle of references (a message embeds a record
 * view, which embeds records, which embed record views, …). Only their validators spend the
 * nesting budget (see validators.ts): a value can be arbitrarily deep only through them, and
 * every other validator stays exactly as fast as before.
 */
import type { Model } from '../model.js'
import { forEachRef, resolveRef } from '../select.js'

const cache = new WeakMap<Model, ReadonlySet<string>>()

/** `nsid#name` of every def on a reference cycle (itself included), computed once per model. */
export function recursiveDefs(model: Model): ReadonlySet<string> {
  let found = cache.get(model)
  if (!found) cache.set(model, (found = onCycles(referenceGraph(model))))
  return found
}

/** Each def's references to defs of the model, by `nsid#name`. */
function referenceGraph(model: Model): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const doc of model.docs) {
    for (const [name, def] of Object.entries(doc.doc.defs)) {
      const targets: string[] = []
      forEachRef(def, [], (ref) => {
        const { nsid, def: target } = resolveRef(doc.nsid, ref)
        const to = model.byNsid.get(nsid)
        if (to && Object.hasOwn(to.doc.defs, target)) targets.push(`${nsid}#${target}`)
      })
      graph.set(`${doc.nsid}#${name}`, targets)
    }
  }
  return graph
}

/**
 * The nodes on a cycle: members of a strongly connected component of two or more, or with an edge
 * to themselves (Kosaraju's two passes, iterative, so a long chain of defs cannot overflow the stack).
 */
function onCycles(graph: ReadonlyMap<string, readonly string[]>): Set<string> {
  // Pass 1: the order in which depth-first searches finish.
  const finished: string[] = []
  const visited = new Set<string>()
  for (const root of graph.keys()) {
    if (visited.has(root)) continue
    visited.add(root)
    const stack: [string, number][] = [[root, 0]]
    while (stack.length) {
      const top = stack[stack.length - 1]!
      const next = graph.get(top[0])![top[1]++]
      if (next === undefined) {
        finished.push(top[0])
        stack.pop()
      } else if (!visited.has(next)) {
        visited.add(next)
        stack.push([next, 0])
      }
    }
  }
  // Pass 2: on the reversed graph, latest finished first; each search collects one component.
  const reversed = new Map<string, string[]>([...graph.keys()].map((node) => [node, []]))
  for (const [from, targets] of graph) for (const to of targets) reversed.get(to)!.push(from)
  const cyclic = new Set<string>()
  const assigned = new Set<string>()
  for (let i = finished.length - 1; i >= 0; i--) {
    const root = finished[i]!
    if (assigned.has(root)) continue
    assigned.add(root)
    const component = [root]
    for (let j = 0; j < component.length; j++) {
      for (const from of reversed.get(component[j]!)!) {
        if (!assigned.has(from)) {
          assigned.add(from)
          component.push(from)
        }
      }
    }
    if (component.length > 1 || graph.get(root)!.includes(root)) for (const node of component) cyclic.add(node)
  }
  return cyclic
}
