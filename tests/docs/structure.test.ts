/**
 * The generated reference docs, checked against what they describe: every method of the
 * committed client has its full section, every link lands on a heading, model pages and their
 * users link both ways, and the facts the docs state (error classes and statuses, call options,
 * the chat proxy, example values) are pinned to the runtime and to @atproto/lexicon.
 */
import { Lexicons, type LexiconDoc, type LexXrpcProcedure, type LexXrpcQuery } from '@atproto/lexicon'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, posix } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import * as runtime from '@lexgen/runtime'
import type { PageOptions } from '@lexgen/runtime'
import { loadLexiconFiles } from '../../codegen/load.js'
import { buildModel } from '../../codegen/model.js'
import { parseLexiconDocs, skimLexicons, type ParsedDoc } from '../../codegen/parse.js'
import { selectDocs } from '../../codegen/select.js'
import { emitDocs } from '../../codegen/emit/docs/index.js'
import { CALL_OPTIONS } from '../../codegen/emit/docs/index-page.js'
import { GENERAL_ERRORS } from '../../codegen/emit/docs/general-errors.js'
import { EXAMPLE_WORLD, exampleId, ExampleValues } from '../../codegen/emit/examples/values.js'
import { BSKY_CHAT_PROXY, callNeeds } from '../../codegen/emit/needs.js'
import * as generated from '../../generated/index.js'
import { responseError } from '../../runtime/errors.js'
import { resolveProxy } from '../../runtime/proxy.js'
import { loadLexicons } from '../helpers/xrpc-server.js'
import { editJson, lexiconDir, removeDir } from '../codegen/helpers.js'
import { query } from '../codegen/support/bad-lexicons.js'
import { anchors, codeBlocks, links, methodSections, readDocs, ROOT, type MethodSection } from './support.js'

let pages: Map<string, string>
let sections: MethodSection[]
const lexicons = new Map<string, LexiconDoc>()

beforeAll(async () => {
  pages = await readDocs()
  sections = methodSections(pages)
  for (const doc of loadLexicons()) lexicons.set(doc.id, doc)
})

/** Every method module of the committed client, by NSID. */
const methods = Object.entries(generated as unknown as Record<string, { id?: string; method?: runtime.Method }>)
  .filter(([, mod]) => mod.method !== undefined)
  .map(([alias, mod]) => ({ alias, nsid: mod.id!, method: mod.method!, module: mod as Record<string, unknown> }))

const unescape = (text: string) => text.replace(/\\(.)/g, '$1').replace(/&amp;/g, '&')

