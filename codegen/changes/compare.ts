/**
 * `lexgen diff`'s comparison: two sets of parsed docs walked side by side, each difference a raw
 * change with its kind, place and direction; rules.ts classifies them (breaking, source, compatible, docs).
 */
import type { ParsedDoc } from '../parse.js'
import { resolveRef } from '../select.js'
import { compare } from '../order.js'
import type { ChangeKind, Side } from './rules.js'
import { defKey, defsByNsid } from '../usage.js'

/**
 * One difference between two lexicon sets, before it is classified: what changed, where.
 * `side` is set where the position decides it (inside a method's params, input, output,
 * errors or message); elsewhere the def's usage decides.
 */
export interface RawChange {
  readonly nsid: string
  readonly def: string
  /** Where inside the def, e.g. `input.message.text`, `parameters.limit`, `output.convos[]`; '' for the def itself. */
  readonly path: string
  readonly kind: ChangeKind
  readonly side?: Side
  /** What changed, in words. */
  readonly message: string
  readonly before?: unknown
  readonly after?: unknown
}

type Schema = { readonly type?: string; readonly [key: string]: unknown }
type Defs = ReadonlyMap<string, ReadonlyMap<string, unknown>>

const METHOD_TYPES = new Set(['query', 'procedure', 'subscription'])
/** Auth scopes, not part of the generated client. */
const IGNORED_TYPES = new Set(['permission-set'])

/**
 * Every difference between `before` and `after` (each the selected closure of one side),
 * doc by doc and def by def. Refs are followed where their target changes.
 */
export function compareDocs(before: readonly ParsedDoc[], after: readonly ParsedDoc[]): RawChange[] {
  const a = defsByNsid(before)
  const b = defsByNsid(after)
  const out: RawChange[] = []
  const nsids = [...new Set([...a.keys(), ...b.keys()])].sort(compare)
  const removedDefs: [string, string][] = []
  // A doc both sides share as one parse (same file, same content) has nothing to compare.
  const afterDocs = new Map<string, unknown>(after.map((d) => [d.doc.id, d.doc]))
  const unchanged = new Set<string>(before.filter((d) => afterDocs.get(d.doc.id) === d.doc).map((d) => d.doc.id))
  const beforeDocs = new Map<string, { description?: string }>(before.map((d) => [d.doc.id, d.doc]))
  for (const nsid of nsids) {
    if (unchanged.has(nsid)) continue
    const defsA = a.get(nsid)
    const defsB = b.get(nsid)
    if (!defsA) {
      docAdded(nsid, defsB!, out)
      continue
    }
    if (!defsB) {
      docRemoved(nsid, defsA, out)
      continue
    }
    docDescription(nsid, beforeDocs.get(nsid)!, afterDocs.get(nsid) as { description?: string }, out)
    defOrder(nsid, defsA, defsB, out)
    for (const name of [...new Set([...defsA.keys(), ...defsB.keys()])].sort(compare)) {
      const defA = defsA.get(name) as Schema | undefined
      const defB = defsB.get(name) as Schema | undefined
      if (isIgnored(defA) || isIgnored(defB)) continue
      const ctx = new Context(a, b, nsid, name, out)
      if (!defA) {
        if (name === 'main' && isMethod(defB!)) ctx.emit('', 'method-added', `${describeDef(defB!)} added`, { side: 'request' })
        else ctx.emit('', 'def-added', `${describeDef(defB!)} added`)
      }
      else if (!defB) {
        if (name === 'main' && isMethod(defA)) ctx.emit('', 'method-removed', `${describeDef(defA)} removed`, { side: 'request' })
        else removedDefs.push([nsid, name])
      } else {
        compareDef(ctx, defA, defB)
        orderWithin(ctx, defA, defB)
      }
    }
  }
  for (const [nsid, name] of removedDefs) defRemoved(a, b, nsid, name, out)
  return out
}

/** The doc's own description, which heads its module's JSDoc and its docs page: def `''`, the doc itself. */
function docDescription(nsid: string, a: { description?: string }, b: { description?: string }, out: RawChange[]): void {
  const [before, after] = [a.description, b.description]
  if (before === after) return
  out.push({ nsid, def: '', path: '', kind: 'doc-description-changed', message: descriptionChange(before, after), ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) })
}

/**
 * The defs both sides have, in another order. Order changes no type, check or verdict, but the
 * generated module and docs follow the lexicon's, so their text changes: said, as a `docs` change,
 * so that a report above a regenerated diff does not read "no changes".
 */
function defOrder(nsid: string, a: ReadonlyMap<string, unknown>, b: ReadonlyMap<string, unknown>, out: RawChange[]): void {
  const kept = (defs: ReadonlyMap<string, unknown>, other: ReadonlyMap<string, unknown>) => [...defs.keys()].filter((name) => other.has(name)).join(' ')
  if (kept(a, b) !== kept(b, a)) out.push({ nsid, def: '', path: '', kind: 'order-changed', message: 'defs in another order: the generated module and docs follow it' })
}

/**
 * The same def but for the order of a list the generated code and docs follow (fields, union
 * members, values, errors: ORDERED); see defOrder. The order of a schema's own keys (`description`
 * before `type`) and of `nullable` changes no output, and a ref written relative or absolute is
 * the same ref.
 */
