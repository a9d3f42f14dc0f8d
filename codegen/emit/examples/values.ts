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

type Schema = { type: string; [key: string]: unknown }

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

export class ExampleValues {
  constructor(private readonly model: Model) {}

  /**
   * An object schema's example: its required fields, those with a default (at the default), and,
   * at the top level of a call, the first other field when that leaves it empty (so an example
   * of `putPreferences` shows one preference). `cursor` is left out: pagination sets it.
   */
  object(doc: DocModel, schema: { properties?: Record<string, unknown>; required?: string[] }, topLevel: boolean, depth = 0): Record<string, unknown> {
    const properties = Object.entries(schema.properties ?? {}) as [string, Schema][]
    const required = new Set(schema.required ?? [])
    let chosen = properties.filter(([name, prop]) => required.has(name) || (topLevel && prop.default !== undefined && name !== 'cursor'))
    if (topLevel && chosen.length === 0) chosen = properties.filter(([name]) => name !== 'cursor').slice(0, 1)
    // No prototype: a field named `__proto__` stays a field.
    const out: Record<string, unknown> = Object.create(null)
    for (const [name, prop] of chosen) out[name] = this.value(doc, prop, name, depth + 1)
    return out
  }

  /** A value for one schema; `name` is the field it is for, which picks plain strings and ids. */
  value(doc: DocModel, schema: Schema, name: string, depth = 0): unknown {
    if (depth > 16) throw new Error(`example for '${name}' in ${doc.nsid} nests too deep (a required reference cycle?)`)
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
      case 'array': {
        const count = Math.max(1, Number(schema.minLength ?? 1))
        const item = this.value(doc, schema.items as Schema, singular(name), depth + 1)
        return Array.from({ length: count }, () => item)
      }
      case 'object':
        return this.object(doc, schema as never, false, depth)
      case 'ref':
        return this.ref(doc, schema.ref as string, name, false, depth)
      case 'union': {
        const first = (schema.refs as string[])[0]
        if (first === undefined) return {}
        return this.ref(doc, first, name, true, depth)
      }
      default:
        return null
    }
  }

  private ref(from: DocModel, ref: string, name: string, typed: boolean, depth: number): unknown {
    const target = resolveRef(from.nsid, ref)
    const doc = this.model.byNsid.get(target.nsid)
    const def = doc && Object.hasOwn(doc.doc.defs, target.def) ? (doc.doc.defs[target.def] as LexUserType) : undefined
    if (!doc || !def) throw new Error(`unresolved reference '${ref}' in ${from.nsid} (select should have caught it)`)
    const $type = typeId(target.nsid, target.def)
    switch (def.type) {
      case 'object':
        return Object.assign(Object.create(null), typed ? { $type } : {}, this.object(doc, def, false, depth))
      case 'record':
        return Object.assign(Object.create(null), { $type }, this.object(doc, def.record, false, depth))
      case 'token':
        return $type
      default:
        return this.value(doc, def as Schema, name, depth + 1)
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
  while (text.length < min) text += 'x'
  return text
}
