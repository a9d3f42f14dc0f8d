import type { LexXrpcBody, LexXrpcParameters, LexXrpcProcedure, LexXrpcQuery, LexXrpcSubscription } from '@atproto/lexicon'
import { JSON_ENCODING, methodArgs } from './args.js'
import { exampleTag, type MethodExamples } from './examples/method.js'
import type { MethodModel } from '../model.js'
import { rt, rtValue, typeExpr, writeInterface, type ModuleContext } from './types.js'
import { deprecation, literalKey, type Lines, quote, writeDoc, writeTyped } from './writer.js'

/** `Params`, `Input`, `Output` (and `Message` for subscriptions) for a method's main def. */
export function writeMethodTypes(ctx: ModuleContext, w: Lines): void {
  const main = ctx.doc.doc.defs.main as LexXrpcQuery | LexXrpcProcedure | LexXrpcSubscription
  if (main.parameters && Object.keys(main.parameters.properties ?? {}).length) {
    w.blankLineIfLastNot()
    writeInterface(ctx, w, 'Params', main.parameters as LexXrpcParameters, ['Query parameters.'], true)
  }
  if (main.type === 'procedure' && main.input) writeBody(ctx, w, 'Input', main.input, 'Request body')
  if (main.type !== 'subscription' && main.output) writeBody(ctx, w, 'Output', main.output, 'Response body')
  if (main.type === 'subscription' && main.message?.schema) {
    w.blankLineIfLastNot()
    writeDoc(w, ['A message on the stream.'])
    writeTyped(w, 'export type Message = ', typeExpr(ctx, main.message.schema as never, false))
  }
}

function writeBody(ctx: ModuleContext, w: Lines, name: string, body: LexXrpcBody, what: string): void {
  w.blankLineIfLastNot()
  const doc = [`${what} (\`${body.encoding}\`).`, body.description]
  if (body.encoding !== JSON_ENCODING) {
    if (name === 'Output') {
      // A blob or a repository export can outgrow the default limit that guards JSON answers.
      writeDoc(w, [...doc, 'Read whole into memory: a body over `maxResponseBytes` (16 MiB unless the Core or the call sets it) fails with a `ResponseTooLargeError`.'])
      w.writeLine(`export type Output = Uint8Array`)
    }
    return
  }
  // What the client sends takes any object (a generated interface too); what it receives reads as `unknown` fields.
  const sent = name === 'Input'
  if (!body.schema) {
    writeDoc(w, doc)
    w.writeLine(`export type ${name} = ${rt(ctx, sent ? 'UnknownObjectInput' : 'UnknownObject')}`)
  } else if (body.schema.type === 'object') {
    writeInterface(ctx, w, name, body.schema, doc, sent)
  } else {
    writeDoc(w, doc)
    writeTyped(w, `export type ${name} = `, typeExpr(ctx, body.schema as never, sent))
  }
}

