/**
 * Validators: every def's lexicon constraints compiled to plain checks, appended to its module
 * as `validateX(value, ctx, at)`, plus `validateParams/Input/Output` and `validators` for methods.
 * They call the helpers of `@lexgen/runtime/validate`, imported as the namespace `v`.
 *
 * The checks mirror @atproto/lexicon 0.6 rule for rule (so lenient mode reaches its verdict on every
 * value); the runtime helpers they call say where its behaviour is surprising. Method descriptors
 * never reference validators, so a program that does not validate does not bundle them.
 */
import type {
  LexArray,
  LexBlob,
  LexBoolean,
  LexInteger,
  LexObject,
  LexRefUnion,
  LexString,
  LexUserType,
  LexXrpcBody,
  LexXrpcParameters,
  LexXrpcProcedure,
  LexXrpcQuery,
} from '@atproto/lexicon'
import { typeId, VALIDATE_NAMESPACE, type DocModel } from '../model.js'
import { FORMAT_HELPERS } from '../string-formats.js'
import { resolveRef } from '../select.js'
import { fit, MAX_LINE } from './layout.js'
import { recursiveDefs } from './recursion.js'
import { rt, type ModuleContext } from './types.js'
import { Lines, quote, writeDoc } from './writer.js'

/** What a value can be declared as: a property, an array item, or a def that is not an object. */
/** A field's schema: a lexicon value type, or an inline object (see the model's `inline`). */
type ValueSchema = LexArray | LexArray['items'] | LexObject
type Target = { readonly doc: DocModel; readonly name: string; readonly def: LexUserType }

/** The checks of one value: type tests in order, then the constraints that apply once they pass. */
interface Check {
  readonly tests: [condition: string, onFail: string][]
  readonly body: string[]
}

/** A helper of `@lexgen/runtime/validate`, as generated code calls it. */
const v = (name: string): string => `${VALIDATE_NAMESPACE}.${name}`

/** What the module's validators need imported. */
export interface ValidatorImports {
  /** Whether any validator was written (they call `@lexgen/runtime/validate`). */
  readonly helpers: boolean
  /** The NSIDs of the docs they call into (imported as values). */
  readonly docs: ReadonlySet<string>
}

/** Writes the module's validators. */
export function writeValidators(ctx: ModuleContext, w: Lines): ValidatorImports {
  const emitter = new ValidatorEmitter(ctx)
  let helpers = false
  for (const [name, def] of Object.entries(ctx.doc.doc.defs) as [string, LexUserType][]) {
    const fn = ctx.doc.names.get(name)?.validator
    if (fn) emitter.writeDef(w, fn, name, def)
    helpers ||= fn !== undefined
  }
  if (ctx.doc.method) emitter.writeMethod(w)
  for (const [schema, names] of ctx.doc.inline) emitter.writeInline(w, names.validator, names.type, schema as LexObject)
  return { helpers: helpers || ctx.doc.method !== undefined || ctx.doc.inline.size > 0, docs: emitter.valueImports }
}

/** Fields one function checks at most (see fieldLines). */
const FIELDS_PER_FUNCTION = 200

class ValidatorEmitter {
  readonly valueImports = new Set<string>()
  /** The functions checking part of a wide object's fields, written after the validator that calls them. */
  private readonly chunkFunctions: { fn: string; value: string; lines: string[] }[] = []
  private chunks = 0

  constructor(private readonly ctx: ModuleContext) {}

  writeDef(w: Lines, fn: string, name: string, def: LexUserType): void {
    const type = this.ctx.doc.names.get(name)!.type
    const id = typeId(this.ctx.doc.nsid, name)
    const body =
      def.type === 'object' ? this.objectBody(def, id)
      : def.type === 'record' ? this.objectBody(def.record, id)
      : this.valueBody(def as ValueSchema)
    // Only defs on a reference cycle can nest without end: they alone spend the nesting budget.
    const recursive = recursiveDefs(this.ctx.model).has(`${this.ctx.doc.nsid}#${name}`)
    this.writeFunction(w, fn, `{@link ${type}}`, recursive ? nested(body) : body)
  }

  /** An inline object (a property or array items of type `object`): checked like an object def, with no `$type` of its own. */
  writeInline(w: Lines, fn: string, type: string, schema: LexObject): void {
    this.writeFunction(w, fn, `{@link ${type}}`, this.objectBody(schema, undefined))
  }

