import type { LexObject, LexUserType, LexXrpcParameters } from '@atproto/lexicon'
import { refTypeName, typeId, type DocModel, type Model } from '../model.js'
import { constraintEntries } from './constraints.js'
import { deprecation, type Lines, propertyKey, quote, writeDoc, writeTyped } from './writer.js'

/** What one module's emitters share: the model, the doc, and the runtime names it used. */
export interface ModuleContext {
  readonly model: Model
  readonly doc: DocModel
  /** Runtime names the module refers to, so the import lists exactly those. */
  readonly runtime: Set<string>
  /** Runtime names used as values (the rest are imported with `type`). */
  readonly runtimeValues: Set<string>
}

/** A runtime name used in a type position; recorded for the import. */
export function rt(ctx: ModuleContext, name: string): string {
  ctx.runtime.add(name)
  return name
}

/** A runtime name used as a value. */
export function rtValue(ctx: ModuleContext, name: string): string {
  ctx.runtimeValues.add(name)
  return rt(ctx, name)
}

type Schema = { type: string; [key: string]: unknown }

/**
 * The TypeScript type expression for a lexicon schema (a field, an item, a body). `sent`: the
 * value may travel from the client (see Model.sent), where an `unknown` must take any object.
 */
export function typeExpr(ctx: ModuleContext, schema: Schema, sent: boolean): string {
  switch (schema.type) {
    case 'boolean':
      return schema.const !== undefined ? String(schema.const) : 'boolean'
    case 'integer':
      if (schema.const !== undefined) return String(schema.const)
      return Array.isArray(schema.enum) ? schema.enum.map(String).join(' | ') : 'number'
    case 'string':
      return stringType(schema)
    case 'bytes':
      return rt(ctx, 'Bytes')
    case 'cid-link':
      return rt(ctx, 'CidLink')
    case 'blob':
      return rt(ctx, 'BlobRef')
    case 'unknown':
      return rt(ctx, sent ? 'UnknownObjectInput' : 'UnknownObject')
    case 'array': {
      const item = typeExpr(ctx, schema.items as Schema, sent)
      return /[ |&]/.test(item) ? `(${item})[]` : `${item}[]`
    }
    case 'ref':
      return refTypeName(ctx.model, ctx.doc, schema.ref as string)
    case 'union': {
      const members = (schema.refs as string[]).map((ref) => `${rt(ctx, '$Typed')}<${refTypeName(ctx.model, ctx.doc, ref)}>`)
      if (!schema.closed) members.push(rt(ctx, sent ? 'Unknown$TypedObjectInput' : 'Unknown$TypedObject'))
      return members.length ? members.join(' | ') : 'never'
    }
    case 'object': {
      const inline = ctx.doc.inline.get(schema)
      if (!inline) throw new Error(`an inline object in ${ctx.doc.nsid} has no name (model should have named it)`)
      return inline.type
    }
    default:
      throw new Error(`no TypeScript type for lexicon type '${schema.type}'`)
  }
}

function stringType(schema: Schema): string {
  if (typeof schema.const === 'string') return quote(schema.const)
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => quote(String(v))).join(' | ')
  if (Array.isArray(schema.knownValues) && schema.knownValues.length) {
    // Open: the known values autocomplete, and any other string still type-checks.
    return [...schema.knownValues.map((v) => quote(String(v))), '(string & {})'].join(' | ')
  }
  return 'string'
}

/** JSDoc lines for a field: its description, then its constraints as tags. */
function fieldDoc(schema: Schema): string[] {
  const description = schema.description as string | undefined
  const lines = [description ?? '']
  // What the lexicon says of each item (a description, a format) would otherwise be nowhere; before the tags, which would take it as theirs.
  if (schema.type === 'array') {
    const items = schema.items as Schema
    const rules = constraintEntries(items).map(([name, value]) => `${name} ${formatTagValue(value)}${lengthUnit(items.type, name)}`).join(', ')
    const itemDescription = items.description as string | undefined
    if (itemDescription || rules) lines.push(`Each item: ${itemDescription ? `${itemDescription}${rules ? ` (${rules})` : ''}` : rules}`)
  }
  const deprecated = deprecation(description)
  if (deprecated) lines.push(deprecated)
  for (const [name, value] of constraintEntries(schema)) lines.push(`@${name} ${formatTagValue(value)}${lengthUnit(schema.type, name)}`)
  return lines
}

/** What a length counts, which its name does not say (as the reference docs put it). */
function lengthUnit(type: string, key: string): string {
  if (key !== 'minLength' && key !== 'maxLength') return ''
  return type === 'array' ? ' items' : type === 'string' ? ' (UTF-8 bytes)' : type === 'bytes' ? ' bytes' : ''
}

