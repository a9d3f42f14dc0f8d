/**
 * Which defs get a model page: every def a method's params, input or output (or a subscription's
 * params or messages) reaches through references (and every record, which is written through the
 * repo methods), each with the methods and defs that use it, so pages link both ways. Also the
 * link keys and page paths.
 */
import { createHash } from 'node:crypto'
import type { LexUserType, LexXrpcProcedure, LexXrpcQuery, LexXrpcSubscription } from '@atproto/lexicon'
import type { DocModel, Model } from '../../model.js'
import { forEachRef, resolveRef } from '../../select.js'
import { compare } from '../../order.js'

export interface DocumentedDef {
  readonly key: string
  readonly doc: DocModel
  readonly name: string
  readonly def: LexUserType
  /** Who refers to it, in a stable order: methods (by the part that does), then defs. */
  readonly usedBy: Use[]
}

export interface Use {
  /** Link key of the user: a method section or a def section. */
  readonly key: string
  /** `chat.bsky.convo.getConvo` or `chat.bsky.convo.defs#convoView`. */
  readonly label: string
  /** For methods: `parameters`, `input` or `response`; for subscriptions: `parameters` or `message`. */
  readonly role?: string
}

/** A subscription (an event stream over WebSocket): its types are generated, and no call. */
export function isSubscription(doc: DocModel): boolean {
  return Object.hasOwn(doc.doc.defs, 'main') && doc.doc.defs.main!.type === 'subscription'
}

/** The link key of a method's section, or a subscription's. */
export function methodKey(nsid: string): string {
  return `method:${nsid}`
}

/** The site's key for a def's section (usage.ts's `defKey` is the plain `nsid#def`). */
export function defAnchorKey(nsid: string, def: string): string {
  return `def:${nsid}#${def}`
}

/**
 * The pages of the namespaces, e.g. `chat.bsky.convo.md`, by namespace. Names that differ only in
 * case (`com.example`, `com.Example`) would be one file on macOS and Windows: later ones get `_2`,
 * as module paths do, in code-unit order so every machine picks the same one.
 */
export function namespacePages(namespaces: Iterable<string>): Map<string, string> {
  const taken = new Set<string>()
  return new Map(
    [...namespaces].sort(compare).map((namespace) => {
      const name = fileName(namespace)
      let page = `${name}.md`
      for (let n = 2; taken.has(page.toLowerCase()); n++) page = `${name}_${n}.md`
      taken.add(page.toLowerCase())
      return [namespace, page]
    }),
  )
}

/** `models/chat.bsky.convo.defs.md`: named after the doc's module, which is unique in any case (model.ts). */
export function modelPage(doc: DocModel): string {
  return `models/${fileName(doc.path.replace(/\.m?ts$/, '').replaceAll('/', '.'))}.md`
}

/**
 * `name`, or when it is too long for one file name (an NSID may have 317 characters; a file name
 * 255 bytes, the page's suffix included) its first 200 characters and a hash of the whole.
 */
function fileName(name: string): string {
  if (Buffer.byteLength(name) <= 240) return name
  return `${name.slice(0, 200)}-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`
}

export class Catalog {
  /** Documented defs by `nsid#def`. */
  private readonly defs = new Map<string, DocumentedDef>()

  constructor(private readonly model: Model) {
    const queue: DocumentedDef[] = []
    const use = (ref: string, from: DocModel, user: Use) => {
      const { nsid, def: name } = resolveRef(from.nsid, ref)
      const id = `${nsid}#${name}`
      let entry = this.defs.get(id)
      if (!entry) {
        const doc = model.byNsid.get(nsid)
        const def = doc && Object.hasOwn(doc.doc.defs, name) ? (doc.doc.defs[name] as LexUserType) : undefined
        if (!doc || !def) throw new Error(`unresolved reference '${ref}' in ${from.nsid} (select should have caught it)`)
        entry = { key: defAnchorKey(nsid, name), doc, name, def, usedBy: [] }
        this.defs.set(id, entry)
        queue.push(entry)
      }
      if (!entry.usedBy.some((u) => u.key === user.key && u.role === user.role)) entry.usedBy.push(user)
    }
    for (const doc of model.docs) {
      if (!doc.method && !isSubscription(doc)) continue
      const main = doc.doc.defs.main as LexXrpcQuery | LexXrpcProcedure | LexXrpcSubscription
      const parts =
        main.type === 'subscription'
          ? { parameters: main.parameters, message: main.message?.schema }
          : { parameters: main.parameters, input: main.type === 'procedure' ? main.input?.schema : undefined, response: main.output?.schema }
      for (const [role, schema] of Object.entries(parts)) {
        forEachRef(schema, [], (ref) => use(ref, doc, { key: methodKey(doc.nsid), label: doc.nsid, role }))
      }
    }
    for (const doc of model.docs) {
      for (const [name, def] of Object.entries(doc.doc.defs) as [string, LexUserType][]) {
        if (def.type === 'record' && !this.defs.has(`${doc.nsid}#${name}`)) {
          const entry = { key: defAnchorKey(doc.nsid, name), doc, name, def, usedBy: [] }
          this.defs.set(`${doc.nsid}#${name}`, entry)
          queue.push(entry)
        }
      }
    }
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      const user = { key: entry.key, label: `${entry.doc.nsid}#${entry.name}` }
      forEachRef(entry.def, [], (ref) => use(ref, entry!.doc, user))
    }
    for (const entry of this.defs.values()) entry.usedBy.sort((a, b) => rank(a) - rank(b) || compare(a.label, b.label) || compare(a.role ?? '', b.role ?? ''))
  }

  has(nsid: string, def: string): boolean {
    return this.defs.has(`${nsid}#${def}`)
  }

  /** Documented defs grouped by doc, docs in NSID order and defs in the order the doc lists them. */
  byDoc(): [DocModel, DocumentedDef[]][] {
    return this.model.docs
      .map((doc) => [doc, Object.keys(doc.doc.defs).flatMap((name) => this.defs.get(`${doc.nsid}#${name}`) ?? [])] as [DocModel, DocumentedDef[]])
      .filter(([, defs]) => defs.length > 0)
  }
}

function rank(use: Use): number {
  return use.key.startsWith('method:') ? 0 : 1
}
