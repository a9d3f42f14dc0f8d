/**
 * Field tables: one row per field (inline objects flattened as `parent.child`), with its type
 * linked to its model page, whether it is required, its constraints and its description.
 */
import type { LexUserType } from '@atproto/lexicon'
import type { DocModel, Model } from '../../model.js'
import { resolveRef } from '../../select.js'
import { constraintEntries } from '../constraints.js'
import { defAnchorKey } from './catalog.js'
import { code, firstSentence, inline, table } from './markdown.js'
import type { Site } from './site.js'

type Schema = { type: string; [key: string]: unknown }
type ObjectSchema = { properties?: Record<string, unknown>; required?: string[]; nullable?: string[] }

const FIELD_HEADERS = ['Name', 'Type', 'Required', 'Constraints', 'Description']

export class Fields {
  constructor(
    private readonly model: Model,
    private readonly site: Site,
  ) {}

  /** The table of an object's fields, or a note when it has none. */
  table(doc: DocModel, schema: ObjectSchema): string {
    const rows = this.rows(doc, schema, '')
    return rows.length ? table(FIELD_HEADERS, rows) : '_No fields._'
  }

  private rows(doc: DocModel, schema: ObjectSchema, prefix: string): string[][] {
    const required = new Set(schema.required ?? [])
    const nullable = new Set(schema.nullable ?? [])
    const rows: string[][] = []
    for (const [name, prop] of Object.entries(schema.properties ?? {}) as [string, Schema][]) {
      const path = `${prefix}${name}`
      const need = required.has(name) ? 'yes' : 'no'
      rows.push([code(path), this.type(doc, prop), nullable.has(name) ? `${need}, nullable` : need, this.constraints(doc, prop), description(prop)])
      // Inline objects (directly or as array items) show their own fields under the parent's name.
      const inner = prop.type === 'array' ? (prop.items as Schema) : prop
      if (inner.type === 'object') rows.push(...this.rows(doc, inner as ObjectSchema, `${path}${prop.type === 'array' ? '[]' : ''}.`))
    }
    return rows
  }

  /** A schema's type as Markdown: primitives by name, references linked to their model section. */
  type(doc: DocModel, schema: Schema): string {
    switch (schema.type) {
      case 'array':
        return `array of ${this.type(doc, schema.items as Schema)}`
      case 'ref':
        return this.ref(doc, schema.ref as string)
      case 'union': {
        const members = (schema.refs as string[]).map((ref) => this.ref(doc, ref))
        const open = schema.closed ? '' : ', or any other `$type`'
        if (members.length) return `union of ${members.join(', ')}${open}`
        // An open union without refs takes any typed object; only a closed one takes nothing.
        return schema.closed ? 'union (no members)' : 'any object with a `$type` (an open union with no known members)'
      }
      default:
        return code(schema.type)
    }
  }

  /**
   * A field's constraints, and those of a string or number def it refers to (its known values,
   * say), which would otherwise be a click away on the def's page.
   */
  private constraints(doc: DocModel, schema: Schema): string {
    const target = schema.type === 'ref' ? this.refTarget(doc, schema.ref as string) : undefined
    const known = (value: string) => this.knownValue(doc, value)
    if (target && target.type !== 'object' && target.type !== 'record' && target.type !== 'token') return constraints(target as Schema, constraints, known)
    return constraints(schema, (items) => this.constraints(doc, items), known)
  }

  /** A known value, with what its token's lexicon says of it when it names one (`…#modlist`), which the docs give no section of its own. */
  private knownValue(doc: DocModel, value: string): string {
    const token = /^[a-zA-Z][\w.-]*\.[\w-]+(#[\w-]+)?$/.test(value) ? (this.refTarget(doc, value) as { type: string; description?: unknown } | undefined) : undefined
    const said = token?.type === 'token' && typeof token.description === 'string' ? firstSentence(token.description) : ''
    return said ? `${code(value)} (${inline(said)})` : code(value)
  }

  private refTarget(doc: DocModel, ref: string): { type: string } | undefined {
    const { nsid, def } = resolveRef(doc.nsid, ref)
    const defs = this.model.byNsid.get(nsid)?.doc.defs
    return defs && Object.hasOwn(defs, def) ? (defs[def] as { type: string }) : undefined
  }

  /** `ChatBskyConvoDefs.ConvoView`, linked: the name a program imports it by. */
  ref(doc: DocModel, ref: string): string {
    const { nsid, def } = resolveRef(doc.nsid, ref)
    const target = this.model.byNsid.get(nsid)
    const names = target?.names.get(def)
    if (!target || !names) throw new Error(`unresolved reference '${ref}' in ${doc.nsid} (select should have caught it)`)
    return this.site.link(code(`${target.alias}.${names.type}`), defAnchorKey(nsid, def))
  }

  /** The TypeScript name of a def, unlinked, e.g. for its own heading line. */
  static typeName(doc: DocModel, def: string): string {
    return `${doc.alias}.${doc.names.get(def)?.type ?? def}`
  }
}

/** Constraints as the lexicon states them: format, limits, default, then allowed or known values (an array's items' by `ofItems`). */
export function constraints(schema: Schema | LexUserType, ofItems: (items: Schema) => string = constraints, known: (value: string) => string = code): string {
  const s = schema as Schema
  const parts = constraintEntries(s).map(([key, value]) => {
    if (key === 'accept' && Array.isArray(value)) return `accept: ${value.map((v) => code(String(v))).join(', ')}`
    return `${key}: ${code(key === 'default' ? JSON.stringify(value) : String(value))}${unit(s.type, key)}`
  })
  if (Array.isArray(s.enum)) parts.push(`one of: ${s.enum.map((v) => code(String(v))).join(', ')}`)
  if (s.const !== undefined) parts.push(`always ${code(String(s.const))}`)
  if (Array.isArray(s.knownValues) && s.knownValues.length) parts.push(`known values: ${s.knownValues.map((v) => known(String(v))).join(', ')}`)
  if (s.type === 'array') {
    const inner = ofItems(s.items as Schema)
    if (inner) parts.push(`each: ${inner}`)
  }
  return parts.join(', ')
}

/** What a length counts, which its name does not say: a string's length is in UTF-8 bytes, not `.length`. */
function unit(type: string, key: string): string {
  if (key === 'minLength' || key === 'maxLength') return type === 'array' ? ' items' : type === 'string' ? ' UTF-8 bytes' : type === 'bytes' ? ' bytes' : ''
  if (key === 'maxSize') return ' bytes'
  return ''
}

/** A field's description, and its array items' when they have one ("Each item: …", as the JSDoc says it). */
function description(schema: Schema): string {
  const own = typeof schema.description === 'string' ? schema.description : ''
  const items = schema.type === 'array' ? (schema.items as Schema | undefined)?.description : undefined
  const each = typeof items === 'string' && items !== '' ? `Each item: ${items}` : ''
  return inline([own, each].filter(Boolean).join(' '))
}
