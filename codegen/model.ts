import type { LexiconDoc, LexUserType, LexXrpcQuery } from '@atproto/lexicon'
import { importedExt, type FileExt, type ImportExt } from './config.js'
import { compare } from './order.js'
import type { ParsedDoc } from './parse.js'
import { forEachRef, resolveRef } from './select.js'
import { sentDefs } from './usage.js'

/**
 * Everything the emitters need, with every naming decision already made.
 * Naming rules (and the escaping of hostile names) live here and nowhere else.
 */
export interface Model {
  readonly docs: readonly DocModel[]
  readonly byNsid: ReadonlyMap<string, DocModel>
  /** Module specifier of the runtime package: only `runtime.ts` imports it (see emit/runtime-module.ts). */
  readonly runtimeImport: string
  /** Module specifier of the validators' helpers: only `runtime.ts` imports it. */
  readonly validateImport: string
  /** Path of the module the other generated modules import the runtime and the helpers through (`runtime.ts`). */
  readonly runtimeModule: string
  /** Extension of every generated module (`.ts` or `.mts`); imports use `.js` or `.mjs` to match. */
  readonly fileExt: FileExt
  /** How generated modules name each other in imports (see relativeImport). */
  readonly importExt: ImportExt
  /** The client's namespace classes, by namespace path joined with `.`, e.g. `chat.bsky` → `ChatBskyNS`. */
  readonly namespaceClasses: ReadonlyMap<string, string>
  /** Docs exported under another name than their NSID's, because a doc first in NSID order camel-cases alike. */
  readonly nameClashes: readonly NameClash[]
  /**
   * Defs (`nsid#def`) whose values the client may send: reached from a method's params or input,
   * or a record or reached from one (a program writes records). Their `unknown` fields take any
   * object (`UnknownObjectInput`), a generated interface included; the others' are `UnknownObject`.
   */
  readonly sent: ReadonlySet<string>
}

/** `nsid` gets `given`, not `wanted`: `takenBy` (which camel-cases alike and sorts first) has `wanted`. */
export interface NameClash {
  readonly nsid: string
  readonly wanted: string
  readonly given: string
  readonly takenBy: string
}

export interface DocModel {
  readonly nsid: string
  /** Lexicon file, relative to the lexicon directory. */
  readonly source: string
  /** Output module, relative to the output directory: the NSID as a path (`_2` added to a case-only twin). */
  readonly path: string
  readonly doc: LexiconDoc
  /** The doc as a namespace, e.g. `ChatBskyConvoDefs`: in the index, and as the import alias where free. */
  readonly alias: string
  /** TypeScript names of each def, by def name. */
  readonly names: ReadonlyMap<string, DefNames>
  /** Names of each inline object schema (an object property or array items of type `object`), by the schema itself. */
  readonly inline: ReadonlyMap<object, InlineNames>
  /** Other docs this one references, by NSID, with the namespace alias they are imported under. */
  readonly imports: ReadonlyMap<string, string>
  readonly method?: MethodModel
}

export interface DefNames {
  /** The type (interface or alias) for the def. */
  readonly type: string
  /** `isX` guard, for defs that can be union members. */
  readonly guard?: string
  /** Value constant, for tokens. */
  readonly constant?: string
  /** `validateX`, for every def that can hold a value (all but tokens). */
  readonly validator?: string
}

export interface InlineNames {
  /** The interface, named after where it sits: `RecordObject` for the record's `object` property. */
  readonly type: string
  readonly validator: string
}

export interface MethodModel {
  readonly type: 'query' | 'procedure'
  /** Standalone function: the NSID in camel case, e.g. `chatBskyConvoGetConvo` (unique across the output). */
  readonly functionName: string
  /** Path of the namespace object in the client, e.g. ['chat', 'bsky', 'convo']. */
  readonly namespace: readonly string[]
  /** Method name on that namespace, e.g. `getConvo` (escaped where the NSID's name is special to JavaScript). */
  readonly name: string
  /**
   * The Client's members from its root to the method, each as the Client names it:
   * `['com', 'example', 'constructor_', 'get']` for `com.example.constructor.get`.
   */
  readonly clientPath: readonly string[]
  readonly errors: readonly ErrorModel[]
  /** Set for queries paged by `cursor`; `items` names the output array that holds each page's items. */
  readonly paginate?: { readonly items?: string }
}

