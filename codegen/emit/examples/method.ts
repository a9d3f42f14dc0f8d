/**
 * The example programs of one method, in the two calling styles (the namespaced `Client`, which
 * throws, and the standalone function, which returns a Result), plus paging for paginated queries.
 * The docs print them whole; the generated JSDoc carries their bodies as `@example`.
 */
import type { LexXrpcProcedure, LexXrpcQuery } from '@atproto/lexicon'
import type { DocModel, ErrorModel, Model } from '../../model.js'
import { methodArgs } from '../args.js'
import { callNeeds, tokenVariable } from '../needs.js'
import { propertyKey, quote } from '../writer.js'
import { literal } from './literal.js'
import { ExampleTooLarge, ExampleValues, singular } from './values.js'

/** A complete program: its import line, the client setup, then what it does. */
export interface ExampleProgram {
  readonly imports: readonly string[]
  readonly setup: readonly string[]
  readonly body: readonly string[]
}

export interface MethodExamples {
  readonly client: ExampleProgram
  readonly standalone: ExampleProgram
  /** For paginated queries: pages with `for await`, items with `allItems()`, bounded by `maxPages`. */
  readonly pagination?: ExampleProgram
  /** The declared error the standalone example handles by class (the lexicon's first). */
  readonly handles?: ErrorModel
}

/** How many pages the pagination example reads at most. */
export const EXAMPLE_MAX_PAGES = 5

/** The source of a program, as a reader would copy it. */
export function programText(program: ExampleProgram): string {
  return [...program.imports, '', ...program.setup, '', ...program.body].join('\n') + '\n'
}

/** One example call of a method: its callee names and argument sources, and what it returns. */
export interface ExampleCall {
  /** `client.chat.bsky.convo.getConvo` */
  readonly clientPath: string
  readonly functionName: string
  readonly output: OutputShape
  /** `head` + `callee(…)`: the method's example arguments, with raw `before` and `after` ones around them. */
  line(head: string, callee: string, before?: readonly string[], after?: readonly string[]): string
}

export function exampleCall(model: Model, doc: DocModel, values = new ExampleValues(model)): ExampleCall {
  const method = doc.method!
  const main = doc.doc.defs.main as LexXrpcQuery | LexXrpcProcedure
  const args = exampleArgs(doc, main, values)
  // Bytes of a type the server cannot know: the example names it, as a PDS checks an OAuth
  // session's `blob:` scopes against the content type sent (application/octet-stream otherwise),
  // and the runtime refuses bytes of no type for an encoding such as `image/*`.
  const type = main.type === 'procedure' && main.input ? exampleContentType(main.input.encoding) : undefined
  const typed = type === undefined ? [] : [`{ headers: { 'content-type': ${quote(type)} } }`]
  return {
    clientPath: clientAccess(method.clientPath),
    functionName: method.functionName,
    output: outputShape(main),
    line: (head, callee, before = [], after = typed) => {
      // Options after the arguments need a place holder for omitted ones.
      const own = after.length && args.length < methodArgs(doc).length ? padArgs(doc, args) : args
      return invocation(head, callee, [...before.map((raw) => ({ raw })), ...own, ...after.map((raw) => ({ raw }))])
    },
  }
}

/** A subtype to show for a kind of type (`image/*`), by the kind. */
const EXAMPLE_SUBTYPES = new Map([['image', 'png'], ['video', 'mp4'], ['audio', 'mpeg'], ['text', 'plain'], ['application', 'octet-stream']])

/**
 * The content type an example call names for a binary input encoding: a type within it (the
 * first the lexicon lists), or none when the encoding is one type, which the runtime sends itself.
 */
function exampleContentType(encoding: string): string | undefined {
  if (!/[*,]/.test(encoding)) return undefined
  const first = encoding.split(',')[0]!.trim().toLowerCase()
  if (first === '*/*') return 'text/plain'
  if (!first.endsWith('/*')) return first
  const kind = first.slice(0, -2)
  return `${kind}/${EXAMPLE_SUBTYPES.get(kind) ?? 'example'}`
}

/**
 * The examples of a method. `clientImport` is what the programs import the client from; the
 * JSDoc `@example`s carry only the bodies, where it does not appear.
 */
