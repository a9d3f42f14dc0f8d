/**
 * Validators: every def's lexicon constraints compiled to plain checks, appended to its module
 * as `validateX(value, ctx, at)`, plus `validateParams/Input/Output` and `validators` for methods,
 * and `validation.ts`, the registry by NSID that switches validation on in a Core.
 *
 * The checks mirror @atproto/lexicon 0.6 rule for rule (so lenient mode reaches its verdict on every
 * value); the runtime helpers they call say where its behaviour is surprising. Method descriptors
 * never reference validators, so a program that does not validate does not bundle them.
 */
import type CodeBlockWriter from 'code-block-writer'
import type { LexUserType, LexXrpcBody, LexXrpcProcedure, LexXrpcQuery } from '@atproto/lexicon'
import { typeId, type DocModel, type Model } from '../model.js'
import { resolveRef } from '../select.js'
import { relativeImport } from './module.js'
import { rt, rtValue, type ModuleContext } from './types.js'
import { appendRaw, banner, Lines, MAX_LINE, quote, writeDoc } from './writer.js'

type Schema = { type: string; [key: string]: unknown }
type Target = { readonly doc: DocModel; readonly name: string; readonly def: LexUserType }
type ObjectSchema = { properties?: Record<string, Schema>; required?: string[]; nullable?: string[] }

/** The checks of one value: type tests in order, then the constraints that apply once they pass. */
interface Check {
  readonly tests: [condition: string, onFail: string][]
  readonly body: string[]
}

const FORMATS: Readonly<Record<string, string>> = {
  'at-identifier': 'validAtIdentifier',
  'at-uri': 'validAtUri',
  cid: 'validCid',
  datetime: 'validDatetime',
  did: 'validDid',
  handle: 'validHandle',
  language: 'validLanguage',
  nsid: 'validNsid',
  'record-key': 'validRecordKey',
  tid: 'validTid',
  uri: 'validUri',
}

/** Writes the module's validators; returns the NSIDs of the docs they call into (imported as values). */
export function writeValidators(ctx: ModuleContext, w: CodeBlockWriter): Set<string> {
  const emitter = new ValidatorEmitter(ctx)
  for (const [name, def] of Object.entries(ctx.doc.doc.defs) as [string, LexUserType][]) {
    const fn = ctx.doc.names.get(name)?.validator
    if (fn) emitter.writeDef(w, fn, name, def)
  }
  if (ctx.doc.method) emitter.writeMethod(w)
  for (const [schema, names] of ctx.doc.inline) emitter.writeInline(w, names.validator, names.type, schema as ObjectSchema)
  return emitter.valueImports
}

class ValidatorEmitter {
  readonly valueImports = new Set<string>()

  constructor(private readonly ctx: ModuleContext) {}

  writeDef(w: CodeBlockWriter, fn: string, name: string, def: LexUserType): void {
    const type = this.ctx.doc.names.get(name)!.type
    const lines =
      def.type === 'object' ? this.objectBody(def as ObjectSchema, 'value', typeId(this.ctx.doc.nsid, name))
      : def.type === 'record' ? this.objectBody(def.record as ObjectSchema, 'value', typeId(this.ctx.doc.nsid, name))
      : this.valueBody(def as unknown as Schema)
    this.writeFunction(w, fn, `{@link ${type}}`, lines)
  }

  /** An inline object (a property or array items of type `object`): checked like an object def, with no `$type` of its own. */
  writeInline(w: CodeBlockWriter, fn: string, type: string, schema: ObjectSchema): void {
    this.writeFunction(w, fn, `{@link ${type}}`, this.objectBody(schema, 'value', undefined))
  }

