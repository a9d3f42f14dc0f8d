/**
 * One page per namespace (`chat.bsky.convo.md`): an overview of its methods, then a section per
 * method with what it needs, both calling styles, paging, its parameters, input, response and errors,
 * and one per subscription with its parameters, messages and errors.
 */
import type { LexXrpcProcedure, LexXrpcQuery, LexXrpcSubscription } from '@atproto/lexicon'
import type { DocModel, ErrorModel } from '../../model.js'
import { clientAccess, methodExamples, programText, type MethodExamples } from '../examples/method.js'
import { methodArgs } from '../args.js'
import { callNeeds, type AuthNeed, type DefaultRoute } from '../needs.js'
import { hasCredentialSession } from '../session.js'
import { deprecation } from '../writer.js'
import { methodKey } from './catalog.js'
import { INDEX_SECTIONS, type DocsContext } from './context.js'
import { GENERAL_ERRORS } from './general-errors.js'
import { code, fence, firstSentence, inline, prose, table } from './markdown.js'
import type { Page } from './site.js'

type Main = LexXrpcQuery | LexXrpcProcedure

/** A namespace's page: its methods, and its subscriptions (types only). */
export interface NamespacePage {
  readonly path: string
  readonly name: string
  readonly docs: readonly DocModel[]
  readonly subscriptions: readonly DocModel[]
}

export function writeNamespacePage(ctx: DocsContext, { path, name: namespace, docs, subscriptions }: NamespacePage): void {
  const page = ctx.site.page(path)
  page.heading(1, inline(namespace), `namespace:${namespace}`)
  const streams = subscriptions.length ? `${docs.length ? ' Its' : 'The'} subscriptions have their types generated, and no call. ` : ''
  page.add(
    (docs.length ? `The methods under ${code(clientAccess(docs[0]!.method!.clientPath.slice(0, -1)))}, each also a standalone function. ` : '') +
      `${streams}${ctx.site.link('Reference index', INDEX_SECTIONS.namespaces)}: install, sessions, options, retries, validation and errors.`,
  )
  page.add(
    table(
      ['Method', 'Kind', 'Description'],
      [...docs, ...subscriptions].map((doc) => {
        const main = doc.doc.defs.main as Main | LexXrpcSubscription
        return [ctx.site.link(code(doc.method?.name ?? doc.nsid.split('.').at(-1)!), methodKey(doc.nsid)), main.type, inline(firstSentence(main.description))]
      }),
    ),
  )
  for (const doc of docs) writeMethod(ctx, page, doc)
  for (const doc of subscriptions) writeSubscription(ctx, page, doc)
}

/** Where the PDS sends a call without a proxy header (needs.ts), and when to give one. */
const ROUTES: Record<DefaultRoute, string> = {
  pds: 'your PDS answers the call, or forwards it to a service it is configured with',
  ozone: `your PDS forwards the call to a service it is configured with (its moderation service or AppView); give ${code('proxy')} (${code('did:…#atproto_labeler')}) to reach your own Ozone`,
  report: `your PDS forwards the report to the moderation service it is configured with; give ${code('proxy')} (${code('did:…#atproto_labeler')}) to report to another labeler`,
}