  /** `validateParams/Input/Output` for the JSON parts a method has, and `validators` listing them. */
  writeMethod(w: Lines): void {
    const main = this.ctx.doc.doc.defs.main as LexXrpcQuery | LexXrpcProcedure
    const parts: string[] = []
    if (main.parameters && Object.keys(main.parameters.properties ?? {}).length) {
      this.writeFunction(w, 'validateParams', 'the query parameters', this.paramsBody(main.parameters))
      parts.push('params: validateParams')
    }
    for (const [part, body] of [['Input', main.type === 'procedure' ? main.input : undefined], ['Output', main.output]] as const) {
      if (body?.encoding !== 'application/json' || !body.schema) continue
      this.writeFunction(w, `validate${part}`, `the ${part.toLowerCase()} body`, this.bodyLines(body))
      parts.push(`${part.toLowerCase()}: validate${part}`)
    }
    w.blankLine()
    writeDoc(w, ["For a Core's `validation`: `method` never refers to these, so calls that do not validate do not bundle them."])
    w.writeLine(`export const validators: ${v('MethodValidators')} = ${parts.length ? `{ ${parts.join(', ')} }` : '{}'}`)
  }

  /** Built as one text: validators are most of a module's text. */
  private writeFunction(w: Lines, fn: string, what: string, lines: string[]): void {
    w.blankLine()
    const doc = new Lines()
    writeDoc(doc, [`Checks \`value\` against ${what}, adding each broken constraint to \`ctx.issues\`.`])
    const params = ['value: unknown', `ctx: ${v('ValidationContext')}`, `at: ${v('PathSegment')} = ''`]
    const head = `export function ${fn}(${params.join(', ')}): boolean {`
    const signature = head.length <= MAX_LINE ? head : `export function ${fn}(\n${params.map((p) => `  ${p},\n`).join('')}): boolean {`
    w.append(`${doc}\n${signature}\n${lines.flatMap((line) => fit(line, 2)).map((line) => `  ${line}\n`).join('')}}`)
    for (const chunk of this.chunkFunctions.splice(0)) {
      w.blankLine()
      w.append(`function ${chunk.fn}(${chunk.value}: ${rt(this.ctx, 'UnknownObject')}, ctx: ${v('ValidationContext')}): void {\n${chunk.lines.flatMap((line) => fit(line, 2)).map((line) => `  ${line}\n`).join('')}}`)
    }
  }

  /** An object def, a record, or an inline body object. `id` is the `$type` strict mode allows. */
  private objectBody(schema: LexObject, id: string | undefined): string[] {
    return [`if (!${v('isObject')}(value)) return ${v('wrongType')}(ctx, at, 'an object', value)`, ...this.fieldLines(schema, 'value', id)]
  }

  /** Params: as in @atproto/lexicon, anything but an object counts as no params at all. */
  private paramsBody(schema: LexXrpcParameters): string[] {
    return [`const params: ${rt(this.ctx, 'UnknownObject')} = ${v('isObject')}(value) ? value : {}`, ...this.fieldLines(schema, 'params', undefined)]
  }

  private fieldLines(schema: LexObject | LexXrpcParameters, value: string, id: string | undefined): string[] {
    const props = Object.entries(schema.properties ?? {}) as [string, ValueSchema][]
    const lines = ['const start = ctx.issues.length']
    const required = new Set(schema.required ?? [])
    const nullable = new Set('nullable' in schema ? (schema.nullable ?? []) : [])
    const checks = (some: [string, ValueSchema][]) => [
      ...(some.length ? ['let x: unknown'] : []),
      ...some.flatMap(([key, prop]) => [`x = ${access(value, key)}`, ...this.fieldCheck(prop, pathOf(key), required.has(key) && !this.hasDefault(prop), nullable.has(key))]),
    ]
    if (props.length <= FIELDS_PER_FUNCTION) lines.push(...checks(props))
    else {
      // TypeScript gives up on one function checking hundreds of fields ("too large for control flow
      // analysis", TS2563, from ~400): they are checked in functions of their own, in order.
      for (let i = 0; i < props.length; i += FIELDS_PER_FUNCTION) {
        const fn = `checkFields${++this.chunks}`
        this.chunkFunctions.push({ fn, value, lines: checks(props.slice(i, i + FIELDS_PER_FUNCTION)) })
        lines.push(`${fn}(${value}, ctx)`)
      }
    }
    const fields = `[${props.map(([key]) => quote(key)).join(', ')}]`
    // Unknown params are refused in every mode (validate.ts says why); unknown fields only strictly.
    if (schema.type === 'params') lines.push(`${v('unknownParams')}(ctx, ${value}, ${fields})`)
    else lines.push(`if (ctx.strict) ${v('unknownFields')}(ctx, ${value}, ${fields}${id ? `, ${quote(id)}` : ''})`)
    lines.push(`return ${v('checked')}(ctx, start, at)`)
    return lines
  }