export function methodExamples(model: Model, doc: DocModel, clientImport = './index.js', values = new ExampleValues(model)): MethodExamples {
  const method = doc.method!
  const main = doc.doc.defs.main as LexXrpcQuery | LexXrpcProcedure
  const auth = tokenVariable(callNeeds(doc.nsid, main.description).auth)
  const call = exampleCall(model, doc, values)
  const importFrom = ` } from ${quote(clientImport)}`

  const clientBody = outputLines(call, call.line(resultHead(call.output), call.clientPath))
  const handles = method.errors[0]
  const { output } = call
  const success =
    output.kind === 'void' ? 'console.log(`done (HTTP ${result.response.status})`)'
    : output.kind === 'binary' ? 'console.log(`${result.value.byteLength} bytes`)'
    : output.kind === 'json' && output.secret ? `console.log(${(output.fields ?? []).map((field) => `result.value.${field}`).join(', ') || "'ok'"})`
    : 'console.log(result.value)'
  const standaloneBody = [
    call.line('const result = await ', call.functionName, ['core']),
    'if (result.ok) {',
    `  ${success}`,
    ...(handles
      ? // By its XRPC name: the namespace its class is reached through would keep its validators in an esbuild bundle.
        [`} else if (result.error.error === ${quote(handles.name)}) {`, `  console.error(${quote(`${handles.name}:`)}, result.error.message)`]
      : []),
    '} else {',
    '  console.error(result.error.name, result.error.message)',
    '}',
  ]

  const client: ExampleProgram = { imports: [`import { Client${importFrom}`], setup: clientSetup('client', 'Client', auth), body: clientBody }
  const standalone: ExampleProgram = {
    imports: [`import { Core, withDefaults, ${method.functionName}${importFrom}`],
    setup: clientSetup('core', 'Core', auth),
    body: standaloneBody,
  }

  let pagination: ExampleProgram | undefined
  if (method.paginate) {
    const items = method.paginate.items
    const item = items && isIdentifier(singular(items)) && singular(items) !== items && !TAKEN.has(singular(items)) ? singular(items) : 'item'
    pagination = {
      imports: client.imports,
      setup: client.setup,
      body: [
        `// The first page; iterating goes on from it, at most ${EXAMPLE_MAX_PAGES} pages in all.`,
        call.line('const first = await ', call.clientPath, [], [`{ maxPages: ${EXAMPLE_MAX_PAGES} }`]),
        'for await (const page of first) {',
        // The field name is lexicon text: quoted, never spliced into a template literal.
        items ? `  console.log(page${member(items)}.length, ${quote(`${items} on this page`)})` : '  console.log(page)',
        '}',
        ...(items
          ? ['// Or, instead, item by item from the first page on (this fetches the pages again):', `for await (const ${item} of first.allItems()) {`, `  console.log(${item})`, '}']
          : []),
      ],
    }
  }
  return { client, standalone, ...(pagination ? { pagination } : {}), ...(handles ? { handles } : {}) }
}

/** A program's body as a JSDoc `@example` (which editors show on hover). */
export function exampleTag(program: ExampleProgram): string[] {
  return ['@example', '```ts', ...program.body.flatMap((line) => line.split('\n')), '```']
}

/**
 * `const client = new Client({ service, auth })`, reading both from the environment as
 * `process.env['NAME']`, which a project with noPropertyAccessFromIndexSignature can copy too. A
 * `Core` is made with `withDefaults`, so the standalone examples retry and time out as the Client does.
 */
export function clientSetup(variable: string, kind: 'Client' | 'Core', tokenVar: string | undefined, extra: readonly string[] = []): string[] {
  const [open, close] = kind === 'Core' ? ['new Core(withDefaults({', '}))'] : [`new ${kind}({`, '})']
  return [
    `const ${variable} = ${open}`,
    `  service: process.env['ATPROTO_SERVICE'] ?? 'https://bsky.social',`,
    ...(tokenVar ? [`  auth: process.env[${quote(tokenVar)}] ?? '',`] : []),
    ...extra.map((line) => `  ${line}`),
    close,
  ]
}

/** The start of the line that awaits a call of the namespaced client, by what it returns. */
function resultHead(output: OutputShape): string {
  if (output.kind === 'void') return 'await '
  if (output.kind === 'binary') return 'const data = await '
  return output.fields ? `const { ${output.fields.join(', ')} } = await ` : 'const output = await '
}

/** The call line, then what the example prints of the output. */
export function outputLines(call: ExampleCall, line: string): string[] {
  const { output } = call
  if (output.kind === 'void') return [line, `console.log('done')`]
  if (output.kind === 'binary') return [line, 'console.log(`${data.byteLength} bytes`)']
  return [line, output.fields ? `console.log(${output.fields.join(', ')})` : 'console.log(output)']
}

/** The head `outputLines` expects for a call of the namespaced client. */
export function clientCallLine(call: ExampleCall, after: readonly string[] = []): string {
  return call.line(resultHead(call.output), call.clientPath, [], after)
}