function writeMethod(ctx: DocsContext, page: Page, doc: DocModel): void {
  const method = doc.method!
  const main = doc.doc.defs.main as Main
  const needs = callNeeds(doc.nsid, main.description)
  const examples = methodExamples(ctx.model, doc, ctx.clientImport, ctx.values)
  const args = methodArgs(doc)
  const signature = (callee: string, leading: string[]) => `${callee}(${[...leading, ...args.map((a) => `${a.name}${a.optional ? '?' : ''}`), 'options?'].join(', ')})`
  const output = !main.output ? 'void' : method.paginate ? `${doc.alias}.Page` : `${doc.alias}.Output`
  const clientPath = clientAccess(method.clientPath)

  page.heading(2, inline(method.name), methodKey(doc.nsid))
  page.add(main.description ? prose(main.description) : '_The lexicon gives no description._')
  const facts = [
    `**NSID:** ${code(doc.nsid)}`,
    `**Kind:** ${method.type}, ${code(`${method.type === 'query' ? 'GET' : 'POST'} /xrpc/${doc.nsid}`)}`,
    `**Auth:** ${authText(ctx, needs.auth)}`,
    needs.proxy
      ? `**Proxy:** ${code(`atproto-proxy: ${needs.proxy}`)} by default (${ctx.site.link('proxying', INDEX_SECTIONS.proxying)})`
      : `**Proxy:** none by default: ${ROUTES[needs.route]} (${ctx.site.link('proxying', INDEX_SECTIONS.proxying)})`,
    `**Client:** ${code(signature(clientPath, []))} resolves to ${code(output)}, throws ${code(`${doc.alias}.Errors`)}`,
    `**Standalone:** ${code(signature(method.functionName, ['core']))} resolves to ${code(`Result<${output}, ${doc.alias}.Errors>`)}`,
  ]
  writeFacts(page, facts, main.description)

  page.heading(3, 'Example usage')
  page.add('With the namespaced `Client`: it resolves to the output and throws a typed error.', fence('ts', programText(examples.client)))
  page.heading(3, 'Standalone function')
  page.add(standaloneIntro(ctx, doc, examples), fence('ts', programText(examples.standalone)))
  if (examples.pagination) {
    const items = method.paginate!.items
    page.heading(3, 'Pagination')
    page.add(
      `${code(method.name)} is paginated: it takes a ${code('cursor')} and returns the next one. The page it resolves to is ` +
        `async-iterable over pages (itself first)${items ? `, ${code('allItems()')} yields each of ${code(items)} across pages` : ''}, ` +
        `and ${code('nextPage()')} fetches one more page as a ${code('Result')}. The ${code('maxPages')} call option bounds how many pages ` +
        `are read. A page with no items that gives back the cursor it was fetched with ends the iteration (nothing follows it yet: ` +
        `a later call with that ${code('cursor')} picks up what comes next); a server that repeats an earlier cursor, or returns ` +
        `${code('maxEmptyPages')} pages in a row with no items (default 32), fails the iteration with ${code('PaginationLoopError')}.`,
      fence('ts', programText(examples.pagination)),
    )
  }
  if (main.parameters && Object.keys(main.parameters.properties ?? {}).length) {
    page.heading(3, 'Parameters')
    page.add(`${code(`${doc.alias}.Params`)}, sent in the query string.`, ctx.fields.table(doc, main.parameters))
  }
  if (main.type === 'procedure' && main.input) {
    page.heading(3, 'Input')
    page.add(described(main.input, bodyText(ctx, doc, main.input, 'Input')))
  }
  page.heading(3, 'Response')
  page.add(main.output ? described(main.output, bodyText(ctx, doc, main.output, 'Output')) : 'No body: the call resolves to `undefined`.')
  page.heading(3, 'Errors')
  writeErrors(ctx, page, doc, main)
}

/**
 * A subscription's section: lexgen generates its params and message types, guards and validators,
 * but no call (the runtime has no WebSocket transport), so the page says what to use instead.
 */
function writeSubscription(ctx: DocsContext, page: Page, doc: DocModel): void {
  const main = doc.doc.defs.main as LexXrpcSubscription
  page.heading(2, inline(doc.nsid.split('.').at(-1)!), methodKey(doc.nsid))
  page.add(main.description ? prose(main.description) : '_The lexicon gives no description._')
  const facts = [
    `**NSID:** ${code(doc.nsid)}`,
    `**Kind:** subscription, an event stream over WebSocket (${code(`GET /xrpc/${doc.nsid}`)}, upgraded): each message is a DAG-CBOR frame, ` +
      `a header naming its type (${code('t')}, e.g. ${code('#name')} for a def of this lexicon) and the body, which carries no ${code('$type')}`,
    `**Client:** none: lexgen generates the types of its parameters and messages (${code(`${doc.alias}.Params`)}, ${code(`${doc.alias}.Message`)}) ` +
      `and their guards and validators, but no call. Connect with a WebSocket client and decode the frames (${code('@atproto/sync')} does both for the repository event stream)`,
  ]
  writeFacts(page, facts, main.description)
  if (main.parameters && Object.keys(main.parameters.properties ?? {}).length) {
    page.heading(3, 'Parameters')
    page.add(`${code(`${doc.alias}.Params`)}, sent in the query string of the WebSocket URL.`, ctx.fields.table(doc, main.parameters))
  }
  page.heading(3, 'Messages')
  page.add(main.message?.schema ? `${code(`${doc.alias}.Message`)}: ${ctx.fields.type(doc, main.message.schema as never)}.` : 'The lexicon does not describe them.')
  page.heading(3, 'Errors')
  page.add(
    main.errors?.length
      ? 'Declared by the lexicon, sent as an error frame that ends the stream:\n\n' +
          table(['XRPC error', 'Description'], main.errors.map((error) => [code(error.name), inline(error.description ?? '')]))
      : 'The lexicon declares no errors.',
  )
}

