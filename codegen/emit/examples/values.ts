/**
 * Example values derived from a lexicon schema: what the generated examples pass to a method.
 * They are valid by construction — formats get real-looking values, limits are respected, known
 * values are used — so an example passes the generated validators and a server's, and the same
 * field name gets the same value everywhere, so the examples describe one consistent world.
 */
import type { LexUserType } from '@atproto/lexicon'
import type { DocModel, Model } from '../../model.js'
import { resolveRef } from '../../select.js'
import { typeId } from '../../model.js'
import { jsonPath, LexgenError } from '../../errors.js'
import { quote } from '../writer.js'

type Schema = { type: string; [key: string]: unknown }
type ObjectSchema = { properties?: Record<string, unknown>; required?: string[] }

/** The world the examples live in: who is signed in, whom they talk to, and the ids they use. */
export const EXAMPLE_WORLD = {
  /** The signed-in account's handle (what `createSession` takes as `identifier`). */
  handle: 'alice.example.com',
  password: 'correct-horse-battery-staple',
  /** Every `did` value: the other account the examples talk to. */
  did: 'did:plc:5cajdgeo6qz32kptlpg4c3lv',
  otherHandle: 'bob.example.com',
  datetime: '2026-01-15T09:30:00.000Z',
  cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
} as const

/**
 * Example values the programs read from the environment rather than spell out, as the Sessions
 * example does: a password never appears in the docs. The value stays what validation sees; this
 * is the source the programs print for it (literal.ts).
 */
export const FROM_ENVIRONMENT: ReadonlyMap<string, string> = new Map([
  [EXAMPLE_WORLD.handle, `process.env['ATPROTO_IDENTIFIER'] ?? ${quote(EXAMPLE_WORLD.handle)}`],
  [EXAMPLE_WORLD.password, `process.env['ATPROTO_PASSWORD'] ?? ''`],
])

/** Strings by field name, for plain strings whose name says what they hold. */
const NAMED: ReadonlyMap<string, string> = new Map([
  ['identifier', EXAMPLE_WORLD.handle],
  ['password', EXAMPLE_WORLD.password],
  ['text', 'Hello from lexgen!'],
  ['name', 'Weekend plans'],
  ['displayName', 'Alice'],
  ['description', 'An example description.'],
  ['email', 'alice@example.com'],
  ['code', 'k7sd2qzv'],
  ['reason', 'Example reason.'],
  ['q', 'lexgen'],
  ['query', 'lexgen'],
])

/**
 * An id for a field named `name` (`convoId`, `messageId`): shaped like the TIDs atproto services
 * hand out, different per name and the same on every run.
 */
export function exampleId(name: string): string {
  const alphabet = '234567abcdefghijklmnopqrstuvwxyz'
  let hash = 2166136261
  let out = '3l'
  for (let i = 0; out.length < 13; i++) {
    hash = Math.imul(hash ^ (name.charCodeAt(i % name.length) + i), 16777619) >>> 0
    out += alphabet[hash % 32]
  }
  return out
}

/** The example for a plain string (no format, no known values) in a field named `name`. */
export function plainExample(name: string): string {
  return NAMED.get(name) ?? (/Id$|^id$/.test(name) ? exampleId(name) : 'example')
}

/** Values by format, all of which the lexicon's format checks accept. */
function formatValue(format: string): string | undefined {
  switch (format) {
    case 'did':
      return EXAMPLE_WORLD.did
    case 'handle':
    case 'at-identifier':
      return EXAMPLE_WORLD.otherHandle
    case 'at-uri':
      return `at://${EXAMPLE_WORLD.did}/app.bsky.feed.post/${exampleId('rkey')}`
    case 'datetime':
      return EXAMPLE_WORLD.datetime
    case 'uri':
      return 'https://example.com/'
    case 'cid':
      return EXAMPLE_WORLD.cid
    case 'language':
      return 'en'
    case 'nsid':
      return 'app.bsky.feed.post'
    case 'tid':
      return exampleId('tid')
    case 'record-key':
      return 'self'
    default:
      return undefined
  }
}

/**
 * Raised inside ExampleValues when a reference leads back to a def whose example is being built:
 * the caller tries another way (the next union member, an empty array) or passes it up.
 */