function orderWithin(ctx: Context, a: Schema, b: Schema): void {
  const nsid = ctx.nsidA // both sides: the same doc
  if (canonical(a, nsid) !== canonical(b, nsid)) return // what differs is said by the rules
  const where = reordered(a, b, { at: '', top: '' }, nsid)
  if (where === undefined) return
  // A method's own def is reached by no usage: its side is where in it the order changed.
  const side = !isMethod(a) ? undefined : ['output', 'errors', 'message'].includes(where.top) ? 'response' : 'request'
  ctx.emit(where.at, 'order-changed', `${ORDERED.get(where.key)} in another order: the generated code and docs follow it`, side ? { side } : {})
}

/** The lists whose order the generated code and docs follow, by key, and what they hold. */
const ORDERED = new Map([
  ['properties', 'fields'],
  ['refs', 'union members'],
  ['enum', 'enum values'],
  ['knownValues', 'known values'],
  ['errors', 'declared errors'],
  ['required', 'required fields'],
  ['accept', 'accepted MIME types'],
])

/** A ref as its target: `#x` in its doc's NSID, `nsid#main` as `nsid`. */
function fullRef(nsid: string, ref: string): string {
  const full = ref.startsWith('#') ? `${nsid}${ref}` : ref
  return full.endsWith('#main') ? full.slice(0, -'#main'.length) : full
}

/** JSON text with object keys and list entries sorted, refs written in full: equal for schemas that differ only in order. */
function canonical(value: unknown, nsid: string, key?: string): string {
  if (key === 'ref' && typeof value === 'string') return JSON.stringify(fullRef(nsid, value))
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, nsid, key === 'refs' ? 'ref' : undefined)).sort().join(',')}]`
  if (typeof value !== 'object' || value === null) return JSON.stringify(value)
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], nsid, k)}`).join(',')}}`
}

/** Where in a def: `at` as the other changes name places (`output.logs[]`, `input.message`), `top` the def's key it is under. */
interface Place {
  readonly at: string
  readonly top: string
}

/**
 * Where `a` and `b`, equal but for order, first hold an ORDERED list in another order, and its key;
 * undefined when none is. A `properties` key holding a schema (a field named so) is no list of fields.
 */
function reordered(a: unknown, b: unknown, place: Place, nsid: string): (Place & { readonly key: string }) | undefined {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null || Array.isArray(a) || Array.isArray(b)) return undefined
  const schema = a as Record<string, unknown>
  const other = b as Record<string, unknown>
  for (const key of Object.keys(schema)) {
    const [x, y] = [schema[key], other[key]]
    const fields = key === 'properties' && (schema.type === 'object' || schema.type === 'params') && typeof x === 'object' && x !== null
    const order = (value: unknown) => (fields ? Object.keys(value as object) : (value as unknown[]).map((item) => canonical(item, nsid, key === 'refs' ? 'ref' : undefined)))
    const top = place.top || key
    if (ORDERED.has(key) && (fields || Array.isArray(x)) && order(x).join('\n') !== order(y).join('\n')) return { at: place.at, top, key }
    if (fields) {
      for (const field of Object.keys(x)) {
        const found = reordered((x as Record<string, unknown>)[field], (y as Record<string, unknown>)[field], { at: join(place.at, field), top }, nsid)
        if (found) return found
      }
      continue
    }
    // A body's `schema` and a record's `record` add nothing to the place; array items are `[]`.
    const at = key === 'schema' || key === 'record' ? place.at : key === 'items' ? `${place.at}[]` : join(place.at, key)
    const found = reordered(x, y, { at, top }, nsid)
    if (found) return found
  }
  return undefined
}

function descriptionChange(before: unknown, after: unknown): string {
  return before === undefined ? 'description added' : after === undefined ? 'description removed' : 'description changed'
}

function docAdded(nsid: string, defs: ReadonlyMap<string, unknown>, out: RawChange[]): void {
  const main = defs.get('main') as Schema | undefined
  if (isIgnored(main)) return
  if (main && isMethod(main)) out.push({ nsid, def: 'main', path: '', kind: 'method-added', side: 'request', message: `new ${main.type}` })
  else out.push({ nsid, def: 'main', path: '', kind: 'doc-added', message: `new lexicon doc (${listDefs(defs)})` })
}

function docRemoved(nsid: string, defs: ReadonlyMap<string, unknown>, out: RawChange[]): void {
  const main = defs.get('main') as Schema | undefined
  if (isIgnored(main)) return
  if (main && isMethod(main)) out.push({ nsid, def: 'main', path: '', kind: 'method-removed', side: 'request', message: `${main.type} removed` })
  else out.push({ nsid, def: 'main', path: '', kind: 'doc-removed', message: `lexicon doc removed (${listDefs(defs)})` })
}

/** A removed def, or the same schema under a new name or in another doc (found by shape). */
function defRemoved(a: Defs, b: Defs, nsid: string, name: string, out: RawChange[]): void {
  const def = a.get(nsid)!.get(name) as Schema
  const ctx = new Context(a, b, nsid, name, out)
  const matches: string[] = []
  // A token is its name: every token has the same (empty) schema.
  if (def.type !== 'token') for (const [otherNsid, defs] of b) {
    for (const [otherName, other] of defs) {
      if (a.get(otherNsid)?.has(otherName)) continue // not new
      if (sameShape(a, nsid, def, b, otherNsid, other as Schema, new Set())) matches.push(defKey(otherNsid, otherName))
    }
  }
  if (matches.length === 1) {
    const [target] = matches as [string]
    const moved = !target.startsWith(`${nsid}#`)
    ctx.emit('', moved ? 'def-moved' : 'def-renamed', `${describeDef(def)} ${moved ? 'moved to' : 'renamed to'} ${displayKey(target)}`, {
      before: displayKey(defKey(nsid, name)),
      after: displayKey(target),
    })
  } else {
    ctx.emit('', 'def-removed', `${describeDef(def)} removed`)
  }
}

