/**
 * The report formats against golden files. After an intended change of the output, rewrite
 * them with `UPDATE_GOLDEN=1 npx vitest run tests/codegen/changes/format.test.ts` and review the diff.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compareLexicons, formatChangeReport, readLexiconDir, type ChangeReport } from '../../../codegen/changes/index.js'
import { resolveOptions } from '../../../codegen/config.js'
import { ROOT } from '../helpers.js'
import { compareEdit, lexiconHistory, type Docs } from './support.js'

const GOLDEN = join(import.meta.dirname, 'golden')

async function golden(name: string, actual: string): Promise<void> {
  const path = join(GOLDEN, name)
  if (process.env.UPDATE_GOLDEN) await writeFile(path, actual)
  expect(actual).toBe(await readFile(path, 'utf8'))
}

/** One edit of each class: a request limit lowered, a response union opened, an error removed, a def shadowing another's name, additions, descriptions. */
function mixedEdit(d: Docs): void {
  const send = d['ex.test.send']!.defs.main
  send.input.schema.properties.text.maxGraphemes = 20
  send.description = 'Sends a thing; now with *emphasis* and `code`.'
  d['ex.test.get']!.defs.main.errors = []
  d['ex.test.get']!.defs.main.output.schema.properties.total = { type: 'integer', description: 'How many there are.' }
  const defs = d['ex.test.defs']!.defs
  delete defs.view.properties.embed.closed
  defs.view.properties.status.enum.push('archived')
  defs.view.properties.text.description = 'The text | with a pipe.'
  const { spare, ...rest } = defs
  d['ex.test.defs']!.defs = { Spare: { type: 'object', properties: { x: { type: 'integer' } } }, spare, ...rest }
  d['ex.test.more'] = { lexicon: 1, id: 'ex.test.more', defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'object', properties: {} } } } } }
}

const mixed = () => compareEdit(mixedEdit, { compilerCheck: true })

const NOTE = /\n---\n\n_Cut to fit (\d+) characters; left out: (?:(\d+) of the (\d+) rows of the table, )?(\d+) of the (\d+) changes(?:, the source check)?\. .*_\n$/

/** A Markdown report in parts: the title and intro, the table's rows, the rest (before the note a cut ends with), and that note. */
function cutParts(md: string) {
  const m = NOTE.exec(md)
  const end = m ? m.index : md.length
  const lines = md.slice(0, end).split('\n')
  const rows = lines.filter((line) => line.startsWith('| `'))
  const first = md.indexOf('\n### ')
  const body = first < 0 || first > end ? '' : (md.slice(first + 1, end).trimEnd().replace(/\n\n<\/details>$/, '') + '\n')
  const note = m ? { maxLength: Number(m[1]), rowsLeft: Number(m[2] ?? 0), left: Number(m[4]), total: Number(m[5]) } : { maxLength: 0, rowsLeft: 0, left: 0, total: 0 }
  return { head: md.slice(0, md.indexOf('\n\n', md.indexOf('Compared ')) + 1), rows, body, note }
}