/** A section's facts as a list, with a line for a deprecated method or subscription. */
function writeFacts(page: Page, facts: readonly string[], description: string | undefined): void {
  const deprecated = deprecation(description) ? ['**Deprecated:** the lexicon says so; avoid in new code.'] : []
  page.add([...facts, ...deprecated].map((fact) => `- ${fact}`).join('\n'))
}

function authText(ctx: DocsContext, auth: AuthNeed): string {
  const sessions = hasCredentialSession(ctx.model) ? ` (${ctx.site.link('sessions', INDEX_SECTIONS.sessions)})` : ''
  switch (auth) {
    case 'none':
      return 'none: this call signs in and returns the tokens'
    case 'refresh':
      return `the refresh token (${code('refreshJwt')}), not the access token: ${code('CredentialSession')} sends it itself, in ${code('session.logout()')} and its automatic refresh; called through ${code('session.core')} it goes out with the access token and is refused${sessions}`
    case 'chat':
      return (
        `a session with direct-message access${sessions}: the account password, an app password created with direct-message access, ` +
        `or OAuth with the chat scope (a plain app password is refused). Your PDS checks it and forwards the call with a service token`
      )
    case 'access':
      return `an access token: ${code('auth')} on the ${code('Client')} or ${code('Core')}${sessions}`
    case 'optional':
      return `not required, as the lexicon says; the access token is sent when the ${code('Client')} or ${code('Core')} has ${code('auth')}`
    case 'unstated':
      return `the access token when the ${code('Client')} or ${code('Core')} has ${code('auth')}; the lexicon does not say whether the server requires it`
  }
}

function standaloneIntro(ctx: DocsContext, doc: DocModel, examples: MethodExamples): string {
  const handled = examples.handles
    ? ` It checks for the declared ${code(examples.handles.name)} error by its XRPC name (${code('result.error.error')}); ` +
      `${code(`instanceof ${doc.alias}.${examples.handles.className}`)} says the same, but with esbuild the namespace reached that way ` +
      `keeps its validators in the bundle: import the class from the method's own module instead.`
    : ''
  return (
    `Tree-shakable, with a ${code('Core')}: it resolves to a ${code('Result')} and never throws for HTTP, XRPC or network failures.` +
    `${handled} A ${code('Core')} validates only when given ${code('validation')} (${ctx.site.link('validation', INDEX_SECTIONS.validation)}).`
  )
}

/** A body's own description, as the JSDoc has it, before what `text` says of it. */
function described(body: NonNullable<Main['output']>, text: string): string {
  return typeof body.description === 'string' && body.description !== '' ? `${prose(body.description)}\n\n${text}` : text
}