function compareDef(ctx: Context, a: Schema, b: Schema): void {
  if (a.type !== b.type) {
    if (isMethod(a) || isMethod(b)) ctx.emit('', 'method-type-changed', `${a.type} → ${b.type}`, { side: 'request', before: a.type, after: b.type })
    else ctx.emit('', 'def-type-changed', `type ${a.type} → ${b.type}`, { before: a.type, after: b.type })
    return
  }
  if (isMethod(a)) return compareMethod(ctx, a, b)
  if (a.type === 'record') {
    ctx.description('', a, b)
    if (a.key !== b.key) ctx.emit('', 'record-key-changed', `record key ${String(a.key)} → ${String(b.key)}`, { before: a.key, after: b.key })
    return compareSchema(ctx, a.record as Schema, b.record as Schema, '')
  }
  compareSchema(ctx, a, b, '')
}

function compareMethod(ctx: Context, a: Schema, b: Schema): void {
  ctx.within('request', () => ctx.description('', a, b))
  const emptyParams: Schema = { type: 'params', properties: {} }
  // The generated functions take a params argument (before the call options) only when there is a param.
  const hasParams = (def: Schema) => Object.keys(((def.parameters as Schema | undefined)?.properties as object | undefined) ?? {}).length > 0
  if (!hasParams(a) && hasParams(b)) ctx.emit('parameters', 'params-added', 'first params added: the functions now take params before the call options', { side: 'request' })
  ctx.within('request', () => ctx.inParams(() => compareSchema(ctx, (a.parameters as Schema) ?? emptyParams, (b.parameters as Schema) ?? emptyParams, 'parameters')))
  ctx.within('request', () => compareBody(ctx, a.input as Body, b.input as Body, 'input'))
  ctx.within('response', () => compareBody(ctx, a.output as Body, b.output as Body, 'output'))
  ctx.within('response', () => compareBody(ctx, a.message as Body, b.message as Body, 'message'))
  ctx.within('response', () => compareErrors(ctx, a.errors as ErrorDecl[] | undefined, b.errors as ErrorDecl[] | undefined))
}

interface Body {
  readonly encoding?: string
  readonly schema?: Schema
  readonly description?: string
}

function compareBody(ctx: Context, a: Body | undefined, b: Body | undefined, section: 'input' | 'output' | 'message'): void {
  if (!a && !b) return
  const what = section === 'message' ? 'stream message' : `${section} body`
  if (!a || !b) {
    const kind = section === 'input' ? (a ? 'input-removed' : 'input-added') : a ? 'output-removed' : 'output-added'
    ctx.emit(section, kind, `${what} ${a ? 'removed' : `added (${b!.encoding})`}`)
    return
  }
  ctx.description(section, a, b)
  if (a.encoding !== b.encoding) ctx.emit(section, 'encoding-changed', `${what} encoding ${a.encoding} → ${b.encoding}`, { before: a.encoding, after: b.encoding })
  if (!a.schema && b.schema) ctx.emit(section, 'body-schema-added', `${what} gains a schema`)
  else if (a.schema && !b.schema) ctx.emit(section, 'body-schema-removed', `${what} loses its schema`)
  else if (a.schema && b.schema) compareSchema(ctx, a.schema, b.schema, section)
}

interface ErrorDecl {
  readonly name: string
  readonly description?: string
}

function compareErrors(ctx: Context, a: readonly ErrorDecl[] = [], b: readonly ErrorDecl[] = []): void {
  const before = new Map(a.map((e) => [e.name, e]))
  const after = new Map(b.map((e) => [e.name, e]))
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort(compare)) {
    const ea = before.get(name)
    const eb = after.get(name)
    if (!ea) ctx.emit('errors', 'error-added', `declared error ${name} added: raised as its own class now, not InvalidRequestError or another status class`, { after: name })
    else if (!eb) ctx.emit('errors', 'error-removed', `declared error ${name} removed`, { before: name })
    else ctx.description(`errors.${name}`, ea, eb)
  }
}

/**
 * Compares two schemas at the same position; `path` names the position for the report.
 * `required`: a field both sides require, where a default decides whether a sender may omit it.
 */
