import type { LexiconDoc, LexUserType, LexXrpcQuery } from '@atproto/lexicon'
import type { ParsedDoc } from './parse.js'
import { compare, forEachRef, resolveRef } from './select.js'

/**
 * Everything the emitters need, with every naming decision already made.
 * Naming rules live here and nowhere else.
 */
export interface Model {
  readonly docs: readonly DocModel[]
  readonly byNsid: ReadonlyMap<string, DocModel>
  /** Module specifier generated code imports the runtime from. */
  readonly runtimeImport: string
  /** Module specifier generated validators import their helpers from (as the namespace `v`). */
  readonly validateImport: string
}

export interface DocModel {
  readonly nsid: string
  /** Lexicon file, relative to the lexicon directory. */
  readonly source: string
  /** Output module, relative to the output directory: the NSID as a path. */
  readonly path: string
  readonly doc: LexiconDoc
  /** The doc as a namespace, e.g. `ChatBskyConvoDefs`: in the index, and as the import alias where free. */
  readonly alias: string
  /** TypeScript names of each def, by def name. */
  readonly names: ReadonlyMap<string, DefNames>
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

export interface MethodModel {
  readonly type: 'query' | 'procedure'
  /** Standalone function: the NSID in camel case, e.g. `chatBskyConvoGetConvo`. */
  readonly functionName: string
  /** Path of the namespace object in the client, e.g. ['chat', 'bsky', 'convo']. */
  readonly namespace: readonly string[]
  /** Method name on that namespace, e.g. `getConvo`. */
  readonly name: string
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
  '$Typed', 'BinaryInput', 'BlobRef', 'Bytes', 'CallOptions', 'CidLink', 'Core', 'Method', 'PageOptions', 'Paginated', 'Result',
  'Unknown$TypedObject', 'UnknownObject', 'XrpcError', 'call', 'callPaginated', 'declaredError', 'is$typed',
  // The validators' helpers (`@lexgen/runtime/validate`, as a namespace), and the globals validators use
  VALIDATE_NAMESPACE, 'Array', 'Number',
] as const

/** Names generated for a query/procedure `main` def; other defs must not take them. */
const METHOD_NAMES = [
  'Params', 'Input', 'Output', 'Errors', 'Message', 'Item', 'Page', 'id', 'method',
  'validateParams', 'validateInput', 'validateOutput', 'validators',
]

/** Helpers a page carries besides the output's own fields (see runtime/paginate.ts). */
const PAGE_MEMBERS = ['hasNextPage', 'nextPage', 'allItems']

export function buildModel(parsed: readonly ParsedDoc[], runtimeImport: string): Model {
  const aliases = new NameAllocator(['Client', 'Core', 'CoreConfig', 'CallOptions', 'DefaultsConfig', 'Result', 'withDefaults'])
  const docs = parsed.map(({ file, doc }) => buildDoc(file, doc, aliases.take(doc.id.split('.').map(pascalCase).join(''))))
  const byNsid = new Map(docs.map((doc) => [doc.nsid, doc]))
  for (const doc of docs) assignImports(doc, byNsid)
  return { docs, byNsid, runtimeImport, validateImport: validateImport(runtimeImport) }
}

/**
 * Where the validators' helpers come from: the runtime's `/validate` entry (`@lexgen/runtime/validate`),
 * or, when the runtime is imported by path (`…/runtime/index.ts`), the `validate` module beside it.
 */
function validateImport(runtimeImport: string): string {
  const beside = /(^|\/)index(\.[cm]?[jt]s)$/.exec(runtimeImport)
  return beside ? `${runtimeImport.slice(0, beside.index)}${beside[1]}validate${beside[2]}` : `${runtimeImport}/validate`
}

/** `./x.js`-style specifier from one generated module to another (NodeNext needs the `.js`). */
export function relativeImport(fromPath: string, toPath: string): string {
  const from = fromPath.split('/').slice(0, -1)
  const to = toPath.split('/')
  let common = 0
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++
  const up = from.length - common
  const rest = to.slice(common).join('/').replace(/\.ts$/, '.js')
  return up === 0 ? `./${rest}` : `${'../'.repeat(up)}${rest}`
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

function buildDoc(source: string, doc: LexiconDoc, alias: string): DocModel {
  const names = new NameAllocator(RUNTIME_NAMES)
  const defs = Object.entries(doc.defs) as [string, LexUserType][]
  const main = doc.defs.main as LexUserType | undefined
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
      functionName: names.take(camelCase(segments)),
      namespace: segments.slice(0, -1),
      name: segments.at(-1)!,
      errors: (main.errors ?? []).map((error) => ({
        name: error.name,
        className: names.take(`${pascalCase(identifierPart(error.name))}Error`),
        description: error.description,
      })),
      paginate: main.type === 'query' ? pagination(main) : undefined,
    }
  }

  return {
    nsid: doc.id,
    source,
    path: `${doc.id.split('.').join('/')}.ts`,
    doc,
    alias,
    names: defNames,
    imports: new Map(),
    method,
  }
}

/**
 * A query is paged when it takes a `cursor` param and returns a `cursor`. Its items
 * are the output's one required array, else its only array (getMessages also
 * returns `relatedProfiles`; `messages` is the required one).
 */
function pagination(main: LexXrpcQuery): MethodModel['paginate'] {
  const output = main.output?.schema
  if (!main.parameters?.properties?.cursor || output?.type !== 'object' || !output.properties?.cursor) return undefined
  if (PAGE_MEMBERS.some((member) => member in (output.properties ?? {}))) return undefined
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
    ...[...doc.names.values()].flatMap((n) => [n.type, n.guard ?? n.type, n.validator ?? n.type]),
    ...(doc.method ? [doc.method.functionName, ...doc.method.errors.map((e) => e.className), ...METHOD_NAMES] : []),
  ])
  const imports = doc.imports as Map<string, string>
  for (const nsid of [...referenced].sort(compare)) {
    const target = byNsid.get(nsid)
    if (!target) throw new Error(`${doc.nsid} references '${nsid}', which is not selected (select should have added it)`)
    imports.set(nsid, taken.take(target.alias))
  }
}

/** Hands out unique identifiers: a taken name gets `Def`, then a number, appended. */
class NameAllocator {
  private readonly used: Set<string>

  constructor(reserved: Iterable<string>) {
    this.used = new Set(reserved)
  }

  take(wanted: string): string {
    let name = wanted
    for (let n = 2; this.used.has(name) || RESERVED_WORDS.has(name); n++) name = n === 2 ? `${wanted}Def` : `${wanted}Def${n}`
    this.used.add(name)
    return name
  }
}

const RESERVED_WORDS = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await any boolean number string symbol object unknown never undefined')
    .split(' '),
)

function identifierPart(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_$]+/g, '_')
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned
}

export function pascalCase(text: string): string {
  const part = identifierPart(text)
  return part.charAt(0).toUpperCase() + part.slice(1)
}

function camelCase(segments: readonly string[]): string {
  const joined = segments.map(pascalCase).join('')
  return joined.charAt(0).toLowerCase() + joined.slice(1)
}
