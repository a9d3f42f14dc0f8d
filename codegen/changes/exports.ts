/**
 * The names the generated index exports for each doc, compared across the two sides: its
 * namespace (`ExTestGetFoo`) and its method's function (`exTestGetFoo`). Names are the NSID
 * camel-cased, and two NSIDs can camel-case alike (`ex.test.getFoo`, `ex.test.get.foo`): the first
 * in NSID order gets the name, the other a suffix (model.ts). So a doc that joins can take the name
 * a doc already had. Old code naming that doc's namespace, or its function, then no longer compiles
 * (source) — or, for a function, still compiles and calls the other method (breaking).
 */
import { buildModel, type Model } from '../model.js'
import type { ParsedDoc } from '../parse.js'
import type { RawChange } from './compare.js'

interface Exported {
  readonly namespace: string
  /** A query's or procedure's standalone function. */
  readonly fn?: string
}

export interface IndexNames {
  readonly byNsid: ReadonlyMap<string, Exported>
  /** Which doc each exported name belongs to. */
  readonly owner: ReadonlyMap<string, string>
}

/** `export-renamed` and `function-rebound` changes for the docs both sides have. */
export function compareExports(before: readonly ParsedDoc[], after: readonly ParsedDoc[]): RawChange[] {
  const model = (docs: readonly ParsedDoc[]) => buildModel(docs, { runtimeImport: '@lexgen/runtime', fileExt: '.ts' })
  const old = indexNames(model(before))
  const current = indexNames(model(after))
  const out: RawChange[] = []
  for (const [nsid, was] of old.byNsid) {
    const now = current.byNsid.get(nsid)
    if (!now) continue // a removed doc is reported as such
    if (was.namespace !== now.namespace) out.push(renamed(nsid, 'namespace', was.namespace, now.namespace, current.owner.get(was.namespace)))
    if (was.fn === undefined || now.fn === undefined || was.fn === now.fn) continue
    const taker = current.owner.get(was.fn)
    if (taker === undefined) out.push(renamed(nsid, 'function', was.fn, now.fn, undefined))
    else {
      out.push({
        nsid,
        def: 'main',
        path: '',
        kind: 'function-rebound',
        side: 'request',
        message: `\`${was.fn}\` now calls ${taker}, so old calls of it reach that method; this one is exported as \`${now.fn}\``,
        before: was.fn,
        after: now.fn,
      })
    }
  }
  return out
}

function renamed(nsid: string, what: 'namespace' | 'function', before: string, after: string, taker: string | undefined): RawChange {
  const why = taker === undefined ? '' : ` (${taker} has that name now)`
  return { nsid, def: 'main', path: '', kind: 'export-renamed', message: `the index exports its ${what} as \`${after}\`, no longer \`${before}\`${why}`, before, after }
}

/** The names the index of `model`'s client exports for each doc. */
export function indexNames(model: Model): IndexNames {
  const byNsid = new Map<string, Exported>()
  const owner = new Map<string, string>()
  for (const doc of model.docs) {
    const fn = doc.method?.functionName
    byNsid.set(doc.nsid, { namespace: doc.alias, ...(fn === undefined ? {} : { fn }) })
    owner.set(doc.alias, doc.nsid)
    if (fn !== undefined) owner.set(fn, doc.nsid)
  }
  return { byNsid, owner }
}