  /** `validateParams/Input/Output` for the JSON parts a method has, and `validators` listing them. */
  writeMethod(w: CodeBlockWriter): void {
    const main = this.ctx.doc.doc.defs.main as LexXrpcQuery | LexXrpcProcedure
    const parts: string[] = []
    if (Object.keys(main.parameters?.properties ?? {}).length) {
      this.writeFunction(w, 'validateParams', 'the query parameters', this.paramsBody(main.parameters as ObjectSchema))
      parts.push('params: validateParams')
    }
    for (const [part, body] of [['Input', main.type === 'procedure' ? main.input : undefined], ['Output', main.output]] as const) {
      if (body?.encoding !== 'application/json' || !body.schema) continue
      this.writeFunction(w, `validate${part}`, `the ${part.toLowerCase()} body`, this.bodyLines(body))
      parts.push(`${part.toLowerCase()}: validate${part}`)
    }
    w.blankLine()
    writeDoc(w, ["For a Core's `validation`: `method` never refers to these, so calls that do not validate do not bundle them."])
    w.writeLine(`export const validators: ${rt(this.ctx, 'MethodValidators')} = { ${parts.join(', ')} }`)
  }

  private writeFunction(w: CodeBlockWriter, fn: string, what: string, lines: string[]): void {
    w.blankLine()
    const doc = new Lines()
    writeDoc(doc, [`Checks \`value\` against ${what}, adding each broken constraint to \`ctx.issues\`.`])
    const params = ['value: unknown', `ctx: ${rt(this.ctx, 'ValidationContext')}`, `at: ${rt(this.ctx, 'PathSegment')} = ''`]
    const head = `export function ${fn}(${params.join(', ')}): boolean {`
    const signature = head.length <= MAX_LINE ? head : `export function ${fn}(\n${params.map((p) => `  ${p},\n`).join('')}): boolean {`
    appendRaw(w, `${doc}\n${signature}\n${lines.flatMap((line) => fit(line, 2)).map((line) => `  ${line}\n`).join('')}}`)
  }

  /** An object def, a record, or an inline body object. `id` is the `$type` strict mode allows. */
  private objectBody(schema: ObjectSchema, value: string, id: string | undefined): string[] {
    return [
      `if (!${this.rt('isObject')}(value)) return ${this.rt('wrongType')}(ctx, at, 'an object', value)`,
      ...this.fieldLines(schema, value, id),
    ]
  }

  /** Params: as in @atproto/lexicon, anything but an object counts as no params at all. */
  private paramsBody(schema: ObjectSchema): string[] {
    return [
      `const params: ${rt(this.ctx, 'UnknownObject')} = ${this.rt('isObject')}(value) ? value : {}`,
      ...this.fieldLines(schema, 'params', undefined),
    ]
  }

  private fieldLines(schema: ObjectSchema, value: string, id: string | undefined): string[] {
    const props = Object.entries(schema.properties ?? {})
    const lines = ['const start = ctx.issues.length']
    if (props.length) lines.push('let x: unknown')
    const required = new Set(schema.required ?? [])
    const nullable = new Set(schema.nullable ?? [])
    for (const [key, prop] of props) {
      lines.push(`x = ${access(value, key)}`)
      lines.push(...this.fieldCheck(prop, pathOf(key), required.has(key) && !this.hasDefault(prop), nullable.has(key)))
    }
    const fields = `[${props.map(([key]) => quote(key)).join(', ')}]`
    lines.push(`if (ctx.strict) ${this.rt('unknownFields')}(ctx, ${value}, ${fields}${id ? `, ${quote(id)}` : ''})`)
    lines.push(`return ${this.rt('checked')}(ctx, start, at)`)
    return lines
  }

  /** A field read into `x`: missing (when required, unless a default applies), null (when nullable), else checked. */
  private fieldCheck(schema: Schema, path: string, required: boolean, nullable: boolean): string[] {
    const check = this.check(schema, 'x', path)
    if (required && !nullable) return render([['x === undefined', `${this.rt('missing')}(ctx, ${path})`]], check)
    if (required) return [`if (x === undefined) ${this.rt('missing')}(ctx, ${path})`, 'else if (x !== null) {', ...indent(render([], check)), '}']
    const present = nullable ? 'x !== undefined && x !== null' : 'x !== undefined'
    if (check.tests.length === 1 && check.body.length === 0) {
      const [condition, onFail] = check.tests[0]!
      return [`if (${present} && ${condition.includes('||') ? `(${condition})` : condition}) ${onFail}`]
    }
    if (check.tests.length === 0 && check.body.length === 1) return [`if (${present}) ${check.body[0]}`]
    return [`if (${present}) {`, ...indent(render([], check)), '}']
  }

