import { NSID } from '@atproto/syntax'
import { forEachRef, resolveRef } from '../select.js'

/**
 * The NSIDs a doc needs alongside it: those its `ref`s and union members name, and the docs of
 * `nsid#token` values in `knownValues` (which `@atproto/lex` installs too). The methods and
 * collections a permission set names are not followed: they are scopes, not schemas the doc
 * depends on, and upstream names methods no one publishes a lexicon for. Invalid NSIDs are left
 * out: the parse stage reports them.
 */
export function referencedNsids(doc: { id: string; defs?: unknown }): string[] {
  const found = new Set<string>()
  forEachRef(doc.defs, [], (ref) => found.add(resolveRef(doc.id, ref).nsid))
  forEachKnownToken(doc.defs, (token) => found.add(token.slice(0, token.indexOf('#'))))
  found.delete(doc.id)
  return [...found].filter((nsid) => NSID.isValid(nsid)).sort()
}

function forEachKnownToken(value: unknown, visit: (token: string) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) forEachKnownToken(item, visit)
  } else if (typeof value === 'object' && value !== null) {
    const node = value as { type?: unknown; knownValues?: unknown }
    if (node.type === 'string' && Array.isArray(node.knownValues)) {
      for (const known of node.knownValues) if (typeof known === 'string' && /^[^#]+#[^#]+$/.test(known)) visit(known)
    }
    for (const child of Object.values(value)) forEachKnownToken(child, visit)
  }
}