class ReferenceCycle extends Error {
  constructor(readonly nsid: string, readonly def: string) {
    super(`${nsid}#${def} is required inside itself`)
  }
}

/**
 * Raised when an example would be too large to show, or take too long to find: a lexicon can ask
 * for an array of 10^8 items, or share one def between two fields at every level (an example
 * printed as a tree doubles per level), or branch through unions whose every way leads back
 * (each tried again at every level). Such examples took minutes and ran out of memory; the
 * caller shows none (see exampleArgs).
 */
export class ExampleTooLarge extends Error {}

/** Steps (schemas visited) one example may take, and values it may print: the whole upstream corpus needs fewer than 1,000 steps. */
const MAX_STEPS = 10_000
const MAX_VALUES = 10_000
/** Items an array example may need, and characters a string example may need, before it is too large to show. */
const MAX_ITEMS = 100
const MAX_CHARACTERS = 10_000
/** Schemas an example may nest, one in another: required refs chained through thousands of defs overflowed the stack. */
const MAX_NESTING = 500

export class ExampleValues {
  /** Steps taken by the example being built (see MAX_STEPS), and how deep it is now (MAX_NESTING). */
  private steps = 0
  private nesting = 0
  /** Defs whose example is being built, outermost first: meeting one again is a cycle. */
  private readonly building = new Set<string>()
  /** Examples of defs already built: a finite value is valid wherever it is used, so each is built once. */
  private readonly built = new Map<string, unknown>()

  constructor(private readonly model: Model) {}

  /**
   * An object schema's example: its required fields, those with a default (at the default), and,
   * at the top level of a call, the first other field when that leaves it empty (so an example
   * of `putPreferences` shows one preference). `cursor` is left out: pagination sets it.
   * A LexgenError when no finite value can match the schema (see `finite`).
   */
  object(doc: DocModel, schema: ObjectSchema, topLevel: boolean): Record<string, unknown> {
    return this.finite(() => this.fields(doc, schema, topLevel))
  }

  /** A value for one schema; `name` is the field it is for, which picks plain strings and ids. */
  value(doc: DocModel, schema: Schema, name: string): unknown {
    return this.finite(() => this.any(doc, schema, name))
  }

  /**
   * A recursive lexicon (an expression whose operands are expressions) gets the first way out of
   * its cycle: the next union member, an array left empty. A def that must hold itself whichever
   * way is taken has no finite value at all: no call could send one, so it is the lexicon's error.
   */
  private finite<T>(build: () => T): T {
    this.steps = 0
    try {
      const value = build()
      if (printedValues(value, new Map()) > MAX_VALUES) throw new ExampleTooLarge('the example would be too large to show')
      return value
    } catch (error) {
      if (!(error instanceof ReferenceCycle)) throw error
      const source = this.model.byNsid.get(error.nsid)?.source
      throw new LexgenError(
        `${error.nsid}#${error.def} has no finite value: every way through its required fields leads back to it, so no example (and no call) can be made`,
        { ...(source === undefined ? {} : { file: source }), path: jsonPath(['defs', error.def]) },
      )
    }
  }

  private fields(doc: DocModel, schema: ObjectSchema, topLevel: boolean): Record<string, unknown> {
    const properties = Object.entries(schema.properties ?? {}) as [string, Schema][]
    const required = new Set(schema.required ?? [])
    let chosen = properties.filter(([name, prop]) => required.has(name) || (topLevel && prop.default !== undefined && name !== 'cursor'))
    if (topLevel && chosen.length === 0) chosen = properties.filter(([name]) => name !== 'cursor').slice(0, 1)
    // No prototype: a field named `__proto__` stays a field.
    const out: Record<string, unknown> = Object.create(null)
    for (const [name, prop] of chosen) {
      try {
        out[name] = this.any(doc, prop, name)
      } catch (error) {
        // An optional field is shown to fill an empty example: one that cannot end (or not soon) is left out.
        if (!(error instanceof ReferenceCycle || error instanceof ExampleTooLarge) || required.has(name)) throw error
      }
    }
    // A write's repo is the signed-in account's (createRecord, applyWrites…), not the other account's.
    const repo = chosen.find(([name]) => name === 'repo')?.[1]
    if (topLevel && doc.method?.type === 'procedure' && repo?.format === 'at-identifier') out.repo = EXAMPLE_WORLD.handle
    if (typeof out.collection === 'string') this.fitCollection(out.collection, chosen, out)
    return out
  }