  /** A def that is not an object: a string with knownValues, an array, a blob... */
  private valueBody(schema: Schema): string[] {
    return ['const start = ctx.issues.length', ...render([], this.check(schema, 'value', "''")), `return ${this.rt('checked')}(ctx, start, at)`]
  }

  /** Input or output: an object, a ref or a union, always an object (as @atproto/lexicon's `mustBeObj`). */
  private bodyLines(body: LexXrpcBody): string[] {
    const schema = body.schema as unknown as Schema
    if (schema.type === 'object') return this.objectBody(schema as ObjectSchema, 'value', undefined)
    const isObject = `if (!${this.rt('isObject')}(value)) return ${this.rt('wrongType')}(ctx, at, 'an object', value)`
    if (schema.type === 'ref') {
      const target = this.target(schema.ref as string)
      if (target.def.type === 'object') return [`return ${this.validatorOf(target)}(value, ctx, at)`]
      return [isObject, 'return true'] // a body ref to anything else is only checked to be an object
    }
    return ['const start = ctx.issues.length', ...this.union(schema, 'value', "''", true), `return ${this.rt('checked')}(ctx, start, at)`]
  }

  /** The checks for `value` (an expression) at `path` (a PathSegment expression). */
  private check(schema: Schema, value: string, path: string): Check {
    const test = (condition: string, expected: string): [string, string] => [
      condition,
      `${this.rt('wrongType')}(ctx, ${path}, ${quote(expected)}, ${value})`,
    ]
    switch (schema.type) {
      case 'string':
        return { tests: [test(`typeof ${value} !== 'string'`, 'a string')], body: this.stringConstraints(schema, value, path) }
      case 'integer':
        return {
          tests: [test(`typeof ${value} !== 'number' || !Number.isInteger(${value})`, 'an integer')],
          body: [
            ...this.valueConstraints(schema, value, path),
            ...(typeof schema.maximum === 'number'
              ? [`if (${value} > ${schema.maximum}) ${this.rt('issue')}(ctx, ${path}, \`\${${value}} > maximum ${schema.maximum}\`)`]
              : []),
            ...(typeof schema.minimum === 'number'
              ? [`if (${value} < ${schema.minimum}) ${this.rt('issue')}(ctx, ${path}, \`\${${value}} < minimum ${schema.minimum}\`)`]
              : []),
          ],
        }
      case 'boolean':
        return { tests: [test(`typeof ${value} !== 'boolean'`, 'a boolean')], body: this.valueConstraints(schema, value, path) }
      case 'unknown':
        return { tests: [test(`!${this.rt('isObject')}(${value})`, 'an object')], body: [] }
      case 'bytes':
        return { tests: [], body: [`${this.rt('checkBytes')}(ctx, ${path}, ${value}${optionalArgs(schema.minLength, schema.maxLength)})`] }
      case 'cid-link':
        return { tests: [], body: [`${this.rt('checkCidLink')}(ctx, ${path}, ${value})`] }
      case 'blob': {
        const accept = Array.isArray(schema.accept) ? `[${schema.accept.map((a) => quote(String(a))).join(', ')}]` : undefined
        return { tests: [], body: [`${this.rt('checkBlob')}(ctx, ${path}, ${value}${optionalArgs(accept, schema.maxSize)})`] }
      }
      case 'array':
        return { tests: [test(`!Array.isArray(${value})`, 'an array')], body: this.arrayConstraints(schema, value, path) }
      case 'ref':
        return { tests: [], body: [this.refCall(schema.ref as string, value, path)] }
      case 'union':
        return { tests: [], body: this.union(schema, value, path, false) }
      case 'object':
        return { tests: [], body: [`${this.inlineValidator(schema)}(${value}, ctx, ${path})`] }
      default:
        throw new Error(`no validator for lexicon type '${schema.type}' in ${this.ctx.doc.nsid}`)
    }
  }