function compareSchema(ctx: Context, a: Schema, b: Schema, path: string, required = false): void {
  if (a.type !== b.type && (a.type === 'ref' || b.type === 'ref')) return compareInlineWithRef(ctx, a, b, path)
  if (a.type !== b.type) {
    const widened = ctx.params && sentAsSameText(a, b)
    ctx.emit(path, widened ? 'param-type-widened' : 'type-changed', `type ${describeType(ctx.nsidA, a)} → ${describeType(ctx.nsidB, b)}`, { before: a.type, after: b.type })
    // The text passes either way; a required param's default may still come or go.
    if (widened && required) requiredDefault(ctx, path, a.default, b.default)
    return
  }
  ctx.description(path, a, b)
  switch (a.type) {
    case 'boolean':
      compareValues(ctx, a, b, path, required)
      return
    case 'integer':
      compareValues(ctx, a, b, path, required)
      compareLimit(ctx, a, b, path, 'minimum', 'min')
      compareLimit(ctx, a, b, path, 'maximum', 'max')
      return
    case 'string':
      compareValues(ctx, a, b, path, required)
      compareKnownValues(ctx, a, b, path)
      compareFormat(ctx, a, b, path)
      for (const key of ['minLength', 'minGraphemes'] as const) compareLimit(ctx, a, b, path, key, 'min')
      for (const key of ['maxLength', 'maxGraphemes'] as const) compareLimit(ctx, a, b, path, key, 'max')
      return
    case 'bytes':
    case 'array':
      compareLimit(ctx, a, b, path, 'minLength', 'min')
      compareLimit(ctx, a, b, path, 'maxLength', 'max')
      if (a.type === 'array') compareSchema(ctx, a.items as Schema, b.items as Schema, `${path}[]`)
      return
    case 'blob':
      compareLimit(ctx, a, b, path, 'maxSize', 'max')
      compareAccept(ctx, a, b, path)
      return
    case 'object':
    case 'params':
      compareObject(ctx, a, b, path)
      return
    case 'ref':
      compareRef(ctx, a, b, path)
      return
    case 'union':
      compareUnion(ctx, a, b, path)
      return
    default:
      // token, unknown, cid-link: nothing beyond the description
      return
  }
}

/** What a string may be held to that the text of an integer or a boolean can fail. */
const STRING_LIMITS = ['format', 'enum', 'const', 'minLength', 'maxLength', 'minGraphemes', 'maxGraphemes']

/**
 * A query param (or an item of an array param; compared within a method's params) changed from
 * integer or boolean to a string that any text passes: a query string carries text, so what old
 * clients send (`limit=5`) still passes; only the generated type changed.
 */
function sentAsSameText(a: Schema, b: Schema): boolean {
  return (a.type === 'integer' || a.type === 'boolean') && b.type === 'string' && STRING_LIMITS.every((key) => b[key] === undefined)
}

function compareObject(ctx: Context, a: Schema, b: Schema, path: string): void {
  const propsA = entries(a.properties)
  const propsB = entries(b.properties)
  const requiredA = new Set(strings(a.required))
  const requiredB = new Set(strings(b.required))
  const nullableA = new Set(strings(a.nullable))
  const nullableB = new Set(strings(b.nullable))
  for (const name of [...new Set([...propsA.keys(), ...propsB.keys()])].sort(compare)) {
    const pa = propsA.get(name) as Schema | undefined
    const pb = propsB.get(name) as Schema | undefined
    const at = join(path, name)
    if (!pa) {
      const required = requiredB.has(name)
      const filled = required ? defaultOf(ctx.b, ctx.nsidB, pb!) : undefined
      const kind = !required ? 'field-added-optional' : filled === undefined ? 'field-added-required' : 'field-added-required-default'
      ctx.emit(at, kind, `${required ? 'required' : 'optional'} field added (${describeType(ctx.nsidB, pb!)}${filled === undefined ? '' : `, default ${show(filled)}`})`)
    } else if (!pb) {
      const required = requiredA.has(name)
      ctx.emit(at, required ? 'field-removed-required' : 'field-removed-optional', `${required ? 'required' : 'optional'} field removed`)
    } else {
      if (!requiredA.has(name) && requiredB.has(name)) {
        const filled = defaultOf(ctx.b, ctx.nsidB, pb)
        if (filled === undefined) ctx.emit(at, 'field-made-required', 'optional → required')
        else ctx.emit(at, 'field-made-required-default', `optional → required, with default ${show(filled)}`)
      }
      if (requiredA.has(name) && !requiredB.has(name)) ctx.emit(at, 'field-made-optional', 'required → optional')
      if (!nullableA.has(name) && nullableB.has(name)) ctx.emit(at, 'field-made-nullable', 'now nullable')
      if (nullableA.has(name) && !nullableB.has(name)) ctx.emit(at, 'field-made-non-nullable', 'no longer nullable')
      const required = requiredA.has(name) && requiredB.has(name)
      // Through a ref, the default a required field falls back on is its def's: judged here, where the
      // field is required (the def, compared on its own, is not). Inline, compareValues judges it.
      if (required && (pa.type === 'ref' || pb.type === 'ref')) requiredDefault(ctx, at, defaultOf(ctx.a, ctx.nsidA, pa), defaultOf(ctx.b, ctx.nsidB, pb))
      compareSchema(ctx, pa, pb, at, required)
    }
  }
}

/**
 * The default a field has in `defs` (through a ref to a def, as the generated validators look it
 * up), for booleans, integers and strings: where a sender leaves out a required field that has one,
 * validators fill it in (@atproto/lexicon) or let it pass (the generated client), so the
 * requirement asks nothing of what old senders send.
 */