  /** A field read into `x`: missing (when required, unless a default applies), null (when nullable), else checked. */
  private fieldCheck(schema: ValueSchema, path: string, required: boolean, nullable: boolean): string[] {
    const check = this.check(schema, 'x', path)
    if (required && !nullable) return render([['x === undefined', `${v('missing')}(ctx, ${path})`]], check)
    if (required) return [`if (x === undefined) ${v('missing')}(ctx, ${path})`, 'else if (x !== null) {', ...indent(render([], check)), '}']
    const present = nullable ? 'x !== undefined && x !== null' : 'x !== undefined'
    if (check.tests.length === 1 && check.body.length === 0) {
      const [condition, onFail] = check.tests[0]!
      return [`if (${present} && ${condition.includes('||') ? `(${condition})` : condition}) ${onFail}`]
    }
    if (check.tests.length === 0 && check.body.length === 1) return [`if (${present}) ${check.body[0]}`]
    return [`if (${present}) {`, ...indent(render([], check)), '}']
  }

  /** A def that is not an object: a string with knownValues, an array, a blob... */
  private valueBody(schema: ValueSchema): string[] {
    return ['const start = ctx.issues.length', ...render([], this.check(schema, 'value', "''")), `return ${v('checked')}(ctx, start, at)`]
  }

  /** Input or output: an object, a ref or a union, always an object (as @atproto/lexicon's `mustBeObj`). */
  private bodyLines(body: LexXrpcBody): string[] {
    const schema = body.schema!
    if (schema.type === 'object') return this.objectBody(schema, undefined)
    const isObject = `if (!${v('isObject')}(value)) return ${v('wrongType')}(ctx, at, 'an object', value)`
    if (schema.type === 'ref') {
      const target = this.target(schema.ref)
      if (target.def.type === 'object') return [`return ${this.validatorOf(target)}(value, ctx, at)`]
      return [isObject, 'return true'] // a body ref to anything else is only checked to be an object
    }
    return ['const start = ctx.issues.length', ...this.union(schema, 'value', "''", true), `return ${v('checked')}(ctx, start, at)`]
  }

  /** The checks for `value` (an expression) at `path` (a PathSegment expression). */
  private check(schema: ValueSchema, value: string, path: string): Check {
    const test = (condition: string, expected: string): [string, string] => [condition, `${v('wrongType')}(ctx, ${path}, ${quote(expected)}, ${value})`]
    switch (schema.type) {
      case 'string':
        return { tests: [test(`typeof ${value} !== 'string'`, 'a string')], body: this.stringConstraints(schema, value, path) }
      case 'integer':
        return { tests: [test(`typeof ${value} !== 'number' || !Number.isInteger(${value})`, 'an integer')], body: this.integerConstraints(schema, value, path) }
      case 'boolean':
        return { tests: [test(`typeof ${value} !== 'boolean'`, 'a boolean')], body: this.valueConstraints(schema, value, path) }
      case 'unknown':
        return { tests: [test(`!${v('isObject')}(${value})`, 'an object')], body: [] }
      case 'bytes':
        return { tests: [], body: [`${v('checkBytes')}(ctx, ${path}, ${value}${optionalArgs(schema.minLength, schema.maxLength)})`] }
      case 'cid-link':
        return { tests: [], body: [`${v('checkCidLink')}(ctx, ${path}, ${value})`] }
      case 'blob':
        return { tests: [], body: [`${v('checkBlob')}(ctx, ${path}, ${value}${this.blobArgs(schema)})`] }
      case 'array':
        return { tests: [test(`!Array.isArray(${value})`, 'an array')], body: this.arrayConstraints(schema, value, path) }
      case 'ref':
        return { tests: [], body: [this.refCall(schema.ref, value, path)] }
      case 'union':
        return { tests: [], body: this.union(schema, value, path, false) }
      case 'object':
        return { tests: [], body: [`${this.inlineValidator(schema)}(${value}, ctx, ${path})`] }
      default:
        throw new Error(`no validator for lexicon type '${(schema as { type: string }).type}' in ${this.ctx.doc.nsid}`)
    }
  }