  private stringConstraints(schema: Schema, value: string, path: string): string[] {
    const lines = this.valueConstraints(schema, value, path)
    if (Array.isArray(schema.knownValues) && schema.knownValues.length && !Array.isArray(schema.enum) && schema.const === undefined) {
      lines.push(`if (ctx.strict) ${this.rt('knownValue')}(ctx, ${path}, ${value}, ${literalList(schema.knownValues)})`)
    }
    const measure = (key: string, helper: string) => {
      if (typeof schema[key] === 'number') lines.push(`${this.rt(helper)}(ctx, ${path}, ${value}, ${schema[key]})`)
    }
    measure('minLength', 'minBytes')
    measure('maxLength', 'maxBytes')
    measure('minGraphemes', 'minGraphemes')
    measure('maxGraphemes', 'maxGraphemes')
    const format = typeof schema.format === 'string' ? FORMATS[schema.format] : undefined
    if (format) lines.push(`if (!${this.rt(format)}(${value})) ${this.rt('badFormat')}(ctx, ${path}, ${quote(String(schema.format))}, ${value})`)
    return lines
  }

  /** `const` and `enum`, shared by strings, integers and booleans. */
  private valueConstraints(schema: Schema, value: string, path: string): string[] {
    const lines: string[] = []
    if (schema.const !== undefined) lines.push(`${this.rt('oneOf')}(ctx, ${path}, ${value}, [${literal(schema.const)}])`)
    if (Array.isArray(schema.enum)) lines.push(`${this.rt('oneOf')}(ctx, ${path}, ${value}, ${literalList(schema.enum)})`)
    return lines
  }

  /** Length limits, then each item: item issues carry their index, and the array's path is added once after the loop. */
  private arrayConstraints(schema: Schema, value: string, path: string): string[] {
    const lines: string[] = []
    if (typeof schema.maxLength === 'number') {
      lines.push(`if (${value}.length > ${schema.maxLength}) ${this.rt('issue')}(ctx, ${path}, \`\${${value}.length} items > maxLength ${schema.maxLength}\`)`)
    }
    if (typeof schema.minLength === 'number') {
      lines.push(`if (${value}.length < ${schema.minLength}) ${this.rt('issue')}(ctx, ${path}, \`\${${value}.length} items < minLength ${schema.minLength}\`)`)
    }
    // One statement checks `x[i]` in place (a ref, bytes, a blob); anything more reads it into `item` once.
    const direct = this.check(schema.items as Schema, `${value}[i]`, 'i')
    const loop = 'for (let i = 0; i < ' + value + '.length; i++)'
    lines.push('const before = ctx.issues.length')
    if (direct.tests.length === 0 && direct.body.length === 1) {
      lines.push(`${loop} ${direct.body[0]}`)
    } else {
      lines.push(`${loop} {`, '  const item = ' + value + '[i]', ...indent(render([], this.check(schema.items as Schema, 'item', 'i'))), '}')
    }
    lines.push(`${this.rt('checked')}(ctx, before, ${path})`)
    return lines
  }

  /**
   * `$type` decides which member's validator runs. An unknown `$type` fails a closed union, and an
   * open one only in strict mode. In a body (`asBody`) a member is only required to be an object.
   */
  private union(schema: Schema, value: string, path: string, asBody: boolean): string[] {
    const targets = new Map((schema.refs as string[]).map((ref) => [this.typeOf(ref), ref]))
    const lines = [`const type = ${this.rt('unionType')}(ctx, ${path}, ${value})`]
    for (const [id, ref] of targets) {
      const call = asBody && this.target(ref).def.type !== 'object' ? '{}' : this.refCall(ref, value, path)
      lines.push(`${lines.length > 1 ? 'else ' : ''}if (type === ${quote(id)}) ${call}`)
    }
    const unknown = schema.closed ? 'type !== undefined' : 'type !== undefined && ctx.strict'
    const list = `[${[...targets.keys()].map(quote).join(', ')}]`
    lines.push(`${lines.length > 1 ? 'else ' : ''}if (${unknown}) ${this.rt('notAMember')}(ctx, ${path}, type, ${list})`)
    return lines
  }

