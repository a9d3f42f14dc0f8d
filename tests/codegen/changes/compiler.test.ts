import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compareLexicons, exitCodeFor, formatChangeReport, readLexiconDir } from '../../../codegen/changes/index.js'
import type { CompilerFinding } from '../../../codegen/changes/compiler.js'
import { reached } from '../../../codegen/changes/reconcile.js'
import { LEXICONS } from '../helpers.js'
import { baseDocs, compareEdit, lexiconHistory, lexiconSet, type Docs } from './support.js'

const withCompiler = { compilerCheck: true }
const SELECTION = {
  include: ['chat.bsky.convo.*', 'com.atproto.server.createSession', 'com.atproto.server.refreshSession', 'com.atproto.server.deleteSession', 'com.atproto.server.getSession'],
  exclude: [],
}

describe('source compatibility, decided by the TypeScript compiler', () => {
  it('finds nothing when only descriptions changed, after running every check', async () => {
    const report = await compareEdit((d) => (d['ex.test.defs']!.defs.view.description = 'A view.'), withCompiler)
    expect(report.compiler?.findings).toEqual([])
    expect(report.compiler?.disagreements).toEqual([])
    expect(report.compiler?.checks).toBeGreaterThan(50)
    expect(report.compiler?.typescript).toMatch(/^6\./)
    expect(report.worst).toBe('docs')
  })

  it('does not run when no selected doc changed (the clients would be byte-identical)', async () => {
    const report = await compareEdit(() => {}, withCompiler)
    expect(report.compiler).toBeUndefined()
    expect(report.worst).toBe('none')
  })

  it('a method gains its first param: the call options move to the third argument (rules and compiler agree: source)', async () => {
    const report = await compareEdit((d) => (d['ex.test.send']!.defs.main.parameters = { type: 'params', properties: { dryRun: { type: 'boolean' } } }), withCompiler)
    expect(report.changes.map((c) => [c.kind, c.class])).toEqual([['params-added', 'source'], ['field-added-optional', 'compatible']])
    expect(report.compiler?.findings.map((f) => [f.symbol, f.check])).toEqual([['ExTestSend.exTestSend', 'call-accepted']])
    expect(report.compiler?.disagreements).toEqual([])
    expect(report.worst).toBe('source')
  })

  it('a removed declared error: its class is gone (rules and compiler agree: source)', async () => {
    const report = await compareEdit((d) => (d['ex.test.get']!.defs.main.errors = []), withCompiler)
    expect(report.changes.map((c) => [c.kind, c.class])).toEqual([['error-removed', 'source']])
    expect(report.compiler?.findings).toEqual([
      { nsid: 'ex.test.get', def: 'main', symbol: 'ExTestGet.NotFoundError', check: 'export-kept', reason: '`ExTestGet.NotFoundError` is no longer exported' },
    ])
    expect(report.compiler?.disagreements).toEqual([])
    expect(report.worst).toBe('source')
  })

  it("checks the index's names too: a doc that camel-cases alike takes a namespace, or a method's function", async () => {
    const xDefs = { lexicon: 1, id: 'ex.test.xDefs', defs: { thing: { type: 'object', properties: { a: { type: 'string' } } } } }
    const namespace = await compareEdit((d) => (d['ex.test.x.defs'] = { ...xDefs, id: 'ex.test.x.defs' }), { ...withCompiler, base: (d) => (d['ex.test.xDefs'] = xDefs) })
    expect(namespace.compiler?.findings).toEqual([
      { nsid: 'ex.test.xDefs', def: 'main', symbol: 'ExTestXDefs', check: 'export-kept', reason: "the index's `ExTestXDefs` now names ex.test.x.defs" },
    ])
    expect(namespace.compiler?.disagreements).toEqual([])
    expect(namespace.worst).toBe('source')

    const method = await compareEdit((d) => (d['ex.test.find.x'] = { lexicon: 1, id: 'ex.test.find.x', defs: { main: { type: 'query' } } }), {
      ...withCompiler,
      base: (d) => (d['ex.test.findX'] = { lexicon: 1, id: 'ex.test.findX', defs: { main: { type: 'query' } } }),
    })
    expect(method.compiler?.findings).toContainEqual({ nsid: 'ex.test.findX', def: 'main', symbol: 'exTestFindX', check: 'export-kept', reason: "the index's `exTestFindX` now names ex.test.find.x" })
    // Old calls still compile against the index, and reach the other method: the rules call it breaking.
    expect(method.worst).toBe('breaking')
  })

  it('a required output field made optional: breaking on the wire, and old code reading it no longer compiles', async () => {
    const report = await compareEdit((d) => (d['ex.test.get']!.defs.main.output.schema.required = []), withCompiler)
    expect(report.changes.map((c) => [c.kind, c.class, c.path])).toEqual([['field-made-optional', 'breaking', 'output.items']])
    const [finding, ...rest] = report.compiler!.findings
    expect(rest).toEqual([])
    expect(finding).toMatchObject({ nsid: 'ex.test.get', def: 'main', symbol: 'ExTestGet.Output', check: 'new-fits-old' })
    expect(finding!.reason).toBe("`items`: may be undefined in the new type; the old type says View[]")
    expect(finding!.compilerMessage).toContain("Types of property 'items' are incompatible.")
    expect(report.compiler?.disagreements).toEqual([])
  })

  it('a new required param: old calls and old Params no longer compile', async () => {
    const report = await compareEdit((d) => d['ex.test.get']!.defs.main.parameters.required.push('cursor'), withCompiler)
    expect(report.compiler!.findings.map((f) => [f.symbol, f.check, f.reason])).toEqual([
      ['ExTestGet.Params', 'old-fits-new', '`cursor`: may be undefined in old code; the new type requires string'],
      ['ExTestGet.exTestGet', 'call-accepted', '`argument 2.cursor`: may be undefined in old code; the new type requires string'],
    ])
  })

  it('a required field with a default: old Params no longer compile (source, as the rules say); a response field made so still reads (compatible)', async () => {
    const get = (d: Docs) => d['ex.test.get']!.defs.main
    const params = await compareEdit((d) => ((get(d).parameters.properties.flag.default = false), get(d).parameters.required.push('flag')), withCompiler)
    expect(params.changes.filter((c) => c.class !== 'docs').map((c) => [c.kind, c.class])).toEqual([['default-changed', 'compatible'], ['field-made-required-default', 'source']])
    expect(params.compiler!.findings.map((f) => [f.symbol, f.check])).toEqual([['ExTestGet.Params', 'old-fits-new'], ['ExTestGet.exTestGet', 'call-accepted']])
    expect(params.compiler!.disagreements).toEqual([])
    const output = await compareEdit((d) => ((get(d).output.schema.properties.cursor.default = ''), get(d).output.schema.required.push('cursor')), withCompiler)
    expect(output.changes.filter((c) => c.class !== 'docs').map((c) => [c.kind, c.class])).toEqual([['default-changed', 'compatible'], ['field-made-required-default', 'compatible']])
    expect(output.compiler!.findings).toEqual([])
    expect(output.compiler!.disagreements).toEqual([])
  })

  it('a removed optional output field: assignable, but old code naming it no longer compiles', async () => {
    const report = await compareEdit((d) => delete d['ex.test.get']!.defs.main.output.schema.properties.shared, withCompiler)
    expect(report.compiler!.findings.map((f) => [f.symbol, f.check, f.reason])).toEqual([
      ['ExTestGet.Output', 'properties-kept', "property 'shared' no longer exists on `ExTestGet.Output`"],
    ])
  })

  it('a removed output cursor: the method is no longer paginated, so its Page and Item types are gone', async () => {
    const report = await compareEdit((d) => delete d['ex.test.get']!.defs.main.output.schema.properties.cursor, withCompiler)
    expect(report.changes.map((c) => [c.kind, c.class])).toEqual([['field-removed-optional', 'source']])
    expect(report.compiler!.findings.map((f) => [f.symbol, f.check])).toEqual([
      ['ExTestGet.Item', 'export-kept'],
      ['ExTestGet.Output', 'properties-kept'],
      ['ExTestGet.Page', 'export-kept'],
    ])
  })

  it('a stream message field made optional: the member def no longer fits old code', async () => {
    const report = await compareEdit((d) => (d['ex.test.stream']!.defs.event.required = []), withCompiler)
    // `Message` is an open union: any typed object fits its catch-all, so the member's own check is the one that fails.
    expect(report.compiler!.findings.map((f) => [f.symbol, f.check, f.reason])).toEqual([
      ['ExTestStream.Event', 'new-fits-old', '`seq`: may be undefined in the new type; the old type says number'],
    ])
  })

  it('an open union loses a member: the wire takes it as unknown, but old code sending it no longer compiles (source)', async () => {
    const report = await compareEdit((d) => (d['ex.test.send']!.defs.main.input.schema.properties.embed.refs = ['ex.test.defs#image']), withCompiler)
    expect(report.changes.map((c) => [c.kind, c.class])).toEqual([['union-member-removed-open', 'source']])
    expect(report.compiler!.findings.map((f) => [f.symbol, f.check, f.reason])).toEqual([
      ['ExTestSend.Input', 'old-fits-new', '`embed`: the old type allows $Typed<Link>, which is not a member of the new type'],
      ['ExTestSend.exTestSend', 'call-accepted', '`argument 2.embed`: the old type allows $Typed<Link>, which is not a member of the new type'],
    ])
    expect(report.compiler?.disagreements).toEqual([])
  })

  it('an input union closed: said as a closed union, not as a field of its last member', async () => {
    const report = await compareEdit((d) => (d['ex.test.send']!.defs.main.input.schema.properties.embed.closed = true), withCompiler)
    expect(report.changes.map((c) => [c.kind, c.class])).toEqual([['union-closed', 'breaking']])
    expect(report.compiler!.findings.map((f) => [f.symbol, f.reason])).toEqual([
      ['ExTestSend.Input', '`embed`: the old type is an open union (any typed object fits it), the new type a closed one ($Typed<Image> | $Typed<Link> | undefined)'],
      ['ExTestSend.exTestSend', '`argument 2.embed`: the old type is an open union (any typed object fits it), the new type a closed one ($Typed<Image> | $Typed<Link> | undefined)'],
    ])
  })

  it("an open union's member whose fields changed: said to have changed, not to have left the union", async () => {
    const report = await compareEdit((d) => {
      const link = d['ex.test.defs']!.defs.link
      link.properties.title = { type: 'string' }
      link.required.push('title')
    }, withCompiler)
    const reasons = report.compiler!.findings.filter((f) => f.symbol === 'ExTestSend.Input').map((f) => f.reason)
    expect(reasons).toEqual(["`embed`: the old type's $Typed<Link> does not fit the new type's: its fields changed"])
  })

  it('a received open union gains a member, or loses one: old code reading it still compiles (compatible)', async () => {
    const stream = (d: Docs) => d['ex.test.stream']!.defs
    const added = await compareEdit((d) => ((stream(d).info = { type: 'object', properties: {} }), stream(d).main.message.schema.refs.push('#info')), withCompiler)
    expect(added.changes.map((c) => [c.kind, c.class]).sort()).toEqual([['def-added', 'compatible'], ['union-member-added-open', 'compatible']])
    expect(added.compiler!.findings).toEqual([])
    const removed = await compareEdit((d) => ((stream(d).info = { type: 'object', properties: {} }), (stream(d).main.message.schema.refs = ['#info'])), withCompiler)
    expect(removed.changes.map((c) => [c.kind, c.class]).sort()).toEqual([['def-added', 'compatible'], ['union-member-added-open', 'compatible'], ['union-member-removed-open', 'compatible']])
    expect(removed.compiler!.findings).toEqual([])
    expect(removed.compiler!.disagreements).toEqual([])
  })

  it('a closed set narrowed in a response: every check passes (they assign, not compare), the rules say source, and that is no disagreement', async () => {
    // Old code comparing a received status with 'closed' no longer compiles (old-code.test.ts compiles it), which no assignment shows.
    const report = await compareEdit((d) => (d['ex.test.defs']!.defs.view.properties.status.enum = ['open']), withCompiler)
    expect(report.changes.map((c) => [c.kind, c.class, c.sides])).toEqual([['enum-value-removed', 'source', ['response']]])
    expect(report.compiler!.findings).toEqual([])
    expect(report.compiler!.disagreements).toEqual([])
    expect(report.summary.source).toBe(1)
    // Unreached, a def is checked both ways: the old type no longer fits the new one, and the compiler agrees.
    const spare = await compareEdit((d) => (d['ex.test.defs']!.defs.spare.properties.a.enum = ['x']), withCompiler)
    expect(spare.changes.map((c) => [c.kind, c.class, c.sides])).toEqual([['enum-added', 'source', []]])
    expect(spare.compiler!.findings.map((f) => [f.symbol, f.check])).toEqual([['ExTestDefs.Spare', 'old-fits-new']])
    expect(spare.compiler!.disagreements).toEqual([])
  })

  it('a ref retargeted: source where the generated type old code names changes, compatible where it is an alias (rules and compiler agree)', async () => {
    const box = { type: 'object', required: ['a'], properties: { a: { type: 'string' } } }
    const output = (d: Docs) => d['ex.test.get']!.defs.main.output.schema
    const defs = (d: Docs) => d['ex.test.defs']!.defs
    const cases: [string, (d: Docs) => void, (d: Docs) => void, string, string[]][] = [
      ['to an identical object def', () => {}, (d) => ((defs(d).view2 = structuredClone(defs(d).view)), (output(d).properties.items.items.ref = 'ex.test.defs#view2')), 'source', ['ExTestGet.Output new-fits-old']],
      ['an inline object to a ref', (d) => (output(d).properties.box = structuredClone(box)), (d) => ((defs(d).box = structuredClone(box)), (output(d).properties.box = { type: 'ref', ref: 'ex.test.defs#box' })), 'source', ['ExTestGet.OutputBox export-kept', 'ExTestGet.validateOutputBox export-kept']],
      ['a ref to an inline object', (d) => ((defs(d).box = structuredClone(box)), (output(d).properties.box = { type: 'ref', ref: 'ex.test.defs#box' })), (d) => (output(d).properties.box = structuredClone(box)), 'compatible', []],
      ['to an identical string def', (d) => ((defs(d).t1 = { type: 'string', maxLength: 5 }), (defs(d).t2 = { type: 'string', maxLength: 5 }), (output(d).properties.t = { type: 'ref', ref: 'ex.test.defs#t1' })), (d) => (output(d).properties.t.ref = 'ex.test.defs#t2'), 'compatible', []],
    ]
    for (const [name, prepare, edit, verdict, findings] of cases) {
      const before = baseDocs()
      prepare(before)
      const after = structuredClone(before)
      edit(after)
      const report = await compareLexicons(lexiconSet('before', before), lexiconSet('after', after), { include: ['ex.test.*'], exclude: [] }, withCompiler)
      const ref = report.changes.filter((c) => c.kind === 'ref-object-changed' || c.kind === 'ref-target-changed')
      expect(ref.map((c) => [c.kind, c.class]), name).toEqual([[verdict === 'source' ? 'ref-object-changed' : 'ref-target-changed', verdict]])
      expect(report.compiler!.findings.map((f) => `${f.symbol} ${f.check}`), name).toEqual(findings)
      expect(report.compiler!.disagreements, name).toEqual([])
    }
  })

  it("a disagreement is reached as its def is; a method's own def through the method, on the sides its failing checks are about", () => {
    const usage = new Map([['ex.test.defs#view', { sides: ['response' as const], via: { response: ['ex.test.get'] } }]])
    const methods = new Set(['ex.test.get'])
    const finding = (symbol: string, check: CompilerFinding['check']): CompilerFinding => ({ nsid: 'ex.test.get', def: 'main', symbol, check, reason: '' })
    expect(reached('ex.test.defs', 'view', usage, methods, [])).toEqual({ sides: ['response'], via: { response: ['ex.test.get'] } })
    expect(reached('ex.test.defs', 'spare', usage, methods, [])).toEqual({ sides: [], via: {} })
    expect(reached('ex.test.get', 'main', usage, methods, [finding('ExTestGet.Output', 'properties-kept'), finding('ExTestGet.Params', 'old-fits-new')])).toEqual({
      sides: ['request', 'response'],
      via: { request: ['ex.test.get'], response: ['ex.test.get'] },
    })
    expect(reached('ex.test.get', 'main', usage, methods, [finding('ExTestGet.NotFoundError', 'export-kept')])).toEqual({ sides: ['response'], via: { response: ['ex.test.get'] } })
    expect(reached('ex.test.get', 'main', usage, methods, [finding('ExTestGet.exTestGet', 'call-accepted')])).toEqual({ sides: ['request'], via: { request: ['ex.test.get'] } })
  })

  it('traces a failing output to the def inside it that fails', async () => {
    const report = await compareEdit((d) => (d['ex.test.defs']!.defs.view.required = ['id']), withCompiler)
    const bySymbol = new Map(report.compiler!.findings.map((f) => [f.symbol, f]))
    expect(bySymbol.get('ExTestDefs.View')).toMatchObject({ check: 'new-fits-old', reason: "`text`: may be undefined in the new type; the old type says string" })
    expect(bySymbol.get('ExTestDefs.View')?.through).toBeUndefined()
    expect(bySymbol.get('ExTestGet.Output')).toMatchObject({ through: 'ExTestDefs.View' })
    expect(report.compiler?.disagreements).toEqual([])
  })

  it('defs that reach each other are no cause of one another: each says its own failure (upstream da8818f135, joinLinkPreviewView ↔ joinLink#view)', async () => {
    // As upstream: a view embeds a link whose schema leads back to the view, and both change.
    const report = await compareEdit(
      (d) => {
        d['ex.test.defs']!.defs.view.required = ['id']
        d['ex.test.defs']!.defs.link.required = []
      },
      { ...withCompiler, base: (d) => (d['ex.test.defs']!.defs.link.properties.back = { type: 'ref', ref: '#view' }) },
    )
    const through = Object.fromEntries(report.compiler!.findings.filter((f) => f.check === 'new-fits-old').map((f) => [f.symbol, f.through ?? null]))
    expect(through).toMatchObject({ 'ExTestDefs.View': null, 'ExTestDefs.Link': null, 'ExTestGet.Output': 'ExTestDefs.Link' })
    const text = formatChangeReport(report, 'text')
    expect(text).toContain("✗ ExTestDefs.View: `text`: may be undefined in the new type; the old type says string")
    expect(text).toContain("✗ ExTestDefs.Link: `uri`: may be undefined in the new type; the old type says string")
  })

  it('traces a finding to the def that fails on its own, not to one failing through it (upstream e408d11e72: assignmentView → queueView)', async () => {
    const report = await compareEdit((d) => (d['ex.test.defs']!.defs.view.required = ['id']), {
      ...withCompiler,
      base: (d) => {
        d['ex.test.defs']!.defs.box = { type: 'object', required: ['v'], properties: { v: { type: 'ref', ref: '#view' } } }
        d['ex.test.get']!.defs.main.output.schema.properties.box = { type: 'ref', ref: 'ex.test.defs#box' }
      },
    })
    const through = Object.fromEntries(report.compiler!.findings.filter((f) => f.check === 'new-fits-old').map((f) => [f.symbol, f.through ?? null]))
    expect(through).toEqual({ 'ExTestDefs.View': null, 'ExTestDefs.Box': 'ExTestDefs.View', 'ExTestGet.Output': 'ExTestDefs.View' })
  })

  describe('an unreached def failing only through a def calls reach on one side (upstream 604e16dda2: PostView through viewExternalSource)', () => {
    // `card` is reached by no method, so it is checked both ways; `view` only comes back from ex.test.get.
    const card = (inner: string) => (d: Docs) => (d['ex.test.defs']!.defs.card = { type: 'object', properties: { v: { type: 'ref', ref: inner } } })
    const requireNew = (def: string) => (d: Docs) => {
      const schema = d['ex.test.defs']!.defs[def]
      schema.properties.added = { type: 'string' }
      schema.required = [...(schema.required ?? []), 'added']
    }

    it('is not counted: the rules judge the inner def as calls use it, and the report says why', async () => {
      const report = await compareEdit(requireNew('view'), { ...withCompiler, base: card('#view') })
      expect(report.changes.map((c) => [c.def, c.class, c.sides])).toEqual([['view', 'compatible', ['response']]])
      expect(report.compiler!.findings).toEqual([])
      expect(report.compiler!.disagreements).toEqual([])
      expect(report.compiler!.excused).toEqual([expect.objectContaining({ symbol: 'ExTestDefs.Card', check: 'old-fits-new', judgedBy: ['ex.test.defs#view'] })])
      expect(report.summary.source).toBe(0)
      expect(exitCodeFor(report, 'source')).toBe(0)
      const text = formatChangeReport(report, 'text')
      expect(text).toContain('checks, 1 failed, none counted')
      expect(text).toContain('not counted: ExTestDefs.Card (no method or record reaches it) fails only through ex.test.defs#view, which calls only receive')
      expect(formatChangeReport(report, 'markdown')).toContain('Not counted: `ExTestDefs.Card` (no method or record reaches it) fails only through `ex.test.defs#view`')
    })

    it('is counted when the inner def is also sent, when it is unreached itself, or when the def changed on its own', async () => {
      // `shared` goes out in ex.test.send's input as well: old code builds it.
      const sent = await compareEdit(requireNew('shared'), { ...withCompiler, base: card('#shared') })
      expect(sent.compiler!.findings.map((f) => f.symbol)).toContain('ExTestDefs.Card')
      // `spare` is reached by no method either: its change is judged both ways, and so is the card's failure.
      const unreached = await compareEdit(requireNew('spare'), { ...withCompiler, base: card('#spare') })
      expect(unreached.compiler!.findings.map((f) => f.symbol)).toEqual(['ExTestDefs.Card', 'ExTestDefs.Spare'])
      const own = await compareEdit((d) => (requireNew('view')(d), requireNew('card')(d)), { ...withCompiler, base: card('#view') })
      expect(own.compiler!.findings.map((f) => f.symbol)).toContain('ExTestDefs.Card')
      for (const report of [sent, unreached, own]) expect(report.compiler!.excused).toBeUndefined()
    })
  })

  it('shows both verdicts where they disagree: a new def takes an existing def’s generated name', async () => {
    // `Spare` sorts before `spare` in the doc, so it takes the name `Spare` and the old def becomes `SpareDef`:
    // no lexicon rule changes for `spare`, yet code using `ExTestDefs.Spare` now gets another type.
    const report = await compareEdit((d) => {
      const { spare, ...rest } = d['ex.test.defs']!.defs
      d['ex.test.defs']!.defs = { Spare: { type: 'object', required: ['x'], properties: { x: { type: 'integer' } } }, spare, ...rest }
    }, withCompiler)
    // Put first, `spare` also moved: the doc's defs are in another order (said as docs: the compiler check finds the name).
    expect(report.changes.map((c) => [c.def, c.kind, c.class])).toEqual([['', 'order-changed', 'docs'], ['Spare', 'def-added', 'compatible']])
    expect(report.compiler!.findings.filter((f) => f.symbol === 'ExTestDefs.Spare').map((f) => f.check).sort()).toEqual(['new-fits-old', 'old-fits-new', 'properties-kept'])
    expect(report.compiler?.disagreements).toEqual([{ nsid: 'ex.test.defs', def: 'spare', rules: 'none', compiler: 'does not compile', sides: [], via: {} }])
    expect(report.summary.source).toBe(1)
    expect(report.worst).toBe('source')
  })

  it('on a real transition (2026-04-22 → lexicons/, the configured selection): the removed groupPublicView, and nothing else', async () => {
    const history = lexiconHistory()
    const report = await compareLexicons(
      await readLexiconDir(join(history, '2026-04-22'), '2026-04-22'),
      await readLexiconDir(LEXICONS, 'lexicons'),
      SELECTION,
      withCompiler,
    )
    expect(report.compiler!.checks).toBeGreaterThan(1000)
    expect(report.compiler!.findings.map((f) => [f.symbol, f.check])).toEqual([
      ['ChatBskyGroupDefs.GroupPublicView', 'export-kept'],
      ['ChatBskyGroupDefs.isGroupPublicView', 'export-kept'],
      ['ChatBskyGroupDefs.validateGroupPublicView', 'export-kept'],
    ])
    expect(report.compiler!.disagreements).toEqual([])
  })

  it('on a real transition (2025-04-18 → 2026-03-05): a removed optional field of an unreached def', async () => {
    const history = lexiconHistory()
    const report = await compareLexicons(
      await readLexiconDir(join(history, '2025-04-18'), '2025-04-18'),
      await readLexiconDir(join(history, '2026-03-05'), '2026-03-05'),
      SELECTION,
      withCompiler,
    )
    expect(report.compiler!.findings.map((f) => [f.symbol, f.check, f.reason])).toEqual([
      ['AppBskyActorDefs.ThreadViewPref', 'properties-kept', "property 'prioritizeFollowedUsers' no longer exists on `AppBskyActorDefs.ThreadViewPref`"],
    ])
    expect(report.compiler!.disagreements).toEqual([])
  })
})