/** Declared error classes, the method descriptor and the standalone function. */
export function writeMethod(ctx: ModuleContext, w: Lines, method: MethodModel, examples: MethodExamples): void {
  const main = ctx.doc.doc.defs.main as LexXrpcQuery | LexXrpcProcedure
  w.blankLineIfLastNot()
  for (const error of method.errors) {
    const doc = [error.description ?? `The server's \`${error.name}\` error for this method.`]
    // A named interface, so hovers and compiler messages say `ConvoLockedError` (an alias of the
    // constructor's instance type would be shown expanded), with the lexicon's description.
    writeDoc(w, doc)
    w.writeLine(`export interface ${error.className} extends ${rt(ctx, 'XrpcResponseError')} {`)
    w.indent(() => w.writeLine(`readonly error: ${quote(error.name)}`))
    w.writeLine('}')
    // Typed explicitly, so the module needs no inference for its declarations (isolatedDeclarations; `--emit js`),
    // and `instanceof` narrows to the interface above.
    writeDoc(w, doc)
    w.writeLine(`export const ${error.className}: new (init: ${rt(ctx, 'XrpcErrorInit')}) => ${error.className} = /*#__PURE__*/ ${rtValue(ctx, 'declaredError')}(${quote(error.name)})`)
    w.blankLine()
  }

  writeDoc(w, ['Every error this method can fail with: the ones its lexicon declares, then the general ones.'])
  w.writeLine(`export type Errors = ${[...method.errors.map((e) => e.className), rt(ctx, 'XrpcError')].join(' | ')}`)

  w.blankLine()
  writeDoc(w, ['What the runtime needs to call this method.'])
  w.writeLine(`export const method: ${rt(ctx, 'Method')} = {`)
  w.indent(() => {
    w.writeLine('nsid: id,')
    w.writeLine(`type: ${quote(method.type)},`)
    if (main.type === 'procedure' && main.input) w.writeLine(`input: ${quote(main.input.encoding)},`)
    if (main.output) w.writeLine(`output: ${quote(main.output.encoding)},`)
    if (method.errors.length) {
      w.writeLine(`errors: { ${method.errors.map((e) => `${literalKey(e.name)}: ${e.className}`).join(', ')} },`)
    }
    if (method.paginate) w.writeLine(`paginate: { ${method.paginate.items ? `items: ${quote(method.paginate.items)} ` : ''}},`)
  })
  w.writeLine('}')
  if (method.paginate) writePageTypes(ctx, w, method.paginate.items)

  const args = methodArgs(ctx.doc)
  const output = method.paginate ? 'Page' : main.output ? 'Output' : 'void'
  const signature = [
    `core: ${rt(ctx, 'Core')}`,
    ...args.map((arg) => `${arg.name}${arg.optional ? '?' : ''}: ${arg.type === 'BinaryInput' ? rt(ctx, 'BinaryInput') : arg.type}`),
    `options?: ${rt(ctx, method.paginate ? 'PageOptions' : 'CallOptions')}`,
  ]
  const request = args.length ? `{ ${args.map((arg) => arg.name).join(', ')} }` : '{}'
  w.blankLine()
  writeDoc(w, [
    main.description,
    deprecation(main.description),
    '',
    `Calls \`${ctx.doc.nsid}\` (${method.type}). Resolves to a {@link ${rt(ctx, 'Result')}}: it never throws for HTTP, XRPC or transport failures.`,
    method.paginate ? 'The page it resolves to can fetch the next ones (`nextPage()`, `for await`, `allItems()`).' : undefined,
    '',
    ...exampleTag(examples.standalone),
  ])
  w.writeLine(`export function ${method.functionName}(${signature.join(', ')}): Promise<Result<${output}, Errors>> {`)
  w.indent(() => {
    if (method.paginate) {
      w.writeLine(`return ${rtValue(ctx, 'callPaginated')}<Output, Item, Errors>(core, method, ${request}, options)`)
    } else {
      w.writeLine(`return ${rtValue(ctx, 'call')}<${output}, Errors>(core, method, ${request}, options)`)
    }
  })
  w.writeLine('}')
}

/** `Item` (what `allItems()` yields) and `Page` (the output plus paging helpers). */
function writePageTypes(ctx: ModuleContext, w: Lines, items: string | undefined): void {
  w.blankLine()
  writeDoc(w, [items ? `One of a page's \`${items}\`.` : 'Pages of this method have no single items array.'])
  const output = (ctx.doc.doc.defs.main as LexXrpcQuery).output?.schema
  const required = output?.type === 'object' && (output.required ?? []).includes(items ?? '')
  const field = `Output[${quote(items ?? '')}]`
  w.writeLine(`export type Item = ${items ? `${required ? field : `NonNullable<${field}>`}[number]` : 'never'}`)
  w.blankLine()
  writeDoc(w, ['A page of results: the output, plus `nextPage()`, `for await` over pages and `allItems()`.'])
  w.writeLine(`export type Page = ${rt(ctx, 'Paginated')}<Output, Item, Errors>`)
}