  /** The call that checks a ref'd def; records and tokens cannot be checked in place, exactly as in @atproto/lexicon. */
  private refCall(ref: string, value: string, path: string): string {
    const target = this.target(ref)
    if (target.def.type === 'record' || target.def.type === 'token') {
      return `${this.rt('issue')}(ctx, ${path}, ${quote(`cannot be validated: ${ref} is a ${target.def.type}, which @atproto/lexicon rejects here`)})`
    }
    return `${this.validatorOf(target)}(${value}, ctx, ${path})`
  }

  /** The `$type` that names a ref'd def: `nsid#name`, or just `nsid` for main. */
  private typeOf(ref: string): string {
    const { doc, name } = this.target(ref)
    return typeId(doc.nsid, name)
  }

  private target(ref: string): Target {
    const { nsid, def: name } = resolveRef(this.ctx.doc.nsid, ref)
    const doc = this.ctx.model.byNsid.get(nsid)
    const def = doc && Object.hasOwn(doc.doc.defs, name) ? (doc.doc.defs[name] as LexUserType) : undefined
    if (!doc || !def) throw new Error(`unresolved reference '${ref}' in ${this.ctx.doc.nsid} (select should have caught it)`)
    return { doc, name, def }
  }

  /** The expression for a target's validator; another doc's is called through its (now value) import. */
  private validatorOf({ doc, name, def }: Target): string {
    const fn = doc.names.get(name)?.validator
    if (!fn) throw new Error(`a ref in ${this.ctx.doc.nsid} names ${doc.nsid}#${name}, a ${def.type}`)
    if (doc === this.ctx.doc) return fn
    this.valueImports.add(doc.nsid)
    return `${this.ctx.doc.imports.get(doc.nsid)}.${fn}`
  }

  private inlineValidator(schema: Schema): string {
    const names = this.ctx.doc.inline.get(schema)
    if (!names) throw new Error(`an inline object in ${this.ctx.doc.nsid} has no validator (model should have named it)`)
    return names.validator
  }

  /** A missing value passes when the lexicon gives it a default (@atproto/lexicon fills it in). */
  private hasDefault(schema: Schema): boolean {
    const resolved = schema.type === 'ref' ? (this.target(schema.ref as string).def as unknown as Schema) : schema
    return ['integer', 'boolean', 'string'].includes(resolved.type) && resolved.default !== undefined
  }

  private rt(name: string): string {
    return rtValue(this.ctx, name)
  }
}

/** Type tests as an `if / else if` chain, then the constraints, braced when there is more than one. */
function render(lead: [string, string][], check: Check): string[] {
  const chain = [...lead, ...check.tests]
  if (chain.length === 0) return check.body
  const lines = chain.map(([condition, onFail], i) => `${i ? 'else ' : ''}if (${condition}) ${onFail}`)
  if (check.body.length === 1 && !check.body[0]!.endsWith('{')) lines.push(`else ${check.body[0]}`)
  else if (check.body.length) lines.push('else {', ...indent(check.body), '}')
  return lines
}

function indent(lines: string[]): string[] {
  return lines.map((line) => `  ${line}`)
}

/**
 * Breaks a line that would pass the width (`base` is the indentation it will get) as a formatter
 * would: an `if`'s statement onto the next line, then a call's arguments one per line, then an
 * array argument's items one per line.
 */