function formatTagValue(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : JSON.stringify(value)
}

/** `interface Name { ... }` for an object, record, params or body schema. `$type` is included for union-able defs. */
export function writeInterface(
  ctx: ModuleContext,
  lines: Lines,
  name: string,
  schema: LexObject | LexXrpcParameters,
  doc: readonly (string | undefined)[],
  sent: boolean,
  $type?: string,
): void {
  writeDoc(lines, doc)
  const props = Object.entries(schema.properties ?? {})
  const required = new Set(schema.required ?? [])
  const nullable = new Set('nullable' in schema ? (schema.nullable ?? []) : [])
  lines.writeLine(`export interface ${name} {`)
  lines.indent(() => {
    // `$type` is a fixed literal, which no caller holds as maybe-undefined (and `$Typed` requires it to be a string).
    if ($type) lines.writeLine(`$type?: ${quote($type)}`)
    for (const [prop, propSchema] of props) {
      writeDoc(lines, fieldDoc(propSchema as Schema))
      // An optional field takes `undefined` too, which validation and the JSON sent read as left out:
      // under exactOptionalPropertyTypes, callers can pass `{ cursor }` while the cursor may be unset.
      const optional = !required.has(prop)
      const type = [typeExpr(ctx, propSchema as Schema, sent), ...(nullable.has(prop) ? ['null'] : []), ...(optional ? ['undefined'] : [])].join(' | ')
      writeTyped(lines, `${propertyKey(prop)}${optional ? '?' : ''}: `, type)
    }
  })
  lines.writeLine('}')
  writeInlineInterfaces(ctx, lines, schema, sent)
}

/** The interfaces of the inline objects among `schema`'s properties (and array items), each after its owner. */
function writeInlineInterfaces(ctx: ModuleContext, w: Lines, schema: { properties?: Record<string, unknown> }, sent: boolean): void {
  for (const prop of Object.values(schema.properties ?? {}) as Schema[]) {
    const object = prop.type === 'object' ? prop : prop.type === 'array' && (prop.items as Schema).type === 'object' ? (prop.items as Schema) : undefined
    const names = object && ctx.doc.inline.get(object)
    if (!object || !names) continue
    w.blankLine()
    writeInterface(ctx, w, names.type, object as unknown as LexObject, [object.description as string | undefined, deprecation(object.description as string | undefined)], sent)
  }
}

/** Emits the declaration(s) for one non-method def. */
export function writeDef(ctx: ModuleContext, w: Lines, defName: string, def: LexUserType): void {
  const names = ctx.doc.names.get(defName)
  if (!names) return
  // The doc's own description says what its main def is, when that def says nothing itself.
  const own = 'description' in def ? def.description : undefined
  const description = own ?? (defName === 'main' ? ctx.doc.doc.description : undefined)
  const $type = typeId(ctx.doc.nsid, defName)
  const sent = ctx.model.sent.has(`${ctx.doc.nsid}#${defName}`)
  w.blankLineIfLastNot()
  switch (def.type) {
    case 'object':
      writeInterface(ctx, w, names.type, def, [description, deprecation(description)], sent, $type)
      writeGuard(ctx, w, names.type, names.guard!, defName, deprecation(description))
      return
    case 'record': {
      const keyNote = def.key ? `Record key: \`${def.key.replace(/`/g, "'")}\`.` : undefined
      writeInterface(ctx, w, names.type, def.record, [own ?? def.record.description ?? description, keyNote, deprecation(description)], sent, $type)
      writeGuard(ctx, w, names.type, names.guard!, defName, deprecation(description))
      return
    }
    case 'token':
      writeDoc(w, [description, deprecation(description)])
      w.writeLine(`export const ${names.constant} = ${quote($type)}`)
      w.writeLine(`export type ${names.type} = typeof ${names.constant}`)
      return
    default:
      writeDoc(w, fieldDoc({ ...(def as Schema), description }))
      writeTyped(w, `export type ${names.type} = `, typeExpr(ctx, def as Schema, sent))
      if (def.type === 'array') writeInlineInterfaces(ctx, w, { properties: { items: def.items } }, sent)
  }
}

function writeGuard(ctx: ModuleContext, lines: Lines, type: string, guard: string, defName: string, deprecated: string | undefined): void {
  lines.blankLine()
  writeDoc(lines, [`True when \`value\` is ${/^[AEIOU]/.test(type) ? 'an' : 'a'} {@link ${type}} (its \`$type\` says so).`, deprecated])
  lines.writeLine(`export function ${guard}(value: unknown): value is ${rt(ctx, '$Typed')}<${type}> {`)
  lines.indent(() => lines.writeLine(`return ${rtValue(ctx, 'is$typed')}(value, id, ${quote(defName)})`))
  lines.writeLine('}')
}