export interface ErrorModel {
  /** XRPC error name as the server sends it. */
  readonly name: string
  /** Generated class, e.g. `InvalidConvoError`. */
  readonly className: string
  readonly description?: string
}

/** The namespace generated modules import the validators' helpers as: `v.missing(ctx, '.text')`. */
export const VALIDATE_NAMESPACE = 'v'

/** Names every generated module may import from the runtime; defs must not shadow them. */
const RUNTIME_NAMES = [
  '$Typed', 'BinaryInput', 'BlobRef', 'Bytes', 'CallOptions', 'CidLink', 'Core', 'DeclaredError', 'Method', 'PageOptions', 'Paginated', 'Result',
  'Unknown$TypedObject', 'Unknown$TypedObjectInput', 'UnknownObject', 'UnknownObjectInput', 'XrpcError', 'call', 'callPaginated', 'declaredError', 'is$typed',
  // The validators' helpers (`@lexgen/runtime/validate`, as a namespace), and the globals validators use
  VALIDATE_NAMESPACE, 'Array', 'Number',
] as const

/**
 * Globals the generated code refers to: a def named `promise` must not become a type `Promise`
 * ("Type 'Promise' is not generic"), nor `uint8Array` a `Uint8Array` (a wrong type, silently).
 */
const GLOBALS_USED = ['Array', 'InstanceType', 'NonNullable', 'Number', 'Object', 'Promise', 'Uint8Array'] as const

/** Names generated for a query/procedure `main` def; other defs must not take them. */
const METHOD_NAMES = [
  'Params', 'Input', 'Output', 'Errors', 'Message', 'Item', 'Page', 'id', 'method',
  'validateParams', 'validateInput', 'validateOutput', 'validators',
]

/** Helpers a page carries besides the output's own fields (see runtime/paginate.ts). */
const PAGE_MEMBERS = ['hasNextPage', 'nextPage', 'allItems']

/** What `client.ts` and `index.ts` declare or import besides the doc aliases. */
const CLIENT_SCOPE = [
  'Client', 'Core', 'CoreConfig', 'CallOptions', 'DefaultsConfig', 'Result', 'BinaryInput', 'PageOptions', 'unwrap', 'withDefaults',
  'validation', 'CredentialSession',
]

/**
 * Client members that cannot carry an NSID segment's name as is: `constructor` would be the class's
 * constructor, `then` would make a namespace object awaitable, and the `Object.prototype` names are
 * called by generic code (`String(x)`, `JSON.stringify(x)`). They get a trailing `_` (NSID segments
 * never contain one): `client.com.example.then_()`. At the root, `core` is the Client's own field.
 */