/** An input or output body: its encoding and type, with the field table of an object. */
function bodyText(ctx: DocsContext, doc: DocModel, body: NonNullable<Main['output']>, name: 'Input' | 'Output'): string {
  const encoding = code(body.encoding)
  if (body.encoding !== 'application/json') {
    if (name === 'Output') {
      // Any type may come back: the Client returns the bytes alone, a Result also the response headers that say which.
      const type = body.encoding.includes('*') ? ` Their type is the response's ${code('content-type')}: ${code("result.response.headers['content-type']")} of the standalone function.` : ''
      return `${encoding} bytes, as a ${code('Uint8Array')}, read whole into memory: a body over ${code('maxResponseBytes')} (16 MiB unless the Core or the call sets it) fails with a ${code('ResponseTooLargeError')}.${type}`
    }
    const types = `${code('BinaryInput')} (a ${code('Uint8Array')}, ${code('ArrayBuffer')}, ${code('Blob')}, stream or string)`
    // A stream is read by the one attempt that sends it (runtime/retry.ts, runtime/session.ts: isOneShotBody).
    const once = ` A stream is sent once: it is not retried, nor replayed after a session refresh (the call fails with ${code('ExpiredTokenError')}; send a new stream).`
    // A wildcard says what the server accepts; what is sent is decided per call (runtime/request.ts encodeInput).
    if (!/[*,]/.test(body.encoding)) return `${encoding} bytes: ${types}.${once}`
    if (body.encoding !== '*/*') return `${encoding} bytes: ${types}, sent with the call's ${code('content-type')} header if it gives one, else a ${code('Blob')}'s own type; a call with neither (a ${code('File')} of a type the browser does not know has none), or with a type ${encoding} does not cover, fails with a ${code('TypeError')} before sending.${once}`
    return `${encoding} bytes: ${types}, sent with the call's ${code('content-type')} header if it gives one, else a ${code('Blob')}'s own type, else ${code('application/octet-stream')}: name the type, as a PDS checks an OAuth session's ${code('blob:')} scopes against it.${once}`
  }
  const schema = body.schema
  if (!schema) return `${encoding}: any JSON object (${code(`${doc.alias}.${name}`)}).`
  if (schema.type === 'object') return `${encoding}, ${code(`${doc.alias}.${name}`)}:\n\n${ctx.fields.table(doc, schema)}`
  return `${encoding}, ${code(`${doc.alias}.${name}`)}: ${ctx.fields.type(doc, schema as never)}.`
}

function writeErrors(ctx: DocsContext, page: Page, doc: DocModel, main: Main): void {
  const method = doc.method!
  if (method.errors.length) {
    page.add(
      `Declared by the lexicon, which gives them no status: servers mostly send 400, but not always (${ctx.site.link('errors', INDEX_SECTIONS.errors)}). ` +
        `A declared name takes precedence over the status classes below: whatever the status, the runtime raises the declared class, so it is not an ` +
        `${code('InvalidRequestError')} or an ${code('AuthenticationRequiredError')}${tokenErrorsException(method.errors)}; check ${code('error.status')} when the status matters. ` +
        'One class per name, shared by every method that declares it.',
      table(
        ['Class', 'XRPC error', 'Description'],
        method.errors.map((error) => [code(`${doc.alias}.${error.className}`), code(error.name), inline(error.description ?? '')]),
      ),
    )
  } else {
    page.add('The lexicon declares no errors.')
  }
  const hasRequestParts =
    Object.keys(main.parameters?.properties ?? {}).length > 0 || (main.type === 'procedure' && main.input?.encoding === 'application/json')
  const jsonOutput = main.output?.encoding === 'application/json'
  const applies = GENERAL_ERRORS.filter(
    (error) =>
      !error.base &&
      (error.only === undefined ||
        (error.only === 'params-or-input' && hasRequestParts) ||
        (error.only === 'json-output' && jsonOutput) ||
        (error.only === 'paginated' && method.paginate !== undefined)),
  )
  page.add(
    `General errors, from ${code(ctx.model.runtimeImport)} (all are ${code('XrpcError')}s; see ${ctx.site.link('errors', INDEX_SECTIONS.errors)}):`,
    table(['Class', 'Status', 'When'], applies.map((error) => [code(error.className), error.status, error.when])),
  )
}

/**
 * The declared errors whose classes are the general token errors too (runtime/errors.ts,
 * `declaredError`), and so `AuthenticationRequiredError`s, as the exception they are.
 */
function tokenErrorsException(errors: readonly ErrorModel[]): string {
  const tokens = errors.filter((error) => GENERAL_TOKEN_ERRORS.has(error.name))
  if (!tokens.length) return ''
  const list = (names: readonly string[]) => names.map((name) => code(name)).join(' and ')
  return `, except ${list(tokens.map((error) => error.name))}, whose classes are also the general ${list(tokens.map((error) => `${error.name}Error`))}`
}

const GENERAL_TOKEN_ERRORS = new Set(['ExpiredToken', 'InvalidToken'])