/** An argument in an example call: a value to print, or source as is. */
type Arg = { readonly value: unknown } | { readonly raw: string }

/** Each argument's example: an empty optional one is left out (and the ones before it, if empty too). */
function exampleArgs(doc: DocModel, main: LexXrpcQuery | LexXrpcProcedure, values: ExampleValues): Arg[] {
  const args = methodArgs(doc).map((arg) => {
    if (arg.type === 'BinaryInput') return { optional: arg.optional, arg: { raw: `new TextEncoder().encode('hello')` }, empty: false }
    const schema = arg.name === 'params' ? main.parameters : (main as LexXrpcProcedure).input?.schema
    let value: unknown
    try {
      value =
        schema === undefined ? {}
        : schema.type === 'object' || schema.type === 'params' ? values.object(doc, schema, true)
        : values.value(doc, schema as never, arg.name)
    } catch (error) {
      if (!(error instanceof ExampleTooLarge)) throw error
      // Typed as anything, so the program still compiles; the comment says why there is no value.
      return { optional: arg.optional, arg: { raw: `undefined as never /* ${error.message} */` }, empty: false }
    }
    const empty = typeof value === 'object' && value !== null && Object.keys(value).length === 0
    return { optional: arg.optional, arg: { value }, empty }
  })
  while (args.length && args.at(-1)!.optional && args.at(-1)!.empty) args.pop()
  return args.map(({ arg }) => arg)
}

/** The arguments with the omitted optional ones put back as `{}`, so call options can follow. */
function padArgs(doc: DocModel, args: readonly Arg[]): Arg[] {
  return methodArgs(doc).map((_, i) => args[i] ?? { value: {} })
}

export type OutputShape = { kind: 'void' } | { kind: 'binary' } | { kind: 'json'; fields?: string[]; secret?: boolean }

/** Fields an example must not print: credentials. */
const SECRET = /jwt|token|password|secret/i

/**
 * What the output is, and the required fields to destructure by name. Credentials are left out
 * (`secret` is set when there are any), so an example never prints a token.
 */
function outputShape(main: LexXrpcQuery | LexXrpcProcedure): OutputShape {
  if (!main.output) return { kind: 'void' }
  if (main.output.encoding !== 'application/json') return { kind: 'binary' }
  const schema = main.output.schema
  if (schema?.type !== 'object') return { kind: 'json' }
  const properties = Object.keys(schema.properties ?? {})
  const secret = properties.some((name) => SECRET.test(name))
  const required = (schema.required ?? []).filter((name) => properties.includes(name) && !SECRET.test(name))
  const usable = required.length > 0 && required.length <= 3 && required.every((name) => isIdentifier(name) && !TAKEN.has(name))
  return { kind: 'json', ...(usable ? { fields: required } : {}), ...(secret ? { secret } : {}) }
}

/** Names the example programs already use. */
const TAKEN = new Set(['client', 'core', 'result', 'first', 'page', 'data', 'output', 'process', 'console'])

const RESERVED = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await').split(' '),
)

function isIdentifier(name: string): boolean {
  return /^[A-Za-z_$][\w$]*$/.test(name) && !RESERVED.has(name)
}

/** `client.chat.bsky.convo.getConvo`, `client.com['1example'].get`: a path of Client members as code. */
export function clientAccess(path: readonly string[]): string {
  return `client${path.map(member).join('')}`
}

/** `.name`, or `['odd-name']`. */
export function member(name: string): string {
  const key = propertyKey(name)
  return key === name ? `.${name}` : `[${key}]`
}

/** How wide example lines may get before an argument is spread over several lines. */
const WIDTH = 100

/** `head` + `callee(a, b)` on one line when it fits; else its longest argument one entry per line. */
function invocation(head: string, callee: string, args: readonly Arg[]): string {
  const flat = args.map((arg) => ('raw' in arg ? arg.raw : literal(arg.value, 0, Infinity, Infinity)))
  const line = `${head}${callee}(${flat.join(', ')})`
  // An argument written over several lines already is laid out as it is.
  if (line.length <= WIDTH || flat.some((text) => text.includes('\n'))) return line
  const longest = flat.reduce((best, text, i) => ('value' in args[i]! && text.length > (flat[best]?.length ?? -1) ? i : best), -1)
  if (longest < 0) return line
  const broken = flat.map((text, i) => (i === longest ? literal((args[i] as { value: unknown }).value, 0, Infinity, WIDTH) : text))
  return `${head}${callee}(${broken.join(', ')})`
}