function defaultOf(defs: Defs, nsid: string, schema: Schema): unknown {
  let resolved: Schema | undefined = schema
  if (schema.type === 'ref') {
    const target = resolveRef(nsid, schema.ref as string)
    resolved = defs.get(target.nsid)?.get(target.def) as Schema | undefined
  }
  return resolved?.type === 'boolean' || resolved?.type === 'integer' || resolved?.type === 'string' ? resolved.default : undefined
}

/** A ref to the same def needs nothing here (the def is compared on its own); a new target is compared with the old one. */
function compareRef(ctx: Context, a: Schema, b: Schema, path: string): void {
  const ta = resolveRef(ctx.nsidA, a.ref as string)
  const tb = resolveRef(ctx.nsidB, b.ref as string)
  const ka = defKey(ta.nsid, ta.def)
  const kb = defKey(tb.nsid, tb.def)
  if (ka === kb) return
  const defA = ctx.a.get(ta.nsid)?.get(ta.def) as Schema | undefined
  const defB = ctx.b.get(tb.nsid)?.get(tb.def) as Schema | undefined
  const kind = isInterface(defA) || isInterface(defB) ? 'ref-object-changed' : 'ref-target-changed'
  ctx.emit(path, kind, `ref ${displayKey(ka)} → ${displayKey(kb)}`, { before: displayKey(ka), after: displayKey(kb) })
  if (!defA || !defB) return
  ctx.following(ta.nsid, tb.nsid, `${ka} ${kb}`, () => {
    const bodyA = defA.type === 'record' ? (defA.record as Schema) : defA
    const bodyB = defB.type === 'record' ? (defB.record as Schema) : defB
    compareSchema(ctx, bodyA, bodyB, path)
  })
}

/** An inline schema replaced by a ref to a def, or the reverse: judged by the def the ref names. */
function compareInlineWithRef(ctx: Context, a: Schema, b: Schema, path: string): void {
  const deref = (defs: Defs, nsid: string, schema: Schema): [string, Schema | undefined, string] => {
    if (schema.type !== 'ref') return [nsid, schema, `inline ${schema.type}`]
    const target = resolveRef(nsid, schema.ref as string)
    const def = defs.get(target.nsid)?.get(target.def) as Schema | undefined
    return [target.nsid, def?.type === 'record' ? (def.record as Schema) : def, `ref ${displayKey(defKey(target.nsid, target.def))}`]
  }
  const [nsidA, schemaA, textA] = deref(ctx.a, ctx.nsidA, a)
  const [nsidB, schemaB, textB] = deref(ctx.b, ctx.nsidB, b)
  // An inline object has a generated interface of its own, named after where it is: gone once a ref replaces it.
  ctx.emit(path, a.type !== 'ref' && holdsInlineObject(a) ? 'ref-object-changed' : 'ref-target-changed', `${textA} → ${textB}`)
  // The field's description is the one on the inline schema or on the ref; the def's own describes the def, compared where it is.
  ctx.description(path, a, b)
  if (!schemaA || !schemaB) return
  const withoutDescription = (schema: Schema): Schema => ({ ...schema, description: undefined })
  // An inline side is its place: two inline schemas compared with the same def are two comparisons, not one met again.
  const side = (schema: Schema, text: string) => (schema.type === 'ref' ? text : `${text} at ${path}`)
  ctx.following(nsidA, nsidB, `${side(a, textA)} ${side(b, textB)}`, () => compareSchema(ctx, withoutDescription(schemaA), withoutDescription(schemaB), path))
}

/** Whether a def generates an interface of its own, with its own `$type` (objects and records; other defs are aliases). */
function isInterface(def: Schema | undefined): boolean {
  return def?.type === 'object' || def?.type === 'record'
}

/** Whether an inline schema is or holds an inline object (each gets a generated interface named after its place). */
function holdsInlineObject(schema: Schema): boolean {
  if (schema.type === 'object') return true
  return schema.type === 'array' && typeof schema.items === 'object' && schema.items !== null && holdsInlineObject(schema.items as Schema)
}

function compareUnion(ctx: Context, a: Schema, b: Schema, path: string): void {
  const refsA = new Set(strings(a.refs).map((ref) => refKey(ctx.nsidA, ref)))
  const refsB = new Set(strings(b.refs).map((ref) => refKey(ctx.nsidB, ref)))
  const closedA = a.closed === true
  const closedB = b.closed === true
  if (closedA !== closedB) ctx.emit(path, closedB ? 'union-closed' : 'union-opened', closedB ? 'union is now closed' : 'union is now open')
  // Only an old reader's closed union rejects a new member; only a new closed union rejects a dropped one.
  for (const key of [...refsB].filter((k) => !refsA.has(k)).sort(compare)) {
    ctx.emit(path, closedA ? 'union-member-added-closed' : 'union-member-added-open', `union member ${displayKey(key)} added`, { after: displayKey(key) })
  }
  for (const key of [...refsA].filter((k) => !refsB.has(k)).sort(compare)) {
    ctx.emit(path, closedB ? 'union-member-removed-closed' : 'union-member-removed-open', `union member ${displayKey(key)} removed`, { before: displayKey(key) })
  }
}