  private stringConstraints(schema: LexString, value: string, path: string): string[] {
    const lines = this.valueConstraints(schema, value, path)
    if (schema.knownValues?.length && !schema.enum && schema.const === undefined) {
      lines.push(`if (ctx.strict) ${v('knownValue')}(ctx, ${path}, ${value}, ${literalList(schema.knownValues)})`)
    }
    const measure = (limit: number | undefined, helper: string) => {
      if (limit !== undefined) lines.push(`${v(helper)}(ctx, ${path}, ${value}, ${limit})`)
    }
    measure(schema.minLength, 'minBytes')
    measure(schema.maxLength, 'maxBytes')
    measure(schema.minGraphemes, 'minGraphemes')
    measure(schema.maxGraphemes, 'maxGraphemes')
    if (schema.format) lines.push(`if (!${v(FORMAT_HELPERS[schema.format])}(${value})) ${v('badFormat')}(ctx, ${path}, ${quote(schema.format)}, ${value})`)
    return lines
  }

  private integerConstraints(schema: LexInteger, value: string, path: string): string[] {
    const lines = this.valueConstraints(schema, value, path)
    if (schema.maximum !== undefined) lines.push(`${v('maximum')}(ctx, ${path}, ${value}, ${schema.maximum})`)
    if (schema.minimum !== undefined) lines.push(`${v('minimum')}(ctx, ${path}, ${value}, ${schema.minimum})`)
    return lines
  }

  /** `const` and `enum`, shared by strings, integers and booleans. */
  private valueConstraints(schema: LexString | LexInteger | LexBoolean, value: string, path: string): string[] {
    const lines: string[] = []
    if (schema.const !== undefined) lines.push(`${v('oneOf')}(ctx, ${path}, ${value}, [${literal(schema.const)}])`)
    if ('enum' in schema && schema.enum) lines.push(`${v('oneOf')}(ctx, ${path}, ${value}, ${literalList(schema.enum)})`)
    return lines
  }

  /** Length limits, then each item: item issues carry their index, and the array's path is added once after the loop. */
  private arrayConstraints(schema: LexArray, value: string, path: string): string[] {
    const lines: string[] = []
    if (schema.maxLength !== undefined) lines.push(`${v('maxItems')}(ctx, ${path}, ${value}, ${schema.maxLength})`)
    if (schema.minLength !== undefined) lines.push(`${v('minItems')}(ctx, ${path}, ${value}, ${schema.minLength})`)
    // One statement checks `x[i]` in place (a ref, bytes, a blob); anything more reads it into `item` once.
    const direct = this.check(schema.items, `${value}[i]`, 'i')
    const loop = `for (let i = 0; i < ${value}.length; i++)`
    lines.push('const before = ctx.issues.length')
    if (direct.tests.length === 0 && direct.body.length === 1) {
      lines.push(`${loop} ${direct.body[0]}`)
    } else {
      lines.push(`${loop} {`, `  const item = ${value}[i]`, ...indent(render([], this.check(schema.items, 'item', 'i'))), '}')
    }
    lines.push(`${v('checked')}(ctx, before, ${path})`)
    return lines
  }

  private blobArgs(schema: LexBlob): string {
    return optionalArgs(schema.accept ? `[${schema.accept.map(quote).join(', ')}]` : undefined, schema.maxSize)
  }