function fit(line: string, base: number): string[] {
  if (base + line.length <= MAX_LINE) return [line]
  const pad = /^ */.exec(line)![0]
  const text = line.slice(pad.length)
  const condition = /^(?:else )?if \(/.exec(text)
  if (condition) {
    const close = closing(text, condition[0].length - 1)
    const statement = text.slice(close + 1).trim()
    if (statement !== '' && !statement.endsWith('{')) return [pad + text.slice(0, close + 1), ...fit(`${pad}  ${statement}`, base)]
  }
  const open = text.indexOf('(')
  if (open > 0 && /^[\w$.]+$/.test(text.slice(0, open)) && closing(text, open) === text.length - 1) {
    const list = splitArgs(text.slice(open + 1, -1))
    const last = list.at(-1)!
    const hugged = `${pad}${text.slice(0, open + 1)}${list.slice(0, -1).join(', ')}, [`
    if (last.startsWith('[') && last.endsWith(']') && base + hugged.length <= MAX_LINE) {
      return [hugged, ...splitArgs(last.slice(1, -1)).map((item) => `${pad}  ${item},`), `${pad}])`]
    }
    const args = list.map((arg) => `${pad}  ${arg},`)
    const broken = args.flatMap((arg) => {
      if (base + arg.length <= MAX_LINE || !arg.trimStart().startsWith('[')) return [arg]
      const items = splitArgs(arg.trim().slice(1, -2)).map((item) => `${pad}    ${item},`)
      return [`${pad}  [`, ...items, `${pad}  ],`]
    })
    return [pad + text.slice(0, open + 1), ...broken, `${pad})`]
  }
  return [line]
}

/** The index of the bracket closing the one at `open`, skipping string and template literals. */
function closing(text: string, open: number): number {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    const c = text[i]!
    if (c === "'" || c === '`') i = endOfLiteral(text, i)
    else if (c === '(' || c === '[' || c === '{') depth++
    else if ((c === ')' || c === ']' || c === '}') && --depth === 0) return i
  }
  return -1
}

function endOfLiteral(text: string, start: number): number {
  let i = start + 1
  while (i < text.length && text[i] !== text[start]) i += text[i] === '\\' ? 2 : 1
  return i
}

/** Top-level comma-separated parts of an argument or item list. */
function splitArgs(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === "'" || c === '`') i = endOfLiteral(text, i)
    else if (c === '(' || c === '[' || c === '{') depth++
    else if (c === ')' || c === ']' || c === '}') depth--
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim())
      start = i + 1
    }
  }
  parts.push(text.slice(start).trim())
  return parts
}

/**
 * Reads a field. A key that every object inherits (`constructor`, `__proto__`, `toString`) is read
 * only when the value has it as its own, or `{}` would seem to hold it.
 */
function access(value: string, key: string): string {
  const read = /^[A-Za-z_$][\w$]*$/.test(key) ? `${value}.${key}` : `${value}[${quote(key)}]`
  return key in Object.prototype ? `(Object.prototype.hasOwnProperty.call(${value}, ${quote(key)}) ? ${read} : undefined)` : read
}

/** The PathSegment literal for a field: `'.text'`, or `'["odd-key"]'`. */
function pathOf(key: string): string {
  return quote(/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`)
}

function literal(value: unknown): string {
  return typeof value === 'string' ? quote(value) : String(value)
}

function literalList(values: readonly unknown[]): string {
  return `[${values.map(literal).join(', ')}]`
}

/** Trailing optional arguments, `undefined` only where a later one is given. */
function optionalArgs(...args: unknown[]): string {
  while (args.length && args.at(-1) === undefined) args.pop()
  return args.map((arg) => `, ${arg === undefined ? 'undefined' : String(arg)}`).join('')
}

/** `validation.ts`: every method's validators by NSID, for `new Core({ validation })`; the Client installs it. */
export function emitValidationModule(model: Model): string {
  const methods = model.docs.filter((doc) => doc.method)
  const lines = [`import type { ValidationRegistry } from ${quote(model.runtimeImport)}`]
  for (const doc of methods) lines.push(`import { validators as ${doc.method!.functionName} } from ${quote(relativeImport(`validation${model.fileExt}`, doc.path))}`)
  lines.push(
    '',
    '/**',
    ' * Validators for every selected method, by NSID. Give it to a Core (`new Core({ service, validation })`)',
    ' * to validate requests before sending and responses on arrival; the Client installs it by default.',
    ' * A program that calls few methods can pass just theirs (`{ [id]: validators }`) to keep its bundle small.',
    ' */',
    'export const validation: ValidationRegistry = {',
    ...methods.map((doc) => `  ${quote(doc.nsid)}: ${doc.method!.functionName},`),
    '}',
  )
  return banner('the selected lexicons') + lines.join('\n') + '\n'
}