/**
 * `const`, `enum` and `default`, shared by booleans, integers and strings. A required field with
 * a default may be left out (validators fill it in), so on a `required` field a default that
 * comes or goes decides whether senders may omit it.
 */
function compareValues(ctx: Context, a: Schema, b: Schema, path: string, required: boolean): void {
  if (a.const !== undefined || b.const !== undefined) {
    if (a.const === undefined) ctx.emit(path, 'const-added', `const ${show(b.const)} added`, { after: b.const })
    else if (b.const === undefined) ctx.emit(path, 'const-removed', `const ${show(a.const)} removed`, { before: a.const })
    else if (a.const !== b.const) ctx.emit(path, 'const-changed', `const ${show(a.const)} → ${show(b.const)}`, { before: a.const, after: b.const })
  }
  const enumA = Array.isArray(a.enum) ? (a.enum as unknown[]) : undefined
  const enumB = Array.isArray(b.enum) ? (b.enum as unknown[]) : undefined
  if (!enumA && enumB) ctx.emit(path, 'enum-added', `enum added (${enumB.map(show).join(', ')})`, { after: enumB })
  else if (enumA && !enumB) ctx.emit(path, 'enum-removed', `enum removed (was ${enumA.map(show).join(', ')})`, { before: enumA })
  else if (enumA && enumB) {
    const added = enumB.filter((v) => !enumA.includes(v))
    const removed = enumA.filter((v) => !enumB.includes(v))
    if (added.length) ctx.emit(path, 'enum-value-added', `enum value${plural(added)} ${added.map(show).join(', ')} added`, { after: added })
    if (removed.length) ctx.emit(path, 'enum-value-removed', `enum value${plural(removed)} ${removed.map(show).join(', ')} removed`, { before: removed })
  }
  if (a.default === b.default) return
  if (required && (a.default === undefined || b.default === undefined)) requiredDefault(ctx, path, a.default, b.default)
  else ctx.emit(path, 'default-changed', defaultText(a.default, b.default), { before: a.default, after: b.default })
}

/** A required field's default, which comes or goes: whether senders may omit the field. */
function requiredDefault(ctx: Context, path: string, before: unknown, after: unknown): void {
  if ((before === undefined) === (after === undefined)) return
  const text = defaultText(before, after)
  if (before === undefined) ctx.emit(path, 'default-added-required', `${text} (a required field: senders may now omit it)`, { after })
  else ctx.emit(path, 'default-removed-required', `${text} (a required field: senders may no longer omit it)`, { before })
}

function defaultText(before: unknown, after: unknown): string {
  return before === undefined ? `default ${show(after)} added` : after === undefined ? `default ${show(before)} removed` : `default ${show(before)} → ${show(after)}`
}

function compareKnownValues(ctx: Context, a: Schema, b: Schema, path: string): void {
  const before = strings(a.knownValues)
  const after = strings(b.knownValues)
  const added = after.filter((v) => !before.includes(v))
  const removed = before.filter((v) => !after.includes(v))
  if (added.length) ctx.emit(path, 'known-value-added', `knownValues ${added.map(show).join(', ')} added`, { after: added })
  if (removed.length) ctx.emit(path, 'known-value-removed', `knownValues ${removed.map(show).join(', ')} removed`, { before: removed })
}

/** Formats whose every valid string is valid in another (the Lexicon spec's syntaxes): format → the formats containing it. */
const CONTAINED_IN: ReadonlyMap<unknown, readonly string[]> = new Map([
  // A DID is a URI too: `did:` is its scheme, and what follows holds no whitespace.
  ['did', ['at-identifier', 'uri']],
  ['handle', ['at-identifier']],
  ['at-uri', ['uri']],
  ['tid', ['record-key']],
])

function compareFormat(ctx: Context, a: Schema, b: Schema, path: string): void {
  if (a.format === b.format) return
  if (a.format === undefined) ctx.emit(path, 'format-added', `format ${String(b.format)} added`, { after: b.format })
  else if (b.format === undefined) ctx.emit(path, 'format-removed', `format ${String(a.format)} removed`, { before: a.format })
  else {
    const within = (narrow: unknown, wide: unknown) => CONTAINED_IN.get(narrow)?.includes(String(wide)) === true
    const kind = within(a.format, b.format) ? 'format-widened' : within(b.format, a.format) ? 'format-narrowed' : 'format-changed'
    ctx.emit(path, kind, `format ${String(a.format)} → ${String(b.format)}`, { before: a.format, after: b.format })
  }
}

/**
 * The longest string a format allows (@atproto/syntax's checks), in characters: these formats are
 * ASCII, so in UTF-8 bytes and graphemes too.
 */
const FORMAT_MAX_LENGTH: ReadonlyMap<unknown, number> = new Map([
  ['did', 2048],
  ['at-identifier', 2048],
  ['handle', 253],
  ['nsid', 317],
  ['record-key', 512],
  ['tid', 13],
  ['datetime', 64],
  ['at-uri', 8192],
])

/**
 * The shortest string a format allows (@atproto/syntax's checks): `did:a:b`, `a.b`, `a.b.c`,
 * `at://a.b`, a whole second datetime with `Z`. A minimum at or below it refuses no value the format passes.
 */