  /**
   * `$type` decides which member's validator runs: compared as written first, as nearly every value
   * spells it; anything else goes to `otherType` with the member table, which normalizes it (or
   * reports it) and dispatches again. An unknown `$type` fails a closed union, and an open one only
   * in strict mode. In a body (`asBody`) a member that is not an object def asks for an object only.
   */
  private union(schema: LexRefUnion, value: string, path: string, asBody: boolean): string[] {
    const targets = [...new Map(schema.refs.map((ref) => [this.typeOf(ref), ref]))]
    const anyObject = (ref: string) => asBody && this.target(ref).def.type !== 'object'
    // An open union with no members (`refs: []`, a field any typed object may fill) has no `$type`
    // to compare: no `type` then, which noUnusedLocals would refuse in a user's project.
    const lines = targets.length ? [`const type = ${v('typeOf')}(${value})`] : []
    for (const [id, ref] of targets) {
      lines.push(`${lines.length > 1 ? 'else ' : ''}if (type === ${quote(id)}) ${anyObject(ref) ? '{}' : this.refCall(ref, value, path)}`)
    }
    const members = targets.map(([id, ref]) => `[${quote(id)}, ${anyObject(ref) ? v('anyObject') : this.memberValidator(ref)}]`)
    lines.push(`${lines.length > 1 ? 'else ' : ''}${v('otherType')}(ctx, ${path}, ${value}, ${schema.closed === true}, [${members.join(', ')}])`)
    return lines
  }

  /** A member's validator as a value: the def's, or for a record or token one that reports why it cannot be checked. */
  private memberValidator(ref: string): string {
    const target = this.target(ref)
    if (target.def.type === 'record' || target.def.type === 'token') return `(_, ctx, at = '') => ${this.refCall(ref, '_', 'at')}`
    return this.validatorOf(target)
  }

  /** The call that checks a ref'd def; records and tokens cannot be checked in place, exactly as in @atproto/lexicon. */
  private refCall(ref: string, value: string, path: string): string {
    const target = this.target(ref)
    if (target.def.type === 'record' || target.def.type === 'token') {
      return `${v('issue')}(ctx, ${path}, ${quote(`cannot be validated: ${ref} is a ${target.def.type}, which @atproto/lexicon rejects here`)})`
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

  private inlineValidator(schema: object): string {
    const names = this.ctx.doc.inline.get(schema)
    if (!names) throw new Error(`an inline object in ${this.ctx.doc.nsid} has no validator (model should have named it)`)
    return names.validator
  }

  /** A missing value passes when the lexicon gives it a default (@atproto/lexicon fills it in). */
  private hasDefault(schema: ValueSchema): boolean {
    const resolved = schema.type === 'ref' ? this.target(schema.ref).def : schema
    return (resolved.type === 'integer' || resolved.type === 'boolean' || resolved.type === 'string') && resolved.default !== undefined
  }
}

/**
 * A validator body that spends one level of the nesting budget (`ctx.depthLeft`, set by the
 * runtime's `validate`) while it runs, and refuses the value when none is left: a hostile value
 * nested thousands deep becomes an issue, not a stack overflow. `lines` end with the one final
 * return; an early one (an object's type test) comes before anything is spent.
 */
function nested(lines: string[]): string[] {
  const typeTest = lines[0]!.startsWith(`if (!${v('isObject')}(value)) return`) ? 1 : 0
  return [...lines.slice(0, typeTest), `if (--ctx.depthLeft < 0) return ${v('tooDeep')}(ctx, at)`, ...lines.slice(typeTest, -1), 'ctx.depthLeft++', lines.at(-1)!]
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
 * Reads a field, as `value['key']`: `value` is an index-signature object, which users'
 * `noPropertyAccessFromIndexSignature` (in @tsconfig/strictest) lets no one read as `value.key`.
 * A key that every object inherits (`constructor`, `__proto__`, `toString`) is read only when the
 * value has it as its own, or `{}` would seem to hold it.
 */
function access(value: string, key: string): string {
  const read = `${value}[${quote(key)}]`
  return key in Object.prototype ? `(Object.prototype.hasOwnProperty.call(${value}, ${quote(key)}) ? ${read} : undefined)` : read
}

/** The PathSegment literal for a field: `'.text'`, or `'["odd-key"]'`. */
function pathOf(key: string): string {
  return quote(/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`)
}

function literal(value: string | number | boolean): string {
  return typeof value === 'string' ? quote(value) : String(value)
}

function literalList(values: readonly (string | number)[]): string {
  return `[${values.map(literal).join(', ')}]`
}

/** Trailing optional arguments, `undefined` only where a later one is given. */
function optionalArgs(...args: (string | number | undefined)[]): string {
  while (args.length && args.at(-1) === undefined) args.pop()
  return args.map((arg) => `, ${arg === undefined ? 'undefined' : String(arg)}`).join('')
}