  /**
   * Beside a collection whose record lexicon the selection holds: a record sent as `unknown`
   * (createRecord's `record`, applyWrites' `value`) is an example of that record, and a record key
   * is of the kind it takes (a TID for a post: the one the `at-uri` examples name; `self` for a
   * `literal:self` profile).
   */
  private fitCollection(collection: string, fields: readonly [string, Schema][], out: Record<string, unknown>): void {
    const doc = this.model.byNsid.get(collection)
    const main = doc?.doc.defs.main
    if (!doc || main?.type !== 'record') return
    for (const [name, prop] of fields) {
      if (prop.type === 'unknown' && (name === 'record' || name === 'value')) {
        try {
          out[name] = this.ref(doc, collection, name, true)
        } catch (error) {
          if (!(error instanceof ReferenceCycle)) throw error
        }
      }
    }
    if (typeof out.rkey === 'string' && main.key === 'tid') out.rkey = exampleId('rkey')
    if (typeof out.rkey === 'string' && main.key?.startsWith('literal:')) out.rkey = main.key.slice('literal:'.length)
  }

  private any(doc: DocModel, schema: Schema, name: string): unknown {
    if (++this.steps > MAX_STEPS) throw new ExampleTooLarge('finding an example would take too long')
    if (this.nesting >= MAX_NESTING) throw new ExampleTooLarge(`an example would nest more than ${MAX_NESTING} values`)
    this.nesting++
    try {
      return this.schemaValue(doc, schema, name)
    } finally {
      this.nesting--
    }
  }

  private schemaValue(doc: DocModel, schema: Schema, name: string): unknown {
    switch (schema.type) {
      case 'boolean':
        return schema.const ?? schema.default ?? true
      case 'integer':
        return integer(schema)
      case 'string':
        return this.string(schema, name)
      case 'bytes':
        return { $bytes: 'aGVsbG8' }
      case 'cid-link':
        return { $link: EXAMPLE_WORLD.cid }
      case 'blob':
        return { $type: 'blob', ref: { $link: EXAMPLE_WORLD.cid }, mimeType: blobMime(schema), size: 1024 }
      case 'unknown':
        return {}
      case 'array':
        return this.array(doc, schema, name)
      case 'object':
        return this.fields(doc, schema as ObjectSchema, false)
      case 'ref':
        return this.ref(doc, schema.ref as string, name, false)
      case 'union':
        return this.union(doc, schema.refs as string[], name)
      default:
        return null
    }
  }

  private array(doc: DocModel, schema: Schema, name: string): unknown[] {
    const count = Math.max(1, Number(schema.minLength ?? 1))
    if (count > MAX_ITEMS) throw new ExampleTooLarge(`an example would hold ${count} items`)
    try {
      const item = this.any(doc, schema.items as Schema, singular(name))
      return Array.from({ length: count }, () => item)
    } catch (error) {
      if (error instanceof ReferenceCycle && !(Number(schema.minLength ?? 0) > 0)) return []
      throw error
    }
  }

  /** The first member whose example ends; `{}` for a union with no members. */
  private union(doc: DocModel, refs: readonly string[], name: string): unknown {
    let cycle: ReferenceCycle | undefined
    for (const ref of refs) {
      try {
        return this.ref(doc, ref, name, true)
      } catch (error) {
        if (!(error instanceof ReferenceCycle)) throw error
        cycle ??= error
      }
    }
    if (cycle) throw cycle
    return {}
  }