const FORMAT_MIN_LENGTH: ReadonlyMap<unknown, number> = new Map([
  ['did', 7],
  ['at-identifier', 3],
  ['handle', 3],
  ['nsid', 5],
  ['record-key', 1],
  ['tid', 13],
  ['datetime', 20],
  ['at-uri', 8],
  ['language', 2],
])

/** A numeric limit; `bound` says whether a higher value (`max`) or a lower one (`min`) accepts more. */
function compareLimit(ctx: Context, a: Schema, b: Schema, path: string, key: string, bound: 'min' | 'max'): void {
  const before = a[key] as number | undefined
  const after = b[key] as number | undefined
  if (before === after) return
  let looser: boolean
  let text: string
  if (before === undefined) [looser, text] = [false, `${key} ${after} added`]
  else if (after === undefined) [looser, text] = [true, `${key} ${before} removed`]
  else {
    looser = bound === 'max' ? after > before : after < before
    text = `${key} ${after > before ? 'raised' : 'lowered'} ${before} → ${after}`
  }
  // A string's length limit that its format makes moot: tightened no further than the old format's
  // values reach (format did → maxLength 2048, minLength 1), or loosened where the new format keeps
  // values within the old limit. Which values pass does not change. These formats are ASCII: their
  // length in UTF-8 bytes is their length in graphemes.
  const format = (looser ? b : a).format
  const limit = looser ? before : after
  const formatLimit = (bound === 'max' ? FORMAT_MAX_LENGTH : FORMAT_MIN_LENGTH).get(format)
  if (a.type === 'string' && formatLimit !== undefined && limit !== undefined && (bound === 'max' ? limit >= formatLimit : limit <= formatLimit)) {
    const says = bound === 'max' ? `already limits it to ${formatLimit}` : `has no value shorter than ${formatLimit}`
    ctx.emit(path, 'constraint-within-format', `${text}: format ${String(format)} ${says}`, { before, after })
    return
  }
  ctx.emit(path, looser ? 'constraint-loosened' : 'constraint-tightened', text, { before, after })
}

/** Blob `accept`: MIME patterns (`image/*`, `*\/*`); absent means anything. */
function compareAccept(ctx: Context, a: Schema, b: Schema, path: string): void {
  const before = Array.isArray(a.accept) ? strings(a.accept) : undefined
  const after = Array.isArray(b.accept) ? strings(b.accept) : undefined
  const covers = (patterns: readonly string[] | undefined, types: readonly string[] | undefined) =>
    patterns === undefined || (types !== undefined && types.every((type) => patterns.some((p) => mimeMatches(p, type))))
  const tighter = covers(before, after)
  const looser = covers(after, before)
  if (tighter && looser) return
  const text = `accept [${(before ?? ['any']).join(', ')}] → [${(after ?? ['any']).join(', ')}]`
  ctx.emit(path, tighter ? 'constraint-tightened' : looser ? 'constraint-loosened' : 'constraint-changed', text, { before, after })
}

function mimeMatches(pattern: string, type: string): boolean {
  if (pattern === '*/*' || pattern === type) return true
  return pattern.endsWith('/*') && type.startsWith(pattern.slice(0, -1))
}

/**
 * Whether two defs accept the same values (descriptions aside), following refs; a pair met
 * again while comparing counts as equal (recursive defs). `names`: `a` and `b` map field names to
 * schemas (`properties`), where a field called `description` is a field like any other.
 */
function sameShape(da: Defs, nsidA: string, a: unknown, db: Defs, nsidB: string, b: unknown, seen: Set<string>, names = false): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b)
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => sameShape(da, nsidA, x, db, nsidB, (b as unknown[])[i], seen))
  const sa = a as Schema
  const sb = b as Schema
  if (sa.type === 'ref' && sb.type === 'ref') {
    const ta = resolveRef(nsidA, sa.ref as string)
    const tb = resolveRef(nsidB, sb.ref as string)
    const pair = `${defKey(ta.nsid, ta.def)} ${defKey(tb.nsid, tb.def)}`
    if (seen.has(pair)) return true
    seen.add(pair)
    const defA = da.get(ta.nsid)?.get(ta.def)
    const defB = db.get(tb.nsid)?.get(tb.def)
    return defA !== undefined && defB !== undefined && sameShape(da, ta.nsid, defA, db, tb.nsid, defB, seen)
  }
  if (sa.type === 'union' && sb.type === 'union') {
    const refs = (nsid: string, s: Schema) => strings(s.refs).map((ref) => refKey(nsid, ref)).sort(compare).join(' ')
    if (refs(nsidA, sa) !== refs(nsidB, sb) || (sa.closed === true) !== (sb.closed === true)) return false
  }
  const keys = new Set([...Object.keys(sa), ...Object.keys(sb)])
  for (const key of keys) {
    if ((key === 'description' && !names) || (key === 'refs' && sa.type === 'union') || (key === 'closed' && sa.type === 'union')) continue
    const va = Object.hasOwn(sa, key) ? sa[key] : undefined
    const vb = Object.hasOwn(sb, key) ? sb[key] : undefined
    if (UNORDERED.has(key) && Array.isArray(va) && Array.isArray(vb)) {
      if (strings(va).sort(compare).join('\n') !== strings(vb).sort(compare).join('\n')) return false
    } else if (!sameShape(da, nsidA, va, db, nsidB, vb, seen, key === 'properties' && !names)) return false
  }
  return true
}