const SPECIAL_MEMBERS = new Set(['constructor', 'then', 'toString', 'toLocaleString', 'valueOf', 'toJSON', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable'])

export function clientMember(segment: string, atRoot: boolean): string {
  return SPECIAL_MEMBERS.has(segment) || (atRoot && segment === 'core') ? `${segment}_` : segment
}

export function buildModel(parsed: readonly ParsedDoc[], options: { runtimeImport: string; fileExt: FileExt; importExt?: ImportExt }): Model {
  const aliases = new NameAllocator(CLIENT_SCOPE)
  const functions = new NameAllocator([...RUNTIME_NAMES, ...METHOD_NAMES, ...CLIENT_SCOPE], '')
  const paths = new Map<string, string>()
  // Who got each doc-derived name, to say which doc took a name from which (a reserved name is no clash).
  const owners = new Map<string, string>()
  const nameClashes: NameClash[] = []
  const named = (nsid: string, wanted: string, given: string) => {
    const takenBy = owners.get(wanted)
    if (given !== wanted && takenBy !== undefined) nameClashes.push({ nsid, wanted, given, takenBy })
    owners.set(given, nsid)
  }
  const docs = parsed.map(({ file, doc }) => {
    const wanted = doc.id.split('.').map(pascalCase).join('')
    const model = buildDoc(file, doc, aliases.take(wanted), modulePath(doc.id, options.fileExt, paths), functions)
    named(doc.id, wanted, model.alias)
    if (model.method) named(doc.id, camelCase(doc.id.split('.')), model.method.functionName)
    return model
  })
  const byNsid = new Map(docs.map((doc) => [doc.nsid, doc]))
  for (const doc of docs) assignImports(doc, byNsid)
  return {
    docs,
    byNsid,
    runtimeImport: options.runtimeImport,
    validateImport: validateImport(options.runtimeImport),
    runtimeModule: `runtime${options.fileExt}`,
    fileExt: options.fileExt,
    importExt: options.importExt ?? 'js',
    namespaceClasses: namespaceClasses(docs, aliases),
    nameClashes,
    sent: sentDefs(parsed),
  }
}

/**
 * The NSID as a path. NSIDs differing only in case (`com.example.getFoo`, `com.example.getfoo`)
 * would be one file on case-insensitive file systems (macOS, Windows): the later one gets `_2`.
 */
function modulePath(nsid: string, ext: FileExt, taken: Map<string, string>): string {
  const base = nsid.split('.').join('/')
  let path = `${base}${ext}`
  for (let n = 2; taken.has(path.toLowerCase()); n++) path = `${base}_${n}${ext}`
  taken.set(path.toLowerCase(), nsid)
  return path
}

/** Unique class names for every namespace node of the client, allocated in NSID order next to the doc aliases. */
function namespaceClasses(docs: readonly DocModel[], names: NameAllocator): Map<string, string> {
  const paths = new Set<string>()
  for (const doc of docs) {
    const segments = doc.method?.namespace ?? []
    for (let i = 1; i <= segments.length; i++) paths.add(segments.slice(0, i).join('.'))
  }
  return new Map([...paths].sort(compare).map((path) => [path, names.take(`${path.split('.').map(pascalCase).join('')}NS`)]))
}

/**
 * Where the validators' helpers come from: the runtime's `/validate` entry (`@lexgen/runtime/validate`),
 * or, when the runtime is imported by path (`…/runtime/index.ts`), the `validate` module beside it.
 */
function validateImport(runtimeImport: string): string {
  const beside = /(^|\/)index(\.[cm]?[jt]s)$/.exec(runtimeImport)
  return beside ? `${runtimeImport.slice(0, beside.index)}${beside[1]}validate${beside[2]}` : `${runtimeImport}/validate`
}

/**
 * The specifier one generated module imports another by: `./x.js` (what module nodenext needs and
 * tsc emits; `.mjs` for `.mts`), or with `ts` imports the module's own name (`./x.ts`), which Deno,
 * Bun and Node's type stripping run as written.
 */
export function relativeImport(fromPath: string, toPath: string, importExt: ImportExt): string {
  // Character scans, not split/join: this runs for every import of every module (~10k for the corpus).
  let common = 0 // length of the folder prefix both paths share, up to and including its last `/`
  for (let i = 0; i < fromPath.length && fromPath[i] === toPath[i]; i++) if (fromPath[i] === '/') common = i + 1
  let up = ''
  for (let i = common; i < fromPath.length; i++) if (fromPath[i] === '/') up += '../'
  const ext = toPath.endsWith('.mts') ? '.mts' : toPath.endsWith('.ts') ? '.ts' : undefined
  const rest = ext ? `${toPath.slice(common, -ext.length)}${importedExt(ext, importExt)}` : toPath.slice(common)
  return (up || './') + rest
}

/** The TypeScript expression for a `ref` written in `from`, e.g. `ChatBskyConvoDefs.MessageView`. */
export function refTypeName(model: Model, from: DocModel, ref: string): string {
  const target = resolveRef(from.nsid, ref)
  const doc = model.byNsid.get(target.nsid)
  const names = doc?.names.get(target.def)
  if (!doc || !names) throw new Error(`unresolved reference '${ref}' in ${from.nsid} (select should have caught it)`)
  return doc === from ? names.type : `${from.imports.get(doc.nsid)}.${names.type}`
}

/** The `$type` value that identifies a def on the wire: `nsid` for main, `nsid#name` otherwise. */
export function typeId(nsid: string, def: string): string {
  return def === 'main' ? nsid : `${nsid}#${def}`
}

function buildDoc(source: string, doc: LexiconDoc, alias: string, path: string, functions: NameAllocator): DocModel {
  const names = new NameAllocator([...RUNTIME_NAMES, ...GLOBALS_USED])
  const defs = Object.entries(doc.defs) as [string, LexUserType][]
  const main = Object.hasOwn(doc.defs, 'main') ? (doc.defs.main as LexUserType) : undefined
  const isMethod = main?.type === 'query' || main?.type === 'procedure' || main?.type === 'subscription'
  if (isMethod) METHOD_NAMES.forEach((name) => names.take(name))

  const defNames = new Map<string, DefNames>()
  for (const [name, def] of defs) {
    if (def.type === 'query' || def.type === 'procedure' || def.type === 'subscription' || def.type === 'permission-set') continue
    const base = name === 'main' ? (def.type === 'record' ? 'Record' : 'Main') : pascalCase(name)
    const type = names.take(base)
    const unionable = def.type === 'object' || def.type === 'record'
    defNames.set(name, {
      type,
      guard: unionable ? names.take(`is${type}`) : undefined,
      constant: def.type === 'token' ? type : undefined,
      validator: def.type === 'token' ? undefined : names.take(`validate${type}`),
    })
  }

  let method: MethodModel | undefined
  if (main && (main.type === 'query' || main.type === 'procedure')) {
    const segments = doc.id.split('.')
    method = {
      type: main.type,
      functionName: uniqueFunctionName(camelCase(segments), functions, names),
      namespace: segments.slice(0, -1),
      name: clientMember(segments.at(-1)!, false),
      clientPath: segments.map((segment, i) => clientMember(segment, i === 0)),
      errors: declaredErrors(main.errors ?? [], names),
      paginate: main.type === 'query' ? pagination(main) : undefined,
    }
  }

  return { nsid: doc.id, source, path, doc, alias, names: defNames, inline: inlineObjects(defs, defNames, names), imports: new Map(), method }
}

/**
 * The standalone function's name, unique in the whole output (`index.ts` exports them all side by
 * side: `com.example.fooBar` and `com.example.foo.bar` are both `comExampleFooBar`, so the second
 * becomes `comExampleFooBar2`) and free in its own module.
 */
function uniqueFunctionName(wanted: string, functions: NameAllocator, local: NameAllocator): string {
  let name = functions.take(wanted)
  while (local.has(name)) name = functions.take(wanted)
  return local.take(name)
}

/** One class per distinct error name (a name declared twice is one error), in declaration order. */
function declaredErrors(errors: readonly { name: string; description?: string }[], names: NameAllocator): ErrorModel[] {
  const byName = new Map<string, ErrorModel>()
  for (const error of errors) {
    if (byName.has(error.name)) continue
    byName.set(error.name, { name: error.name, className: names.take(`${pascalCase(identifierPart(error.name))}Error`), description: error.description })
  }
  return [...byName.values()]
}

/**
 * Names for the inline objects of a doc, after its defs so they keep their names: the owner's
 * type, then the property (`Item` for array items), e.g. `RecordObject`, `OutputStatsItem`.
 */
function inlineObjects(defs: readonly [string, LexUserType][], defNames: ReadonlyMap<string, DefNames>, names: NameAllocator): Map<object, InlineNames> {
  const inline = new Map<object, InlineNames>()
  type Schema = { type?: unknown; properties?: Record<string, Schema>; items?: Schema }
  const add = (schema: Schema, owner: string) => {
    const type = names.take(owner)
    inline.set(schema, { type, validator: names.take(`validate${type}`) })
    visitObject(schema, type)
  }
  const visitObject = (schema: Schema, owner: string) => {
    for (const [key, prop] of Object.entries(schema.properties ?? {})) {
      if (prop.type === 'object') add(prop, `${owner}${pascalCase(key)}`)
      else if (prop.type === 'array' && prop.items?.type === 'object') add(prop.items, `${owner}${pascalCase(key)}Item`)
    }
  }
  for (const [name, def] of defs) {
    const owner = defNames.get(name)?.type
    if (def.type === 'object' && owner) visitObject(def as Schema, owner)
    else if (def.type === 'record' && owner) visitObject(def.record as Schema, owner)
    else if (def.type === 'array' && owner && (def.items as Schema).type === 'object') add(def.items as Schema, `${owner}Item`)
    else if (def.type === 'query' || def.type === 'procedure') {
      const bodies = [def.type === 'procedure' ? ['Input', def.input] : [], ['Output', def.output]] as [string, { schema?: Schema } | undefined][]
      for (const [part, body] of bodies) if (body?.schema?.type === 'object') visitObject(body.schema, part)
    }
  }
  return inline
}

/**
 * A query is paged when it takes a `cursor` param and returns a `cursor`. Its items
 * are the output's one required array, else its only array (getMessages also
 * returns `relatedProfiles`; `messages` is the required one).
 */
function pagination(main: LexXrpcQuery): MethodModel['paginate'] {
  const output = main.output?.schema
  if (!main.parameters?.properties?.cursor || output?.type !== 'object' || !output.properties?.cursor) return undefined
  if (PAGE_MEMBERS.some((member) => Object.hasOwn(output.properties ?? {}, member))) return undefined
  const arrays = Object.entries(output.properties).filter(([, schema]) => schema.type === 'array').map(([name]) => name)
  const required = arrays.filter((name) => output.required?.includes(name))
  const items = required.length === 1 ? required[0] : arrays.length === 1 ? arrays[0] : undefined
  return items === undefined ? {} : { items }
}

/** Fills `doc.imports` with an alias for every other doc it references. */
function assignImports(doc: DocModel, byNsid: ReadonlyMap<string, DocModel>): void {
  const referenced = new Set<string>()
  forEachRef(doc.doc.defs, [], (ref) => {
    const target = resolveRef(doc.nsid, ref).nsid
    if (target !== doc.nsid) referenced.add(target)
  })
  const taken = new NameAllocator([
    ...RUNTIME_NAMES,
    ...GLOBALS_USED,
    ...[...doc.names.values()].flatMap((n) => [n.type, n.guard ?? n.type, n.validator ?? n.type]),
    ...[...doc.inline.values()].flatMap((n) => [n.type, n.validator]),
    ...(doc.method ? [doc.method.functionName, ...doc.method.errors.map((e) => e.className), ...METHOD_NAMES] : []),
  ])
  const imports = doc.imports as Map<string, string>
  for (const nsid of [...referenced].sort(compare)) {
    const target = byNsid.get(nsid)
    if (!target) throw new Error(`${doc.nsid} references '${nsid}', which is not selected (select should have added it)`)
    imports.set(nsid, taken.take(target.alias))
  }
}

/** Hands out unique identifiers: a taken name gets `suffix` (`Def` for types), then a number, appended. */
class NameAllocator {
  private readonly used: Set<string>
  /** Per wanted name, the number its next try starts at: each try before it was taken, and stays so. */
  private readonly nextTry = new Map<string, number>()

  constructor(
    reserved: Iterable<string>,
    private readonly suffix = 'Def',
  ) {
    this.used = new Set(reserved)
  }

  has(name: string): boolean {
    return this.used.has(name) || RESERVED_WORDS.has(name)
  }

  /**
   * `wanted`, else `wanted` + suffix, else with 3, 4, …: the first free. Starting each search where
   * the last for the same name ended keeps thousands of names that collide (`a-b`, `a.b`, `a b`)
   * from being tried again from 2 every time (16,000 error names took 15 s).
   */
  take(wanted: string): string {
    let name = wanted
    let n = this.nextTry.get(wanted) ?? 2
    if (this.has(name)) {
      for (name = this.candidate(wanted, n); this.has(name); name = this.candidate(wanted, ++n));
      this.nextTry.set(wanted, n + 1)
    }
    this.used.add(name)
    return name
  }

  private candidate(wanted: string, n: number): string {
    return n === 2 && this.suffix ? `${wanted}${this.suffix}` : `${wanted}${this.suffix}${n}`
  }
}

const RESERVED_WORDS = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await any boolean number string symbol object unknown never undefined ' +
    // Not keywords, but an export or an interface by this name misbehaves (it sets a prototype in CommonJS output).
    '__proto__')
    .split(' '),
)

function identifierPart(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_$]+/g, '_')
  return /^[0-9]/.test(cleaned) || cleaned === '' ? `_${cleaned}` : cleaned
}

function pascalCase(text: string): string {
  const part = identifierPart(text)
  return part.charAt(0).toUpperCase() + part.slice(1)
}

function camelCase(segments: readonly string[]): string {
  const joined = segments.map(pascalCase).join('')
  return joined.charAt(0).toLowerCase() + joined.slice(1)
}
