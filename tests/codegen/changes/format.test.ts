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

describe('report formats', () => {
  it('markdown: breaking first, then source, compatible, docs; methods affected; the compiler check and disagreements', async () => {
    const report = await mixed()
    const md = formatChangeReport(report, 'markdown')
    await golden('mixed.md', md)
    const order = ['### Breaking', '### Source-incompatible', '### Additions', '### Documentation', '### Source check'].map((h) => md.indexOf(h))
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true)
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

  it('markdown cut to fit --max-length: a head of the whole report, ended between sections, saying what it left out', async () => {
    const report = await compareLexicons(
      await readLexiconDir(join(lexiconHistory(), '2026-04-22'), '2026-04-22'),
      await readLexiconDir(join(ROOT, 'lexicons'), 'lexicons'),
      await resolveOptions({}, undefined, ROOT),
    )
    const whole = formatChangeReport(report, 'markdown')
    expect(formatChangeReport(report, 'markdown', { maxLength: whole.length })).toBe(whole)
    const NOTE = /\n---\n\n_Cut to fit (\d+) characters; left out: (?:(\d+) of the (\d+) rows of the table, )?(\d+) of the (\d+) changes\. .*_\n$/
    const docsStart = whole.indexOf('<details>')
    let leftBefore = Infinity
    for (const maxLength of [1000, 2500, 6000, docsStart + 400, whole.length - 1]) {
      const cut = formatChangeReport(report, 'markdown', { maxLength })
      expect(cut.length).toBeLessThanOrEqual(maxLength)
      const note = NOTE.exec(cut)!
      expect(note[1]).toBe(String(maxLength))
      expect(Number(note[5])).toBe(report.changes.length)
      // Fewer left out as the room grows; something is, below the whole length.
      const left = Number(note[4])
      expect(left).toBeGreaterThan(0)
      expect(left).toBeLessThanOrEqual(leftBefore)
      leftBefore = left
      const head = cut.slice(0, note.index).trimEnd().replace(/\n\n<\/details>$/, '') + '\n'
      expect(whole.startsWith(head)).toBe(true)
      expect(cut.split('<details>').length).toBe(cut.split('</details>').length)
      expect(head.trimEnd().split('\n').at(-1)).not.toMatch(/^#/) // never ends on a heading
    }
    expect(leftBefore).toBeLessThan(report.changes.length)
    // Breaking changes come first, so they stay when the rest does not fit.
    const small = formatChangeReport(report, 'markdown', { maxLength: 6000 })
    expect(small).toContain('### Breaking')
    expect(small).not.toContain('### Documentation')
    expect(formatChangeReport(report, 'markdown', { maxLength: docsStart + 400 })).toContain('</details>')
  })

  it('is deterministic: the same inputs give the same bytes', async () => {
    const [a, b] = [await mixed(), await mixed()]
    for (const format of ['text', 'markdown', 'json'] as const) expect(formatChangeReport(a, format)).toBe(formatChangeReport(b, format))
  })

  it('never passes control characters from a lexicon to the terminal or the Markdown', async () => {
    const report = await compareEdit((d) => {
      d['ex.test.defs']!.defs.view.properties.status.enum.push('\x1b[2Jgone\n- injected')
      d['ex.test.defs']!.defs.view.properties['odd\rname'] = { type: 'string' }
    })
    const text = formatChangeReport(report, 'text')
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f]/)
    expect(text).toContain("enum value '\\x1b[2Jgone\\x0a- injected' added")
    expect(text).toContain('odd\\x0dname: optional field added')
    const md = formatChangeReport(report, 'markdown')
    expect(md).not.toMatch(/[\x00-\x09\x0b-\x1f]/)
    expect(md).not.toContain('\n- injected')
  })

  it('says so when nothing changed', async () => {
    const report = await compareEdit(() => {})
    expect(formatChangeReport(report, 'text')).toContain('no changes that affect the generated client')
    expect(formatChangeReport(report, 'markdown')).toContain('## Lexicon changes: 0 breaking, 0 source, 0 compatible, 0 docs')
  })
})