/** What the examples of some docs read from the environment, and which of those their README's Install section does not name. */
function environment(docs: ReadonlyMap<string, string>): { read: string[]; unnamed: string[] } {
  const install = docs.get('README.md')!.split(/^(?=## )/m).find((chunk) => chunk.startsWith('## Install'))!
  const read = [...new Set(codeBlocks(docs).flatMap((block) => [...block.code.matchAll(/process\.env\['(\w+)'\]/g)].map((m) => m[1]!)))].sort()
  return { read, unnamed: read.filter((name) => !install.includes(`\`${name}\``)) }
}

describe('every method of the committed client has its section', () => {
  it('covers all 47 methods: chat.bsky actor, convo, group and notification, and the session methods', () => {
    expect(methods.map((m) => m.nsid.split('.').slice(0, 3).join('.'))).toEqual(expect.arrayContaining(['chat.bsky.actor', 'chat.bsky.convo', 'chat.bsky.group', 'chat.bsky.notification', 'com.atproto.server']))
    expect(methods).toHaveLength(47)
    expect(sections.map((s) => s.nsid).sort()).toEqual(methods.map((m) => m.nsid).sort())
  })

  it.each(methods)('$nsid', ({ alias, nsid, method, module }) => {
    const section = sections.find((s) => s.nsid === nsid)!
    const main = lexicons.get(nsid)!.defs.main as LexXrpcQuery | LexXrpcProcedure
    const namespace = nsid.split('.').slice(0, -1).join('.')
    expect(section.page).toBe(`${namespace}.md`)
    expect(section.name).toBe(nsid.split('.').at(-1))
    const text = unescape(section.text)

    // Description, then what the call is and needs.
    if (main.description) expect(text).toContain(main.description.split('\n')[0]!.trim())
    else expect(text).toContain('The lexicon gives no description.')
    expect(section.text).toContain(`- **Kind:** ${method.type}, \`${method.type === 'query' ? 'GET' : 'POST'} /xrpc/${nsid}\``)
    expect(section.text).toMatch(/^- \*\*Auth:\*\* \S.+$/m)
    const proxy = callNeeds(nsid, main.description).proxy
    expect(section.text).toMatch(proxy ? new RegExp(`^- \\*\\*Proxy:\\*\\* \`atproto-proxy: ${proxy}\` by default`, 'm') : /^- \*\*Proxy:\*\* none by default/m)
    expect(section.text).toContain(`\`client.${nsid}(`)
    expect(section.text).toContain(`- **Standalone:** \`${method.nsid.split('.').map((p, i) => (i ? p[0]!.toUpperCase() + p.slice(1) : p)).join('')}(core`)

    // The parts, in order.
    const hasParams = Object.keys(main.parameters?.properties ?? {}).length > 0
    const hasInput = main.type === 'procedure' && main.input !== undefined
    expect(section.parts).toEqual([
      'Example usage',
      'Standalone function',
      ...(method.paginate ? ['Pagination'] : []),
      ...(hasParams ? ['Parameters'] : []),
      ...(hasInput ? ['Input'] : []),
      'Response',
      'Errors',
    ])
    const part = (name: string) => section.text.split(/^### /m).find((p) => p.startsWith(`${name}\n`))!
    for (const name of Object.keys(main.parameters?.properties ?? {})) expect(part('Parameters')).toContain(`| \`${name}\` |`)
    const input = hasInput ? (main as LexXrpcProcedure).input!.schema : undefined
    if (input?.type === 'object') for (const name of Object.keys(input.properties ?? {})) expect(part('Input')).toContain(`| \`${name}\` |`)
    const output = main.output?.schema
    if (output?.type === 'object') for (const name of Object.keys(output.properties ?? {})) expect(part('Response')).toContain(`| \`${name}\` |`)
    if (main.output && main.output.encoding !== 'application/json') expect(part('Response')).toContain('`Uint8Array`')
    if (!main.output) expect(part('Response')).toContain('No body')

    // Every declared error: its class (as exported) and XRPC name, no status the lexicon does not give; then the general ones.
    const errors = part('Errors')
    for (const [name, cls] of Object.entries(method.errors ?? {})) {
      expect(module[cls.name], `${alias}.${cls.name}`).toBe(cls)
      expect(errors).toContain(`| \`${alias}.${cls.name}\` | \`${name}\` |`)
    }
    if (method.errors) expect(errors).toContain('| Class | XRPC error | Description |')
    // The declared errors the page calls the exception (not only declared classes) are exactly those that are AuthenticationRequiredErrors.
    const alsoGeneral = Object.entries(method.errors ?? {}).filter(([, cls]) => cls.prototype instanceof runtime.AuthenticationRequiredError)
    const exception = /, except (.+?), whose classes are also the general (.+?);/.exec(errors)
    expect(exception?.[1]?.split(' and ') ?? [], 'the exception').toEqual(alsoGeneral.map(([name]) => `\`${name}\``))
    expect(exception?.[2]?.split(' and ') ?? []).toEqual(alsoGeneral.map(([, cls]) => `\`${Object.getPrototypeOf(cls).name}\``))
    if (!method.errors) expect(errors).toContain('The lexicon declares no errors.')
    for (const cls of ['InvalidRequestError', 'AuthenticationRequiredError', 'RateLimitExceededError', 'UpstreamFailureError', 'ConnectionError', 'TimeoutError']) {
      expect(errors).toMatch(new RegExp(`^\\| \`${cls}\` \\| [^|]+ \\| [^|]+ \\|$`, 'm'))
    }
    expect(errors.includes('`PaginationLoopError`')).toBe(method.paginate !== undefined)
  })
})

describe('links', () => {
  /** `page#anchor` → the target page and anchor, from `from`. */
  const resolve = (from: string, href: string) => {
    const [path, anchor = ''] = href.split('#')
    return { page: path ? posix.normalize(posix.join(posix.dirname(from), path)) : from, anchor }
  }

  it('every page starts with the generated banner', () => {
    expect(pages.size).toBe(30)
    for (const [path, text] of pages) expect(text, path).toMatch(/^<!-- Generated by lexgen from [^\n]+ Do not edit: run `npx lexgen generate`\. -->\n/)
  })

  it('every link lands on a page of the docs and a heading on it', () => {
    const broken: string[] = []
    let count = 0
    for (const [path, text] of pages) {
      for (const href of links(text)) {
        count++
        const target = resolve(path, href)
        const page = pages.get(target.page)
        if (!page || (target.anchor && !anchors(page).has(target.anchor))) broken.push(`${path}: ${href}`)
      }
    }
    expect(count).toBeGreaterThan(1000)
    expect(broken).toEqual([])
  })

  it('a known value naming a token says what its lexicon says of it (tokens get no section of their own)', () => {
    expect(pages.get('models/app.bsky.graph.defs.md')).toContain('known values: `app.bsky.graph.defs#modlist` (A list of actors to apply an aggregate moderation action (mute/block) on.), ')
  })

  it('model pages and what uses them link both ways', () => {
    /** The text of the section a link points to: the `##` section holding the anchor. */
    const sectionAt = (page: string, anchor: string) => {
      const chunks = pages.get(page)!.split(/^(?=## )/m)
      return chunks.find((chunk) => anchors(chunk.replace(/^## /, '# ')).has(anchor)) ?? ''
    }
    const missing: string[] = []
    let checked = 0
    for (const [path, text] of pages) {
      if (!path.startsWith('models/')) continue
      for (const chunk of text.split(/^(?=## )/m).slice(1)) {
        const anchor = [...anchors(chunk.replace(/^## /, '# '))][0]!
        const usedBy = /^\*\*Used by:\*\* (.*)$/m.exec(chunk)?.[1]
        if (!usedBy) {
          expect(chunk, `${path}#${anchor}`).toMatch(/- \*\*Kind:\*\* record/)
          continue
        }
        for (const href of links(usedBy)) {
          checked++
          const user = resolve(path, href)
          const back = links(sectionAt(user.page, user.anchor)).map((h) => resolve(user.page, h))
          if (!back.some((b) => b.page === path && b.anchor === anchor)) missing.push(`${path}#${anchor} ← ${href}`)
        }
      }
    }
    expect(checked).toBeGreaterThan(250)
    expect(missing).toEqual([])
  })
})

describe('what the docs state is what the runtime does', () => {
  it('lists every error class of the runtime, with its parent and the statuses that produce it', () => {
    const classes = Object.entries(runtime).filter(([, value]) => typeof value === 'function' && (value === runtime.XrpcError || value.prototype instanceof runtime.XrpcError))
    expect(GENERAL_ERRORS.map((e) => e.className).sort()).toEqual(classes.map(([name]) => name).sort())
    const byName = new Map(classes)
    for (const error of GENERAL_ERRORS) {
      if (error.parent) expect(Object.getPrototypeOf(byName.get(error.className)), error.className).toBe(byName.get(error.parent))
      // '3xx' is tried as 307; '0' is no response and '2xx' a success, neither made by responseError.
      const statuses = [...error.status.matchAll(/\b(\d)(\d\d|xx)\b/g)].map(([, first, rest]) => Number(`${first}${rest === 'xx' ? '07' : rest}`))
      if (error.base || /2xx/.test(error.status)) continue
      const name = /error `(\w+)`/.exec(error.when)?.[1]
      for (const status of statuses) {
        const made = responseError({ status, headers: {}, message: 'x', ...(name ? { error: name } : {}) }, 'x.y.z', 1)
        expect(made.constructor.name, `${error.className} for ${status}`).toBe(error.className)
      }
    }
    expect(responseError({ status: 599, headers: {}, message: 'x' }, 'x.y.z', 1)).toBeInstanceOf(runtime.InternalServerError)
  })

  it('declared errors: one class per name across methods, raised by name whatever the status, only the token ones also general classes', async () => {
    const byName = new Map<string, unknown>()
    for (const { nsid, method } of methods) {
      for (const [name, cls] of Object.entries(method.errors ?? {})) {
        if (!byName.has(name)) byName.set(name, cls)
        expect(cls, `${nsid} ${name}`).toBe(byName.get(name))
        for (const status of [400, 401, 403, 500]) {
          const made = responseError({ status, headers: {}, error: name, message: 'x' }, nsid, 1, method.errors)
          expect(made, `${nsid} ${name} ${status}`).toBeInstanceOf(cls)
          expect(made instanceof runtime.AuthenticationRequiredError, `${nsid} ${name} ${status}`).toBe(name === 'ExpiredToken' || name === 'InvalidToken')
        }
      }
    }
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['AccountTakedown', 'ExpiredToken', 'InvalidToken', 'InvalidConvo']))
    const errors = unescape(pages.get('README.md')!.split(/^(?=## )/m).find((chunk) => chunk.startsWith('## Errors'))!)
    expect(errors).toContain('one class per error name, shared by every method that declares it')
    expect(errors).toContain('a response whose `error` the method declares is raised as the declared class whatever its status')
    expect(errors).toContain('Declared `ExpiredToken` and `InvalidToken` are the exception: their classes are also the general `ExpiredTokenError` and `InvalidTokenError`')
    // What the docs say of the reference PDS, checked against its code.
    expect(errors).toContain('the reference PDS sends `AccountTakedown` with 401')
    for (const method of ['createSession', 'refreshSession']) {
      const source = await readFile(join(ROOT, `node_modules/@atproto/pds/dist/api/com/atproto/server/${method}.js`), 'utf8')
      expect(source, method).toMatch(/new xrpc_server_1\.AuthRequiredError\([^()]*'AccountTakedown'\)/)
    }
  })

  it('says what length limits count, as the generated validators count it', () => {
    const validation = pages.get('README.md')!.split(/^(?=## )/m).find((chunk) => chunk.startsWith('## Validation'))!
    expect(validation).toContain(
      "a string's `maxLength` and `minLength` count UTF-8 bytes (`'é'` is 2, `'👍🏽'` is 8), its `maxGraphemes` and `minGraphemes` " +
        "count grapheme clusters as `Intl.Segmenter` splits them (`'👍🏽'` is 1), an array's count items and a `bytes` field's count bytes",
    )
    // messageInput.text has maxLength 10000 and maxGraphemes 1000; getConvoForMembers' members, 1 to 10.
    const text = (value: string) => runtime.validate(generated.ChatBskyConvoDefs.validateMessageInput, { text: value }, false).map((issue) => issue.message)
    expect(text('é'.repeat(1000))).toEqual([])
    expect(text('👍🏽'.repeat(1001))).toEqual(['more than 1000 graphemes (maxGraphemes 1000)'])
    // 401 families: 4,411 UTF-16 units and 401 graphemes, but 10,025 UTF-8 bytes.
    expect(text('👨‍👩‍👧‍👦'.repeat(401))).toEqual(['10025 bytes (UTF-8) > maxLength 10000'])
    const members = (count: number) => runtime.validate(generated.ChatBskyConvoGetConvoForMembers.validateParams, { members: Array(count).fill('did:plc:x') }, false)
    expect(members(10)).toEqual([])
    expect(members(11).map((issue) => issue.message)).toEqual(['11 items > maxLength 10'])
  })

  it('names every environment variable the examples read, and spells out no password', () => {
    expect(environment(pages)).toEqual({
      read: ['ATPROTO_ACCESS_JWT', 'ATPROTO_CHAT_PROXY', 'ATPROTO_IDENTIFIER', 'ATPROTO_PASSWORD', 'ATPROTO_REFRESH_JWT', 'ATPROTO_SERVICE'],
      unnamed: [],
    })
    for (const block of codeBlocks(pages)) expect(block.code, `${block.page} ${block.section}`).not.toContain(EXAMPLE_WORLD.password)
    const createSession = codeBlocks(pages).filter((block) => block.nsid === 'com.atproto.server.createSession')
    expect(createSession.length).toBeGreaterThan(1)
    for (const block of createSession) expect(block.code).toContain("password: process.env['ATPROTO_PASSWORD'] ?? '',")
  })

  it('says both ways paging ends in a PaginationLoopError (tests/runtime/paginate.test.ts drives them), wherever it lists the class', () => {
    const row = '| `PaginationLoopError` | 0 | the server repeated a cursor while paging, or sent `maxEmptyPages` pages in a row with no items |'
    expect(new runtime.PaginationLoopError('x.y.z', 2).message).toContain('returned a cursor it had already returned')
    expect(new runtime.PaginationLoopError('x.y.z', 32, 32).message).toContain('returned 32 pages in a row with no items')
    const paginated = methods.filter(({ method }) => method.paginate).map(({ nsid }) => sections.find((s) => s.nsid === nsid)!)
    expect(paginated.length).toBeGreaterThan(5)
    for (const section of paginated) expect(section.text, section.nsid).toContain(row)
    expect(pages.get('README.md')).toContain(row)
  })

  it('names everything hooks are given, as runtime/hooks.ts gives it', () => {
    const given = {
      nsid: true, type: true, attempt: true, method: true, url: true, status: true, headers: true, durationMs: true, error: true,
    } satisfies Record<keyof runtime.ResponseContext | keyof runtime.ErrorContext, true>
    const hooks = pages.get('README.md')!.split(/^(?=## )/m).find((chunk) => chunk.startsWith('## Hooks'))!
    for (const name of [...Object.keys(given), 'onRequest', 'onResponse', 'onError']) expect(hooks, name).toContain(`\`${name}\``)
    expect(hooks).toContain('`onResponse` adds the `status`, the response `headers` and `durationMs`, `onError` the `error` and `durationMs`')
  })

  it('documents exactly the call options the runtime takes', () => {
    const options = {
      signal: true, timeout: true, maxResponseBytes: true, headers: true, proxy: true, retries: true,
      idempotent: true, validate: true, validateRequest: true, maxPages: true, maxEmptyPages: true,
    } satisfies Record<keyof PageOptions, true>
    expect(CALL_OPTIONS.map(([name]) => name).sort()).toEqual(Object.keys(options).sort())
  })

  it("states the runtime's default proxy for every method", () => {
    expect(BSKY_CHAT_PROXY).toBe(runtime.BSKY_CHAT_PROXY)
    for (const { nsid } of methods) expect(callNeeds(nsid, undefined).proxy, nsid).toBe(resolveProxy(nsid, undefined, undefined))
  })

  it('says where the reference PDS sends a call without a proxy header, as its own routing does, for every method of the 402-doc corpus', async () => {
    // @atproto/pds's pipethrough: the service a call goes to when the PDS does not answer it itself.
    const { computeProxyTo } = createRequire(import.meta.url)('@atproto/pds/dist/pipethrough.js') as {
      computeProxyTo(ctx: unknown, req: { header(name: string): string | undefined }, lxm: string): string
    }
    const service = (name: string) => ({ did: `did:web:${name}.example`, url: `https://${name}.example` })
    const ctx = { cfg: { bskyAppView: service('appview'), modService: service('moderation'), reportService: service('report') } }
    const routes = { appview: 'did:web:appview.example#bsky_appview', moderation: 'did:web:moderation.example#atproto_labeler', report: 'did:web:report.example#atproto_labeler' }
    // What each of our routes allows the PDS to do: a call it sends to a moderation service must be one we tell to give its own Ozone.
    const allowed = { pds: [routes.appview], ozone: [routes.moderation, routes.appview], report: [routes.report] }
    const selected = selectDocs(skimLexicons(await loadLexiconFiles(`${ROOT}/lexicons`)), { include: ['*'], exclude: [] })
    const seen = new Set<string>()
    for (const { doc } of selected.docs) {
      if (doc.defs.main?.type !== 'query' && doc.defs.main?.type !== 'procedure') continue
      const to = computeProxyTo(ctx, { header: () => undefined }, doc.id)
      const { route } = callNeeds(doc.id, undefined)
      expect(allowed[route], `${doc.id}: we say '${route}', the PDS sends it to ${to}`).toContain(to)
      seen.add(`${route} → ${to}`)
    }
    expect([...seen].sort()).toEqual([
      `ozone → ${routes.appview}`,
      `ozone → ${routes.moderation}`,
      `pds → ${routes.appview}`,
      `report → ${routes.report}`,
    ])
  })

  /** Builds every method's example arguments and has @atproto/lexicon check them; returns how many methods. */
  /**
   * Builds every method's example arguments and has @atproto/lexicon check them, and each record
   * they send beside its collection (`unknown` to the method) against that collection's lexicon,
   * as a PDS does; returns how many methods, and the records checked by method.
   */
  function checkExamples(parsed: readonly ParsedDoc[]): { methods: number; records: Map<string, unknown[]> } {
    const model = buildModel(parsed, { runtimeImport: '@lexgen/runtime', fileExt: '.ts' })
    const values = new ExampleValues(model)
    // Lexicons rewrites the refs of the docs it is given (to `lex:` URIs): it gets copies.
    const reference = new Lexicons(parsed.map((p) => structuredClone(p.doc)))
    let methods = 0
    const records = new Map<string, unknown[]>()
    const checkRecords = (nsid: string, value: unknown): void => {
      if (Array.isArray(value)) return value.forEach((item) => checkRecords(nsid, item))
      if (typeof value !== 'object' || value === null) return
      const { collection, record = (value as { value?: unknown }).value } = value as { collection?: unknown; record?: unknown }
      if (typeof collection === 'string' && record !== undefined && reference.getDef(collection)?.type === 'record') {
        reference.assertValidRecord(collection, record)
        records.set(nsid, [...(records.get(nsid) ?? []), record])
      }
      for (const field of Object.values(value)) checkRecords(nsid, field)
    }
    for (const doc of model.docs) {
      if (!doc.method) continue
      const main = doc.doc.defs.main as LexXrpcQuery | LexXrpcProcedure
      if (main.parameters) reference.assertValidXrpcParams(doc.nsid, values.object(doc, main.parameters, true))
      const input = main.type === 'procedure' ? main.input : undefined
      if (input?.encoding === 'application/json' && input.schema) {
        const value = input.schema.type === 'object' ? values.object(doc, input.schema, true) : values.value(doc, input.schema as never, 'input')
        reference.assertValidXrpcInput(doc.nsid, value)
        checkRecords(doc.nsid, value)
      }
      methods++
    }
    return { methods, records }
  }

  it('derives example arguments that @atproto/lexicon accepts, for every method of the 402-doc corpus, records written included', async () => {
    const { docs: parsed } = parseLexiconDocs(await loadLexiconFiles(`${ROOT}/lexicons`))
    const { methods, records } = checkExamples(parsed)
    expect(methods).toBeGreaterThan(250)
    // A real post, not `{}` (which a PDS refuses for app.bsky.feed.post), wherever a record is written.
    expect([...records.keys()].sort()).toEqual(['com.atproto.repo.applyWrites', 'com.atproto.repo.createRecord', 'com.atproto.repo.putRecord'])
    for (const written of records.values()) expect(written).toEqual([expect.objectContaining({ $type: 'app.bsky.feed.post', text: expect.any(String) })])
  })

  it('finds a finite example for recursive lexicons: the next union member, an empty array, an optional field left out', async () => {
    const expr = { type: 'union', refs: ['#binary', '#literal'] }
    const procedure = (properties: object, required: string[]) => ({
      type: 'procedure',
      input: { encoding: 'application/json', schema: { type: 'object', required, properties } },
    })
    const dir = await lexiconDir({
      // An expression tree: operands are expressions, the first member being the recursive one.
      'com/example/calc.json': {
        lexicon: 1,
        id: 'com.example.calc',
        defs: {
          main: procedure({ expr }, ['expr']),
          binary: { type: 'object', required: ['op', 'left', 'right'], properties: { op: { type: 'string', enum: ['+'] }, left: expr, right: expr } },
          literal: { type: 'object', required: ['value'], properties: { value: { type: 'integer' } } },
        },
      },
      // A cycle through two docs, left by an array that may be empty.
      'com/example/tree.json': {
        lexicon: 1,
        id: 'com.example.tree',
        defs: {
          main: procedure({ root: { type: 'ref', ref: 'com.example.branch#node' } }, ['root']),
        },
      },
      'com/example/branch.json': {
        lexicon: 1,
        id: 'com.example.branch',
        defs: {
          node: { type: 'object', required: ['children'], properties: { children: { type: 'array', items: { type: 'ref', ref: 'com.example.tree#child' } } } },
        },
      },
      // Only an optional field, which could never end: the example leaves it out.
      'com/example/loose.json': { lexicon: 1, id: 'com.example.loose', defs: { main: procedure({ self: { type: 'ref', ref: '#self' } }, []), self: { type: 'object', required: ['self'], properties: { self: { type: 'ref', ref: '#self' } } } } },
    })
    try {
      await editJson(join(dir, 'com/example/tree.json'), (doc) => {
        doc.defs.child = { type: 'object', required: ['node'], properties: { node: { type: 'ref', ref: 'com.example.branch#node' } } }
      })
      const { docs: parsed, problems } = parseLexiconDocs(await loadLexiconFiles(dir))
      expect(problems).toEqual([])
      expect(checkExamples(parsed).methods).toBe(3)
      const model = buildModel(parsed, { runtimeImport: '@lexgen/runtime', fileExt: '.ts' })
      const values = new ExampleValues(model)
      const input = (nsid: string) => {
        const doc = model.byNsid.get(nsid)!
        return values.object(doc, (doc.doc.defs.main as LexXrpcProcedure).input!.schema as never, true)
      }
      expect(JSON.parse(JSON.stringify(input('com.example.calc')))).toEqual({
        expr: { $type: 'com.example.calc#binary', op: '+', left: { $type: 'com.example.calc#literal', value: 1 }, right: { $type: 'com.example.calc#literal', value: 1 } },
      })
      expect(JSON.parse(JSON.stringify(input('com.example.tree')))).toEqual({ root: { children: [] } })
      expect(JSON.parse(JSON.stringify(input('com.example.loose')))).toEqual({})
    } finally {
      await removeDir(dir)
    }
  })
})

describe('docs for any selection', () => {
  async function docsFor(include: string[], lexicons = `${ROOT}/lexicons`): Promise<Map<string, string>> {
    const selected = selectDocs(skimLexicons(await loadLexiconFiles(lexicons)), { include, exclude: [] })
    return new Map(emitDocs(buildModel(selected.docs, { runtimeImport: '@lexgen/runtime', fileExt: '.ts' }), { clientImport: './src/atproto/index.js', regenerate: 'npx lexgen generate' }))
  }

  function brokenLinks(docs: ReadonlyMap<string, string>): string[] {
    const broken: string[] = []
    for (const [path, text] of docs) {
      for (const href of links(text)) {
        const [target = '', anchor = ''] = href.split('#')
        const page = docs.get(target ? posix.normalize(posix.join(posix.dirname(path), target)) : path)
        if (!page || (anchor && !anchors(page).has(anchor))) broken.push(`${path}: ${href}`)
      }
    }
    return broken
  }

  it('renders the whole 402-doc corpus (records, tokens, blobs, subscriptions, binary bodies) with every link landing', async () => {
    const docs = await docsFor(['*'])
    expect(docs.size).toBeGreaterThan(100)
    expect(brokenLinks(docs)).toEqual([])
    expect(docs.get('com.atproto.repo.md')).toContain('`application/json`, `ComAtprotoRepoUploadBlob.Output`')
    expect(docs.get('README.md')).toContain("from './src/atproto/index.js'")
    // An open union with no refs takes any typed object; lengths say what they count; a record always has its $type.
    expect(docs.get('models/site.standard.document.md')).toMatch(/^\| `content` \| any object with a `\$type` \(an open union with no known members\) \|/m)
    expect(docs.get('models/chat.bsky.convo.defs.md')).toMatch(/^\| `text` \| `string` \| yes \| maxLength: `10000` UTF-8 bytes, maxGraphemes: `1000` \|/m)
    expect(docs.get('chat.bsky.convo.md')).toMatch(/^\| `members` \| array of `string` \| yes \| minLength: `1` items, maxLength: `10` items, each: format: `did` \|/m)
    expect(docs.get('models/chat.bsky.actor.declaration.md')).toContain("`$type: 'chat.bsky.actor.declaration'` always (in the repository too)")
    // Binary bodies: what is sent as the content type of a wildcard input (runtime/request.ts), and the limit a download meets.
    expect(docs.get('com.atproto.repo.md')).toContain(
      "`*/*` bytes: `BinaryInput` (a `Uint8Array`, `ArrayBuffer`, `Blob`, stream or string), sent with the call's `content-type` header if it gives one, else a `Blob`'s own type, else `application/octet-stream`: name the type, as a PDS checks an OAuth session's `blob:` scopes against it. A stream is sent once: it is not retried, nor replayed after a session refresh (the call fails with `ExpiredTokenError`; send a new stream).",
    )
    // ...which the sessions section and the error table say too (tests/e2e/repo.test.ts measures it).
    expect(docs.get('README.md')).toContain('and replays the call, unless its input is a stream, which cannot be sent twice: that call fails with `ExpiredTokenError`')
    expect(docs.get('README.md')).toContain('seen only if the one refresh and replay failed, or for a streamed input, which is not sent twice |')
    // What a proxy set on the Client does to the calls the PDS serves itself (tests/e2e/repo.test.ts measures it).
    expect(docs.get('README.md')).toContain('the reference PDS still answers the calls it serves itself (records, blobs, sessions: most `com.atproto.*`) and forwards every other one to that service, `app.bsky.*` ones included')
    // A guard checks only $type: the validation section says how to check an `unknown` value (tests/e2e/repo.test.ts shows why).
    expect(docs.get('README.md')).toContain('`validate(validator, value, false)` from `@lexgen/runtime` returns the issues')
    expect(docs.get('README.md')).toContain("`true` checks strictly, blobs' `accept` and `maxSize` included, as a PDS does when a record is written; `false, true` checks those blob limits leniently")
    // Writes go to the signed-in account's repo, with a key of the kind the collection takes (a post's: a TID, the one at-uris name).
    const repo = docs.get('com.atproto.repo.md')!
    const section = (name: string) => repo.slice(repo.indexOf(`\n## ${name}\n`), repo.indexOf('\n## ', repo.indexOf(`\n## ${name}\n`) + 1))
    for (const write of ['applyWrites', 'createRecord', 'deleteRecord', 'putRecord']) {
      expect(section(write), write).toContain("  repo: process.env['ATPROTO_IDENTIFIER'] ?? 'alice.example.com',")
    }
    expect(section('putRecord')).toContain(`  rkey: '${exampleId('rkey')}',`)
    expect(section('getRecord')).toContain("  repo: 'bob.example.com',")
    // What the lexicon says of auth, said back: "Does not require auth" (getBlob, getRecord) is not silence (describeServer), "Requires auth" is a need.
    const authLine = (page: string, name: string) => docs.get(page)!.split(`\n## ${name}\n`)[1]!.match(/^- \*\*Auth:\*\* (.*)$/m)![1]
    expect(authLine('com.atproto.sync.md', 'getBlob')).toBe('not required, as the lexicon says; the access token is sent when the `Client` or `Core` has `auth`')
    expect(authLine('com.atproto.repo.md', 'getRecord')).toBe(authLine('com.atproto.sync.md', 'getBlob'))
    expect(authLine('com.atproto.server.md', 'describeServer')).toMatch(/the lexicon does not say whether the server requires it$/)
    expect(authLine('com.atproto.repo.md', 'uploadBlob')).toMatch(/^an access token:/)
    // uploadBlob's examples name the content type (tests/e2e/repo.test.ts: `blob:image/*` refuses an octet-stream PNG).
    expect(section('uploadBlob')).toContain("uploadBlob(new TextEncoder().encode('hello'), { headers: { 'content-type': 'text/plain' } })")
    expect(section('uploadBlob')).toContain("comAtprotoRepoUploadBlob(core, new TextEncoder().encode('hello'), { headers: { 'content-type': 'text/plain' } })")
    // A subscription: its section says there is no call and what to use, its messages have model pages.
    const sync = docs.get('com.atproto.sync.md')!
    const subscribeRepos = sync.slice(sync.indexOf('\n## subscribeRepos\n'))
    expect(subscribeRepos).toContain('- **Client:** none: lexgen generates the types of its parameters and messages (`ComAtprotoSyncSubscribeRepos.Params`, `ComAtprotoSyncSubscribeRepos.Message`)')
    expect(subscribeRepos).toMatch(/^\| `cursor` \| `integer` \| no \|/m)
    expect(subscribeRepos).toContain('`ComAtprotoSyncSubscribeRepos.Message`: union of [`ComAtprotoSyncSubscribeRepos.Commit`](models/com.atproto.sync.subscribeRepos.md#commit)')
    expect(subscribeRepos).toMatch(/^\| `ConsumerTooSlow` \| If the consumer/m)
    expect(sync).toMatch(/^\| \[`subscribeRepos`\]\(#subscriberepos\) \| subscription \| Repository event stream/m)
    expect(docs.get('README.md')).toContain('- [`subscribeRepos`](com.atproto.sync.md#subscriberepos) (subscription: types only)')
    expect(docs.get('models/com.atproto.sync.subscribeRepos.md')).toContain('**Used by:** [`com.atproto.sync.subscribeRepos`](../com.atproto.sync.md#subscriberepos) (message)')
    expect(docs.get('models/com.atproto.label.subscribeLabels.md')).toBeDefined()
    expect(docs.get('com.atproto.sync.md')).toContain(
      "`*/*` bytes, as a `Uint8Array`, read whole into memory: a body over `maxResponseBytes` (16 MiB unless the Core or the call sets it) fails with a `ResponseTooLargeError`. Their type is the response's `content-type`: `result.response.headers['content-type']` of the standalone function.",
    )
    // (tests/e2e/repo.test.ts reads it so from the PDS.) A fixed encoding says the type itself.
    expect(docs.get('com.atproto.sync.md')).toContain('`application/vnd.ipld.car` bytes, as a `Uint8Array`, read whole into memory: a body over `maxResponseBytes` (16 MiB unless the Core or the call sets it) fails with a `ResponseTooLargeError`.\n')
  })

  it("shows the known values of a string def a field refers to in the field's row", async () => {
    const docs = await docsFor(['chat.bsky.group.createJoinLink'])
    expect(docs.get('chat.bsky.group.md')).toMatch(/^\| `joinRule` \| \[`ChatBskyGroupDefs\.JoinRule`\]\([^)]+\) \| yes \| known values: `anyone`, `followedByOwner` \|/m)
  })

  it('when the client is .mts (a CommonJS package): says the examples are ES modules to put in .mts files, and imports a module as .mjs', async () => {
    const selected = selectDocs(skimLexicons(await loadLexiconFiles(`${ROOT}/lexicons`)), { include: ['chat.bsky.actor.*'], exclude: [] })
    const model = buildModel(selected.docs, { runtimeImport: '@lexgen/runtime', fileExt: '.mts' })
    const readme = new Map(emitDocs(model, { clientImport: './generated/index.mjs', regenerate: 'npx lexgen generate' })).get('README.md')!
    expect(readme).toContain('The examples are ES modules (imports, top-level `await`): in this package, put them in `.mts` files.')
    expect((await docsFor(['chat.bsky.actor.*'])).get('README.md')).not.toContain('put them in `.mts` files')
    // The fast start names a method's own module as the client imports it.
    expect(readme).toMatch(/`import \{ chatBskyActor\w+ \} from '\.\/generated\/chat\/bsky\/actor\/\w+\.mjs'`/)
    expect((await docsFor(['chat.bsky.convo.*'])).get('README.md')).toContain("`import { chatBskyConvoListConvos } from './src/atproto/chat/bsky/convo/listConvos.js'`")
  })

  it('gives a client without chat methods a proxying example of its own, not Bluesky Chat', async () => {
    const docs = await docsFor(['com.atproto.server.*'])
    const proxying = docs.get('README.md')!.split(/^(?=## )/m).find((chunk) => chunk.startsWith('## Proxying'))!
    expect(proxying).toContain("proxy: process.env['ATPROTO_PROXY'] ?? 'did:web:service.example.com#service',")
    expect(proxying).not.toContain('bsky_chat')
    expect(environment(docs).unnamed).toEqual([])
    expect(environment(docs).read).toContain('ATPROTO_PROXY')
  })

  it('calls a chat method in the proxying example of a client with chat and other methods, as the text next to it says to', async () => {
    // The text: a proxy set on the Client goes with every method, com.atproto.* ones included, so
    // give a chat service to a Client used for chat. listBlobs sent to the chat service would fail.
    const docs = await docsFor(['chat.bsky.convo.listConvos', 'com.atproto.sync.listBlobs'])
    const proxying = docs.get('README.md')!.split(/^(?=## )/m).find((chunk) => chunk.startsWith('## Proxying'))!
    expect(proxying).toContain("proxy: process.env['ATPROTO_CHAT_PROXY'] ?? 'did:web:api.bsky.chat#bsky_chat',")
    expect(proxying).toContain('await client.chat.bsky.convo.listConvos(')
    expect(proxying).not.toContain('com.atproto.sync')
  })

  it('gives NSIDs that differ only in case pages of their own, as on a case-insensitive file system', async () => {
    const view = (property: string) => ({ type: 'object', properties: { [property]: { type: 'string' } } })
    const getView = (id: string, ref: string) => query(id, { output: { encoding: 'application/json', schema: { type: 'ref', ref } } })
    const dir = await lexiconDir({
      'a.json': { lexicon: 1, id: 'com.example.defs', defs: { view: view('a') } },
      'b.json': { lexicon: 1, id: 'com.Example.defs', defs: { view: view('b') } },
      'c.json': getView('com.example.getView', 'com.example.defs#view'),
      'd.json': getView('com.Example.getView', 'com.Example.defs#view'),
    })
    try {
      const docs = await docsFor(['*'], dir)
      const paths = [...docs.keys()]
      expect(paths.sort()).toEqual(['README.md', 'com.Example.md', 'com.example_2.md', 'models/com.Example.defs.md', 'models/com.example.defs_2.md'])
      expect(new Set(paths.map((path) => path.toLowerCase())).size).toBe(paths.length)
      expect(docs.get('models/com.example.defs_2.md')).toContain('# com.example.defs')
      expect(docs.get('README.md')).toContain('A typed client for 2 XRPC methods in 2 namespaces,')
      expect(docs.get('README.md')).toContain('- [`com.Example`](com.Example.md): 1 method\n- [`com.example`](com.example_2.md): 1 method\n')
      expect(brokenLinks(docs)).toEqual([])
    } finally {
      await removeDir(dir)
    }
  })

  it('renders a selection without methods: the guide without programs, and the model pages', async () => {
    const docs = await docsFor(['app.bsky.feed.post'])
    expect([...docs.keys()].filter((path) => !path.startsWith('models/'))).toEqual(['README.md'])
    expect(docs.get('README.md')).not.toContain('```ts')
    expect(docs.get('models/app.bsky.feed.post.md')).toContain('- **Kind:** record (key `tid`)')
    expect(brokenLinks(docs)).toEqual([])
  })
})

describe('the same examples in the JSDoc', () => {
  it('every generated function and client method carries its example as @example, as the docs print it', async () => {
    const client = await readFile(join(ROOT, 'generated/client.ts'), 'utf8')
    const blocks = codeBlocks(pages)
    for (const { nsid } of methods) {
      const source = await readFile(join(ROOT, 'generated', `${nsid.split('.').join('/')}.ts`), 'utf8')
      const fn = nsid.split('.').map((p, i) => (i ? p[0]!.toUpperCase() + p.slice(1) : p)).join('')
      const jsdoc = (text: string, declaration: string) => {
        const end = text.indexOf(declaration)
        return text.slice(text.lastIndexOf('/**', end), end)
      }
      const body = (section: string) => {
        const code = blocks.find((b) => b.nsid === nsid && b.section === section)!.code
        // The program minus its import and setup: what follows the first blank line after the setup.
        return code.split('\n\n').slice(2).join('\n\n').trim()
      }
      const asJsdoc = (code: string) => ['@example', '```ts', ...code.split('\n'), '```'].map((line) => `* ${line}`.trimEnd())
      const strip = (doc: string) => doc.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('*'))
      expect(strip(jsdoc(source, `export function ${fn}(`)).join('\n'), nsid).toContain(asJsdoc(body('Standalone function')).join('\n'))
      expect(strip(jsdoc(client, `  readonly ${nsid.split('.').at(-1)} = async (`)).join('\n'), nsid).toContain(asJsdoc(body('Example usage')).join('\n'))
    }
  })
})