/** `cut` is `whole` less some of what follows the intro: its rows the table's first ones, its sections a head of the whole's, ended between defs. */
function expectPartOf(whole: string, cut: string) {
  const [all, part] = [cutParts(whole), cutParts(cut)]
  expect(part.head).toBe(all.head)
  expect(part.rows).toEqual(all.rows.slice(0, part.rows.length))
  expect(all.body.startsWith(part.body)).toBe(true)
  if (part.body) expect(part.body.trimEnd().split('\n').at(-1)).not.toMatch(/^#/) // never ends on a heading
  return part
}

/** The configured selection, from an upstream snapshot to lexicons/. */
async function sinceSnapshot(snapshot: string) {
  return compareLexicons(await readLexiconDir(join(lexiconHistory(), snapshot), snapshot), await readLexiconDir(join(ROOT, 'lexicons'), 'lexicons'), await resolveOptions({}, undefined, ROOT))
}

describe('report formats', () => {
  it('markdown: breaking first, then source, compatible, docs; methods affected; the compiler check and disagreements', async () => {
    const report = await mixed()
    const md = formatChangeReport(report, 'markdown')
    await golden('mixed.md', md)
    const order = ['### Breaking', '### Source-incompatible', '### Additions', '### Documentation', '### Source check'].map((h) => md.indexOf(h))
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true)
  })

  it('markdown: the table counts a def only the compiler rejects as a source change, as the summary does', async () => {
    // A new def `View` takes the generated name of `view`, which ex.test.get returns: no rule sees it; the compiler does.
    const report = await compareEdit((d) => {
      const { view, ...rest } = d['ex.test.defs']!.defs
      d['ex.test.defs']!.defs = { View: { type: 'object', properties: { x: { type: 'integer' } } }, view, ...rest }
      d['ex.test.get']!.defs.main.output.schema.properties.total = { type: 'integer' }
    }, { compilerCheck: true })
    expect(report.summary).toMatchObject({ breaking: 0, source: 1 })
    expect(report.compiler!.disagreements).toEqual([
      { nsid: 'ex.test.defs', def: 'view', rules: 'none', compiler: 'does not compile', sides: ['response'], via: { response: ['ex.test.get'] } },
    ])
    const md = formatChangeReport(report, 'markdown')
    expect(md).toContain('## Lexicon changes: 0 breaking, 1 source, 2 compatible, 0 docs')
    expect(md).toContain('| `ex.test.get` | source | 1 source, 1 compatible |')
    expect(md).toContain('#### `ex.test.defs#view`\n_response via `ex.test.get`_\n\n- old code using it no longer compiles')
  })

  it('json: the documented shape, stable', async () => {
    const report = await mixed()
    const json = formatChangeReport(report, 'json')
    await golden('mixed.json', json)
    const parsed = JSON.parse(json) as ChangeReport
    expect(Object.keys(parsed)).toEqual(['format', 'before', 'after', 'selection', 'summary', 'worst', 'changes', 'compiler'])
    expect(parsed.format).toBe('lexgen-diff/1')
    for (const c of parsed.changes) expect(Object.keys(c).slice(0, 8)).toEqual(['nsid', 'def', 'path', 'kind', 'class', 'sides', 'via', 'message'])
  })

  it('text: grouped by NSID and def; colour only when asked', async () => {
    const report = await mixed()
    const plain = formatChangeReport(report, 'text')
    await golden('mixed.txt', plain)
    expect(plain).not.toMatch(/\x1b\[/)
    const colored = formatChangeReport(report, 'text', { color: true })
    expect(colored).toContain('\x1b[1;31mbreaking')
    expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).toBe(plain)
  })

  it('text: the defs with breaking or source changes named first when other changes surround them, in the brief form too', async () => {
    const report = await mixed()
    const first = 'breaking and source changes (each in full below):'
    const plain = formatChangeReport(report, 'text')
    expect(plain.indexOf(first)).toBeLessThan(plain.indexOf('\nex.test.defs\n'))
    // pull's form: the summary line, then the same block indented under it.
    const brief = formatChangeReport(report, 'text', { brief: true }).split('\n')
    expect(brief.slice(0, 3)).toEqual(['lexicon changes: 3 breaking, 2 source, 3 compatible, 3 docs', `  ${first}`, '    breaking    ex.test.defs#view: embed, status (response)'])
    // Nothing else to wade through, nothing named twice: a single breaking edit (as --watch reports one) or additions only.
    const breakingOnly = await compareEdit((d) => void (d['ex.test.send']!.defs.main.input.schema.properties.text.maxGraphemes = 20))
    expect(breakingOnly.summary).toMatchObject({ breaking: 1, compatible: 0, docs: 0 })
    const compatibleOnly = await compareEdit((d) => void (d['ex.test.get']!.defs.main.output.schema.properties.total = { type: 'integer' }))
    for (const r of [breakingOnly, compatibleOnly]) expect(formatChangeReport(r, 'text')).not.toContain(first)
  })

  it('text: a real year of upstream changes names its two breaking defs and its source change before the 249 other changes', async () => {
    const report = await sinceSnapshot('2025-04-18')
    expect(report.summary).toMatchObject({ breaking: 2, source: 1 })
    const lines = formatChangeReport(report, 'text').split('\n')
    expect(lines.slice(3, 6)).toEqual([
      'breaking and source changes (each in full below):',
      '  breaking    app.bsky.embed.video#view: alt (response)',
      '  source      app.bsky.actor.defs#threadViewPref: prioritizeFollowedUsers',
    ])
  })

  it('a real transition (2026-03-05 → 2026-04-22, configured selection), as markdown', async () => {
    const history = lexiconHistory()
    const options = await resolveOptions({}, undefined, ROOT)
    const report = await compareLexicons(
      await readLexiconDir(join(history, '2026-03-05'), '2026-03-05'),
      await readLexiconDir(join(history, '2026-04-22'), '2026-04-22'),
      options,
    )
    await golden('group-chat.md', formatChangeReport(report, 'markdown'))
  })

  it('markdown cut to fit --max-length: the whole report, less what goes first, saying what it left out', async () => {
    const report = await sinceSnapshot('2026-04-22')
    const whole = formatChangeReport(report, 'markdown')
    expect(formatChangeReport(report, 'markdown', { maxLength: whole.length })).toBe(whole)
    const docsStart = whole.indexOf('<details>')
    let leftBefore = Infinity
    for (const maxLength of [1000, 2500, 6000, docsStart + 400, whole.length - 1]) {
      const cut = formatChangeReport(report, 'markdown', { maxLength })
      expect(cut.length).toBeLessThanOrEqual(maxLength)
      const { note } = cutParts(cut)
      expect(note.maxLength).toBe(maxLength)
      expect(note.total).toBe(report.changes.length)
      // Fewer left out as the room grows; something is, below the whole length.
      expect(note.left).toBeGreaterThan(0)
      expect(note.left).toBeLessThanOrEqual(leftBefore)
      leftBefore = note.left
      expectPartOf(whole, cut)
      expect(cut.split('<details>').length).toBe(cut.split('</details>').length)
    }
    expect(leftBefore).toBeLessThan(report.changes.length)
    // Breaking changes come first, so they stay when the rest does not fit.
    const small = formatChangeReport(report, 'markdown', { maxLength: 6000 })
    expect(small).toContain('### Breaking')
    expect(small).not.toContain('### Documentation')
    expect(formatChangeReport(report, 'markdown', { maxLength: docsStart + 400 })).toContain('</details>')
  })

  it('markdown cut to fit --max-length: rows of the table go before breaking and source changes', async () => {
    // 2025-04-18 → lexicons/: 43 rows, most of them compatible, ahead of 2 breaking changes and 1 source change.
    const report = await sinceSnapshot('2025-04-18')
    const whole = formatChangeReport(report, 'markdown')
    const all = cutParts(whole)
    expect(all.rows.length).toBeGreaterThan(40)
    const severe = all.body.slice(0, all.body.indexOf('### Additions')).trimEnd()
    expect(severe).toContain('### Breaking (2)')
    expect(severe).toContain('### Source-incompatible')
    let rowsBefore = -1
    for (let maxLength = 1000; maxLength < whole.length; maxLength += 250) {
      const cut = formatChangeReport(report, 'markdown', { maxLength })
      expect(cut.length).toBeLessThanOrEqual(maxLength)
      const parts = expectPartOf(whole, cut)
      // A row is shown only when every breaking and source change is.
      if (parts.rows.length > 0) expect(parts.body.startsWith(severe)).toBe(true)
      expect(parts.rows.length).toBeGreaterThanOrEqual(rowsBefore)
      rowsBefore = parts.rows.length
      expect(parts.note.rowsLeft).toBe(all.rows.length - parts.rows.length)
      if (parts.note.rowsLeft) expect(cut).toMatch(parts.rows.length ? /\n_\d+ more rows? (is|are) left out to fit \(the worst of (it|them): \w+\)\._\n/ : /\n_The table of the 43 methods and records reached is left out to fit \(the worst of them: breaking\)\._\n/)
    }
    // The cut the report once made: compatible rows kept, the breaking section dropped.
    const cut = formatChangeReport(report, 'markdown', { maxLength: 2500 })
    expect(cut).toContain('| compatible |')
    expect(cut).toContain('### Breaking (2)')
    expect(cut).toContain('### Source-incompatible')
    expect(cut).toContain('more rows are left out to fit (the worst of them: compatible)._')
  })

  it('is deterministic: the same inputs give the same bytes', async () => {
    const [a, b] = [await mixed(), await mixed()]
    for (const format of ['text', 'markdown', 'json'] as const) expect(formatChangeReport(a, format)).toBe(formatChangeReport(b, format))
  })

  it('never passes control characters or bidi overrides from a lexicon to the terminal, the Markdown or the JSON', async () => {
    const report = await compareEdit((d) => {
      d['ex.test.defs']!.defs.view.properties.status.enum.push('\x1b[2Jgone\n- injected\u009b\u202e')
      d['ex.test.defs']!.defs.view.properties['odd\rname'] = { type: 'string' }
      // A def named with controls, reached from a method: its key heads lines in every format.
      d['ex.test.defs']!.defs['v\x1b]0;t\x07\u2066'] = { type: 'object', properties: {} }
      d['ex.test.defs']!.defs.view.properties.extra = { type: 'ref', ref: '#v\x1b]0;t\x07\u2066' }
    })
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/
    const text = formatChangeReport(report, 'text')
    expect(text).not.toMatch(raw)
    expect(text).toContain("enum value '\\x1b[2Jgone\\x0a- injected\\x9b\\u202e' added")
    expect(text).toContain('odd\\x0dname: optional field added')
    expect(text).toContain('  #v\\x1b]0;t\\x07\\u2066  (response via ex.test.get)')
    const md = formatChangeReport(report, 'markdown')
    expect(md).not.toMatch(raw)
    expect(md).not.toContain('\n- injected')
    const json = formatChangeReport(report, 'json')
    expect(json).not.toMatch(raw)
    expect(JSON.stringify(JSON.parse(json), null, 2) + '\n').not.toBe(json) // escaped beyond what JSON.stringify does…
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(report))) // …and the same data
  })

  it('names each path whose descriptions changed once (upstream 3cb156907a: a retargeted ref that gains a description)', async () => {
    // Two description changes at one path: the property's own, and that of the def it now names.
    const report = await compareEdit(
      (d) => {
        d['ex.test.get']!.defs.main.output.schema.properties.shared = { type: 'ref', ref: 'ex.test.defs#shared2', description: 'Now a shared2.' }
      },
      { base: (d) => (d['ex.test.defs']!.defs.shared2 = { ...structuredClone(d['ex.test.defs']!.defs.shared), description: 'Another shared.' }) },
    )
    expect(report.changes.filter((c) => c.class === 'docs').map((c) => c.path)).toEqual(['output.shared', 'output.shared'])
    expect(formatChangeReport(report, 'text')).toContain('docs        descriptions of output.shared\n')
    expect(formatChangeReport(report, 'markdown')).toContain('- `ex.test.get`: `output.shared`\n')
  })

  it('says so when nothing changed', async () => {
    const report = await compareEdit(() => {})
    expect(formatChangeReport(report, 'text')).toContain('no lexicon changes that affect the generated client')
    expect(formatChangeReport(report, 'markdown')).toContain('## Lexicon changes: 0 breaking, 0 source, 0 compatible, 0 docs')
  })
})

describe('markdown from what a contributor wrote', () => {
  it('keeps a field name with backticks inside its code span: no link or image reaches the pull request', async () => {
    const name = 'x` [approved](https://evil.example/phish) ![t](https://evil.example/t.png) `'
    const report = await compareEdit((d: Docs) => (d['ex.test.get']!.defs.main.parameters.properties[name] = { type: 'string' }))
    const md = formatChangeReport(report, 'markdown')
    const { micromark } = await import('micromark')
    const html = micromark(md)
    expect(html).not.toMatch(/<a |<img /)
    expect(html).toContain('[approved](https://evil.example/phish)')
  })
})
