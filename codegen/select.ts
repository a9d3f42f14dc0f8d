import type { LexiconDoc } from '@atproto/lexicon'
import { LexgenError, jsonPath } from './errors.js'
import type { ParsedDoc } from './parse.js'

export interface Selection {
  readonly include: readonly string[]
  readonly exclude: readonly string[]
}

/** A reference as written in a doc, resolved to the doc and def it names. */
export interface RefTarget {
  readonly nsid: string
  readonly def: string
}

export function resolveRef(fromNsid: string, ref: string): RefTarget {
  const hash = ref.indexOf('#')
  if (hash === -1) return { nsid: ref, def: 'main' }
  return { nsid: hash === 0 ? fromNsid : ref.slice(0, hash), def: ref.slice(hash + 1) }
}

/** `*` matches any run of characters; everything else is literal. */
export function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${escaped.join('.*')}$`)
}

/**
 * Docs matching `include` and not `exclude`, plus every doc they reference,
 * transitively, so the generated code always compiles. Sorted by NSID.
 * Every reference inside the result is checked to exist.
 */
export function selectDocs(docs: readonly ParsedDoc[], selection: Selection): ParsedDoc[] {
  const byNsid = new Map<string, ParsedDoc>(docs.map((parsed) => [parsed.doc.id, parsed]))
  const includes = selection.include.map(patternToRegExp)
  const excludes = selection.exclude.map(patternToRegExp)

  const roots = docs.filter(({ doc }) => includes.some((re) => re.test(doc.id)) && !excludes.some((re) => re.test(doc.id)))
  if (roots.length === 0) {
    throw new LexgenError(
      `no lexicon matches --include ${selection.include.map((p) => `'${p}'`).join(', ')}` +
        (excludes.length ? ` after --exclude ${selection.exclude.map((p) => `'${p}'`).join(', ')}` : ''),
    )
  }

  const selected = new Map<string, ParsedDoc>()
  const queue = [...roots]
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (selected.has(next.doc.id)) continue
    selected.set(next.doc.id, next)
    for (const target of checkedRefs(next, byNsid)) {
      const doc = byNsid.get(target)!
      if (!selected.has(target)) queue.push(doc)
    }
  }
  return [...selected.values()].sort((a, b) => compare(a.doc.id, b.doc.id))
}

/** NSIDs of the docs `parsed` references; throws on a reference to nothing, or a union member that is not an object. */
function checkedRefs(parsed: ParsedDoc, byNsid: ReadonlyMap<string, ParsedDoc>): Set<string> {
  const targets = new Set<string>()
  const check = (ref: string, path: (string | number)[], unionMember: boolean) => {
    const target = resolveRef(parsed.doc.id, ref)
    const def = lookupDef(byNsid, target)
    if (def === 'no-doc') {
      throw new LexgenError(`reference '${ref}' names lexicon '${target.nsid}', which is not in the lexicon directory`, {
        file: parsed.file,
        path: jsonPath(path),
      })
    }
    if (def === 'no-def') {
      throw new LexgenError(`reference '${ref}' names def '${target.def}', which '${target.nsid}' does not define`, {
        file: parsed.file,
        path: jsonPath(path),
      })
    }
    const allowed = unionMember ? ['object', 'record'] : ['object', 'record', 'token', 'string', 'array', 'integer', 'boolean', 'bytes', 'cid-link', 'blob', 'unknown']
    if (!allowed.includes(def.type)) {
      throw new LexgenError(`reference '${ref}' names a ${def.type} def, which cannot be ${unionMember ? 'a union member' : 'referenced'}`, {
        file: parsed.file,
        path: jsonPath(path),
      })
    }
    targets.add(target.nsid)
  }
  forEachRef(parsed.doc.defs, ['defs'], check)
  targets.delete(parsed.doc.id)
  return targets
}

function lookupDef(byNsid: ReadonlyMap<string, ParsedDoc>, target: RefTarget): { type: string } | 'no-doc' | 'no-def' {
  const doc = byNsid.get(target.nsid)
  if (!doc) return 'no-doc'
  return (doc.doc.defs as LexiconDoc['defs'])[target.def] ?? 'no-def'
}

/** Calls `visit` for every `ref` and union member under `value`, with the JSON path of the reference string. */
export function forEachRef(
  value: unknown,
  path: (string | number)[],
  visit: (ref: string, path: (string | number)[], unionMember: boolean) => void,
): void {
  // One path stack for the walk, copied only for a reference: a doc has many more nodes than refs.
  const stack = [...path]
  const walk = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        stack.push(i)
        walk(item)
        stack.pop()
      })
      return
    }
    const { type, ref, refs } = node as { type?: unknown; ref?: unknown; refs?: unknown }
    if (type === 'ref' && typeof ref === 'string') visit(ref, [...stack, 'ref'], false)
    if (type === 'union' && Array.isArray(refs)) refs.forEach((r, i) => typeof r === 'string' && visit(r, [...stack, 'refs', i], true))
    for (const [key, child] of Object.entries(node)) {
      stack.push(key)
      walk(child)
      stack.pop()
    }
  }
  walk(value)
}

/** Code-unit order: locale-independent, so output is identical on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