const UNORDERED = new Set(['required', 'nullable', 'enum', 'knownValues', 'accept'])

/**
 * Places in one def where the same retargeted pair of defs is compared, per side: further places
 * on a side would repeat its verdicts at other paths, while another side may judge the pair apart
 * (a limit raised is compatible in a request and breaking in a response).
 */
const MAX_FOLLOWS = 16

/**
 * Retargeted refs followed one inside another from one def: a chain of 800 overflowed the stack.
 * Far deeper than real lexicons nest refs, so a change deep in a retargeted chain is still judged
 * by the side of the method that reaches it.
 */
const MAX_FOLLOW_DEPTH = 256

/** Collects changes for one def, tracking which doc each side's schema is written in (for relative refs). */
class Context {
  /**
   * The pairs of schemas being compared through refs right now (old → new target): a ref that
   * leads back into one is a cycle, compared once. Only the current chain counts, so the same
   * pair met again elsewhere (the input and the output, two fields) is compared there too.
   */
  private readonly comparing = new Set<string>()
  /** How often each pair was followed on each side of this def: bounded, as refs that branch and lead into each other would make it exponential. */
  private readonly followed = new Map<string, number>()
  nsidA: string
  nsidB: string
  private side: Side | undefined
  /** Whether a method's query params are being compared: they go as text (see sentAsSameText). */
  params = false

  constructor(
    readonly a: Defs,
    readonly b: Defs,
    private readonly nsid: string,
    private readonly def: string,
    private readonly out: RawChange[],
  ) {
    this.nsidA = nsid
    this.nsidB = nsid
  }

  emit(path: string, kind: ChangeKind, message: string, extra: { side?: Side; before?: unknown; after?: unknown } = {}): void {
    const side = extra.side ?? this.side
    this.out.push({
      nsid: this.nsid,
      def: this.def,
      path,
      kind,
      ...(side ? { side } : {}),
      message,
      ...(extra.before !== undefined ? { before: extra.before } : {}),
      ...(extra.after !== undefined ? { after: extra.after } : {}),
    })
  }

  description(path: string, a: object, b: object): void {
    const before = (a as { description?: unknown }).description
    const after = (b as { description?: unknown }).description
    if (before !== after) this.emit(path, 'description-changed', descriptionChange(before, after), { before, after })
  }

  within(side: Side, run: () => void): void {
    this.side = side
    run()
    this.side = undefined
  }

  inParams(run: () => void): void {
    this.params = true
    run()
    this.params = false
  }

  /**
   * Runs `run`, the comparison of the pair `pair` names, with relative refs resolved against the
   * docs of a ref's old and new targets; not when that pair is already being compared (a cycle),
   * nor after MAX_FOLLOWS places on this side of this def (real lexicons use a retargeted pair in a
   * few), nor deeper than MAX_FOLLOW_DEPTH.
   */
  following(nsidA: string, nsidB: string, pair: string, run: () => void): void {
    const budget = `${this.side ?? ''} ${pair}`
    const times = this.followed.get(budget) ?? 0
    if (this.comparing.has(pair) || times >= MAX_FOLLOWS || this.comparing.size >= MAX_FOLLOW_DEPTH) return
    this.followed.set(budget, times + 1)
    const saved = [this.nsidA, this.nsidB] as const
    this.comparing.add(pair)
    this.nsidA = nsidA
    this.nsidB = nsidB
    try {
      run()
    } finally {
      ;[this.nsidA, this.nsidB] = saved
      this.comparing.delete(pair)
    }
  }
}

function isMethod(def: Schema): boolean {
  return METHOD_TYPES.has(def.type ?? '')
}

function isIgnored(def: Schema | undefined): boolean {
  return def !== undefined && IGNORED_TYPES.has(def.type ?? '')
}

function describeDef(def: Schema): string {
  return isMethod(def) ? String(def.type) : `${def.type} def`
}

function describeType(nsid: string, schema: Schema): string {
  if (schema.type === 'ref') return `ref ${displayKey(refKey(nsid, schema.ref as string))}`
  if (schema.type === 'array') return `array of ${describeType(nsid, schema.items as Schema)}`
  return String(schema.type)
}

function listDefs(defs: ReadonlyMap<string, unknown>): string {
  const names = [...defs.keys()].sort(compare)
  return names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more defs` : names.join(', ')
}

function refKey(nsid: string, ref: string): string {
  const target = resolveRef(nsid, ref)
  return defKey(target.nsid, target.def)
}

/** `nsid` for a main def, `nsid#def` otherwise: how lexicons write refs. */
export function displayKey(key: string): string {
  // `nsid#` is the doc itself (its own description): shown as the doc, as `nsid#main` is.
  return key.endsWith('#main') ? key.slice(0, -5) : key.endsWith('#') ? key.slice(0, -1) : key
}

function entries(value: unknown): ReadonlyMap<string, unknown> {
  return new Map(typeof value === 'object' && value !== null ? Object.entries(value) : [])
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value)
}

function plural(list: readonly unknown[]): string {
  return list.length === 1 ? '' : 's'
}
