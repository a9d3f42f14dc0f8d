import { NSID } from '@atproto/syntax'
import { forEachRef, resolveRef } from '../select.js'

/**
 * The NSIDs a doc needs alongside it: those its `ref`s and union members name, the docs of
 * `nsid#token` values in `knownValues`, and the methods and collections a permission names. The
 * last two are what `@atproto/lex` installs too, so both tools agree on what a pulled set holds.
 * Invalid NSIDs are left out: the parse stage reports them.
 */
export function referencedNsids(doc: { id: string; defs?: unknown }): string[] {
  const found = new Set<string>()
  forEachRef(doc.defs, [], (ref) => found.add(resolveRef(doc.id, ref).nsid))
  forEachNamedNsid(doc.defs, (nsid) => found.add(nsid))
  found.delete(doc.id)
  return [...found].filter((nsid) => NSID.isValid(nsid)).sort()
}

function forEachNamedNsid(value: unknown, visit: (nsid: string) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) forEachNamedNsid(item, visit)
    return
  }
  if (typeof value !== 'object' || value === null) return
  const node = value as { type?: unknown; knownValues?: unknown; resource?: unknown; lxm?: unknown; collection?: unknown }
  if (node.type === 'string' && Array.isArray(node.knownValues)) {
    for (const known of node.knownValues) {
      if (typeof known === 'string' && /^[^#]+#[^#]+$/.test(known)) visit(known.slice(0, known.indexOf('#')))
    }
  }
  if (node.type === 'permission') {
    const named = node.resource === 'rpc' ? node.lxm : node.resource === 'repo' ? node.collection : undefined
    if (Array.isArray(named)) for (const nsid of named) if (typeof nsid === 'string') visit(nsid)
  }
  for (const child of Object.values(value)) forEachNamedNsid(child, visit)
}