  private ref(from: DocModel, ref: string, name: string, typed: boolean): unknown {
    const target = resolveRef(from.nsid, ref)
    const doc = this.model.byNsid.get(target.nsid)
    const def = doc && Object.hasOwn(doc.doc.defs, target.def) ? (doc.doc.defs[target.def] as LexUserType) : undefined
    if (!doc || !def) throw new Error(`unresolved reference '${ref}' in ${from.nsid} (select should have caught it)`)
    const $type = typeId(target.nsid, target.def)
    // Objects and records are the same whatever field holds them; other defs' strings follow the field's name.
    const key = `${$type} ${def.type === 'object' || def.type === 'record' ? typed : name}`
    if (this.built.has(key)) return this.built.get(key)
    if (this.building.has($type)) throw new ReferenceCycle(target.nsid, target.def)
    this.building.add($type)
    try {
      const value = this.def(doc, def, $type, name, typed)
      this.built.set(key, value)
      return value
    } finally {
      this.building.delete($type)
    }
  }

  private def(doc: DocModel, def: LexUserType, $type: string, name: string, typed: boolean): unknown {
    switch (def.type) {
      case 'object':
        return Object.assign(Object.create(null), typed ? { $type } : {}, this.fields(doc, def, false))
      case 'record':
        return Object.assign(Object.create(null), { $type }, this.fields(doc, def.record, false))
      case 'token':
        return $type
      default:
        return this.any(doc, def as Schema, name)
    }
  }

  private string(schema: Schema, name: string): string {
    if (typeof schema.const === 'string') return schema.const
    if (Array.isArray(schema.enum) && schema.enum.length) return String(schema.enum[0])
    if (typeof schema.default === 'string') return schema.default
    if (Array.isArray(schema.knownValues) && schema.knownValues.length) return String(schema.knownValues[0])
    const formatted = typeof schema.format === 'string' ? formatValue(schema.format) : undefined
    if (formatted !== undefined) return formatted
    // One grapheme is what a reaction is.
    if (schema.maxGraphemes === 1) return '👍'
    return fit(plainExample(name), schema)
  }
}

function integer(schema: Schema): number {
  if (typeof schema.const === 'number') return schema.const
  if (Array.isArray(schema.enum) && schema.enum.length) return Number(schema.enum[0])
  if (typeof schema.default === 'number') return schema.default
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined
  if (min !== undefined) return min
  return max !== undefined ? Math.min(max, 1) : 1
}

function blobMime(schema: Schema): string {
  const accept = Array.isArray(schema.accept) ? (schema.accept as string[]) : []
  const first = accept.find((type) => type !== '*/*') ?? 'image/png'
  return first.endsWith('/*') ? `${first.slice(0, -1)}png` : first
}

/** `members` → `member`, for the items of an array field. */
export function singular(name: string): string {
  return /[^s]s$/.test(name) ? name.slice(0, -1) : name
}

/** Made on first use: creating it loads ICU's break rules (~20 ms), and most samples need no cutting. */
let segmenter: Intl.Segmenter | undefined

/** `sample` cut or padded to the string's length and grapheme limits. */
function fit(sample: string, schema: Schema): string {
  const num = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined)
  const maxGraphemes = num('maxGraphemes')
  const maxLength = num('maxLength')
  let text = sample
  // A grapheme is at least one UTF-16 unit: a sample no longer than the limits needs no cutting.
  if ((maxGraphemes !== undefined && sample.length > maxGraphemes) || (maxLength !== undefined && Buffer.byteLength(sample) > maxLength)) {
    segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' })
    let graphemes = [...segmenter.segment(sample)].map((s) => s.segment)
    if (maxGraphemes !== undefined) graphemes = graphemes.slice(0, maxGraphemes)
    while (maxLength !== undefined && graphemes.length && Buffer.byteLength(graphemes.join('')) > maxLength) graphemes.pop()
    text = graphemes.join('')
  }
  const min = Math.max(num('minLength') ?? 0, num('minGraphemes') ?? 0)
  if (min > MAX_CHARACTERS) throw new ExampleTooLarge(`an example would be a string of ${min} characters`)
  return text.length < min ? text + 'x'.repeat(min - text.length) : text
}

/** How many values `value` prints as: a def's example is built once and shared, so the tree can be far larger than the graph. */
function printedValues(value: unknown, counted: Map<object, number>): number {
  if (typeof value !== 'object' || value === null) return 1
  const known = counted.get(value)
  if (known !== undefined) return known
  let total = 1
  for (const item of Array.isArray(value) ? value : Object.values(value)) total += printedValues(item, counted)
  counted.set(value, total)
  return total
}
