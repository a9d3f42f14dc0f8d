/**
 * A change report as text for a terminal, Markdown for a pull request, or JSON for tools.
 * Every format is deterministic: the same report gives the same bytes.
 */
import { painter, type Paint } from '../color.js'
import { escapeControls } from '../controls.js'
import { compare } from '../order.js'
import { counted } from '../plural.js'
import { displayKey as keyOf } from './compare.js'
import type { CompilerFinding } from './compiler.js'
import type { Change, ChangeReport, CompilerReport, Disagreement, ExcusedFinding } from './report.js'
import { CLASSES, SIDES, type ChangeClass } from './rules.js'
import { defKey, type Via } from '../usage.js'

/** A def's key as the reports print it (`nsid#def`, `nsid` for main); a def's name can hold control characters. */
function displayKey(key: string): string {
  return escapeControls(keyOf(key))
}

export type ReportFormat = 'text' | 'markdown' | 'json'

export interface FormatOptions {
  /** ANSI colour in `text` (the CLI sets it on a TTY unless NO_COLOR is set). */
  readonly color?: boolean
  /** `text` as a part of another command's output (`pull`, `generate --watch`): a summary line, the changes indented under it. */
  readonly brief?: boolean
  /** `markdown` cut between sections to fit this many characters, saying what it left out (a pull request's description takes 65,536). */
  readonly maxLength?: number
}

export function formatChangeReport(report: ChangeReport, format: ReportFormat, options: FormatOptions = {}): string {
  switch (format) {
    case 'json':
      // JSON.stringify leaves DEL, C1 controls and bidi overrides raw: escaped too, for whoever shows it on a terminal.
      return escapeControls(JSON.stringify(report, null, 2), { keepLines: true, unicode: true }) + '\n'
    case 'markdown':
      return markdown(report, options.maxLength)
    case 'text':
      return text(report, options.color === true, options.brief === true)
  }
}

const HEADINGS: Record<ChangeClass, string> = {
  breaking: 'Breaking',
  source: 'Source-incompatible (wire-compatible; old code no longer compiles)',
  compatible: 'Additions and other compatible changes',
  docs: 'Documentation',
}

/** How many methods to name before "and N more". */
const VIA_SHOWN = 4

// ---------------------------------------------------------------------------------------------
// Markdown: breaking first, then source, compatible, docs; within each, per method or def.

function markdown(report: ChangeReport, maxLength: number | undefined): string {
  const head: string[] = [`## Lexicon changes: ${summaryLine(report)}`, '', intro(report, span), '']
  if (report.changes.length === 0 && !report.compiler?.findings.length) head.push('No lexicon changes that affect the generated client.', '')
  const compilerFound = compilerOnly(report)
  const affected = affectedEntryPoints(report.changes, compilerFound)
  const entire = addedOrRemoved(report.changes)
  const rows = affected.map(([nsid, counts]) => {
    const worst = CLASSES.find((c) => counts[c] > 0)!
    const reaching = entire.get(nsid) ?? CLASSES.filter((c) => counts[c] > 0 && c !== 'docs').map((c) => `${counts[c]} ${c}`).join(', ')
    return { worst, line: `| \`${nsid}\` | ${worst} | ${reaching} |` }
  })
  // The body, and where it may be cut to fit --max-length: between def groups and sections.
  const out: string[] = []
  const cuts: BodyCut[] = []
  let shown = 0
  const cutHere = (inDetails = false) => cuts.push({ line: out.length, shown, inDetails })
  cutHere()
  // Breaking and source changes end here: what a cut keeps longest, the table's rows included.
  let kept = 0
  for (const cls of CLASSES) {
    const changes = report.changes.filter((c) => c.class === cls)
    const extra = cls === 'source' ? compilerFound : []
    if (changes.length + extra.length > 0) {
      out.push(`### ${HEADINGS[cls]} (${changes.length + extra.length})`, '')
      if (cls === 'docs') out.push(`<details><summary>${changes.some(isOrder) ? 'Descriptions and order' : 'Descriptions'} that changed</summary>`, '')
      for (const [key, group] of byDef(changes)) {
        shown += group.length
        if (cls === 'docs') {
          const descriptions = group.filter((c) => !isOrder(c))
          const places = describedPlaces(descriptions).map((path) => (path ? span(escapeControls(path)) : described(group[0]!)))
          out.push(`- \`${displayKey(key)}\`: ${[...(places.length ? [places.join(', ')] : []), ...group.filter(isOrder).map((c) => `${c.path ? `${span(escapeControls(c.path))}: ` : ''}${escapeMd(escapeControls(c.message))}`)].join('; ')}`)
          cutHere(true)
          continue
        }
        out.push(`#### \`${displayKey(key)}\``)
        const via = viaText(group[0]!, span)
        if (via) out.push(`_${via}_`)
        out.push('')
        for (const c of group) out.push(`- ${c.path ? `${span(escapeControls(c.path))}: ` : ''}${escapeMd(escapeControls(c.message))}${sideNote(c)}`)
        out.push('')
        cutHere()
      }
      if (cls === 'docs') out.push('', '</details>', '')
      for (const d of extra) {
        out.push(`#### \`${displayKey(defKey(d.nsid, d.def))}\``)
        const via = viaText(d, span)
        if (via) out.push(`_${via}_`)
        out.push('', '- old code using it no longer compiles (found by the compiler; see the source check)', '')
        cutHere()
      }
    }
    if (cls === 'source') kept = cuts.length - 1
  }
  const compiler = report.compiler
  if (compiler) {
    out.push('### Source check', '')
    out.push(`TypeScript ${compiler.typescript} compiled ${compiler.checks} checks of old code against the new client: ${failedText(compiler)}.`, '')
    const [causes, derived] = splitFindings(compiler.findings)
    if (causes.length) {
      out.push('| symbol | check | reason |', '| --- | --- | --- |')
      for (const f of causes) out.push(`| \`${f.symbol}\` | ${f.check} | ${escapeOutsideCode(escapeControls(f.reason)).replace(/\|/g, '\\|')} |`)
      out.push('')
    }
    if (derived.length) out.push(`Also failing, because they contain one of the above: ${derived.map((f) => `\`${f.symbol}\``).join(', ')}.`, '')
    for (const line of excusedLines(compiler.excused ?? [], span)) out.push(`${line[0]!.toUpperCase()}${line.slice(1)}.`, '')
    if (compiler.disagreements.length) {
      out.push('Rules and compiler disagree:', '')
      for (const d of compiler.disagreements) out.push(`- \`${displayKey(defKey(d.nsid, d.def))}\`: ${disagreementText(d.rules, d.compiler)}`)
      out.push('')
    }
  }
  const whole = markdownText([...head, ...table(rows, rows.length), ...out])
  return maxLength === undefined || whole.length <= maxLength ? whole : cutToFit(report, { head, rows, body: out, cuts, kept }, maxLength)
}

/** The table of methods and records, its first `shown` rows, saying how many it leaves out and how bad the worst of them is. */
function table(rows: readonly { worst: ChangeClass; line: string }[], shown: number): string[] {
  if (rows.length === 0) return []
  const left = rows.length - shown
  const what = left === rows.length ? `The table of the ${counted(rows.length, 'method or record', 'methods and records')} reached is` : `${counted(left, 'more row')} ${left === 1 ? 'is' : 'are'}`
  // Rows go worst first: the first one left out is the worst of them.
  const note = left > 0 ? [`_${what} left out to fit (the worst of ${left === 1 ? 'it' : 'them'}: ${rows[shown]!.worst})._`, ''] : []
  if (shown === 0) return note
  return ['| method or record | worst | changes that reach it |', '| --- | --- | --- |', ...rows.slice(0, shown).map((r) => r.line), '', ...note]
}

/** A place the body (the sections after the table) may end early: after `line` lines, with `shown` changes in them. */
interface BodyCut {
  readonly line: number
  readonly shown: number
  /** Inside the docs section's `<details>`, which the cut report must close. */
  readonly inDetails: boolean
}

interface MarkdownParts {
  /** The title and the intro: always kept. */
  readonly head: readonly string[]
  readonly rows: readonly { worst: ChangeClass; line: string }[]
  readonly body: readonly string[]
  readonly cuts: readonly BodyCut[]
  /** The cut that ends the source changes: the body up to it goes last, after the table's rows. */
  readonly kept: number
}

function markdownText(lines: readonly string[]): string {
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n'
}

/**
 * The longest report that fits `maxLength` characters (UTF-16 units, which are never fewer than
 * the characters GitHub counts), with a last line saying what was left out. What goes first: the
 * source check, the docs and the additions (from the end), then rows of the table (the least
 * severe first), then source and breaking changes (from the end). The title and the intro stay,
 * even when those alone are longer.
 */
function cutToFit(report: ChangeReport, parts: MarkdownParts, maxLength: number): string {
  const { head, rows, body, cuts, kept } = parts
  const text = (shownRows: number, cut: BodyCut) => {
    const left = [
      ...(shownRows < rows.length ? [`${rows.length - shownRows} of the ${rows.length} rows of the table`] : []),
      `${report.changes.length - cut.shown} of the ${counted(report.changes.length, 'change')}`,
      ...(report.compiler ? ['the source check'] : []),
    ]
    const note = `_Cut to fit ${maxLength} characters; left out: ${left.join(', ')}. The same \`lexgen diff\` without \`--max-length\` prints the whole report._`
    return markdownText([...head, ...table(rows, shownRows), ...body.slice(0, cut.line), ...(cut.inDetails ? ['', '</details>'] : []), '', '---', '', note])
  }
  const fits = (shownRows: number, cut: BodyCut) => text(shownRows, cut).length <= maxLength
  // The last of `from`…`to` (inclusive) for which `ok` holds, given it holds for `from`: the length grows with each (the note's numbers aside).
  const last = (from: number, to: number, ok: (i: number) => boolean) => {
    let [good, bad] = [from, to + 1]
    while (bad - good > 1) {
      const middle = (good + bad) >> 1
      if (ok(middle)) good = middle
      else bad = middle
    }
    return good
  }
  // The whole table, and as much after the source changes as fits.
  if (fits(rows.length, cuts[kept]!)) return text(rows.length, cuts[last(kept, cuts.length - 1, (i) => fits(rows.length, cuts[i]!))]!)
  // Breaking and source changes, and as many rows as fit.
  if (fits(0, cuts[kept]!)) return text(last(0, rows.length, (n) => fits(n, cuts[kept]!)), cuts[kept]!)
  // No table; as many breaking and source changes as fit (none: the title and intro alone).
  return text(0, cuts[last(0, kept, (i) => fits(0, cuts[i]!))]!)
}

/**
 * Each method or record a non-docs change reaches, with its changes per class, counting a def only
 * the compiler rejects (`compilerOnly`) as one source change, as the summary does; worst first,
 * then by NSID.
 */
function affectedEntryPoints(changes: readonly Change[], compilerOnly: readonly Disagreement[]): [string, Record<ChangeClass, number>][] {
  const byEntry = new Map<string, Record<ChangeClass, number>>()
  const count = (via: Via, cls: ChangeClass) => {
    for (const entry of new Set(SIDES.flatMap((side) => via[side] ?? []))) {
      const counts = byEntry.get(entry) ?? { breaking: 0, source: 0, compatible: 0, docs: 0 }
      counts[cls]++
      byEntry.set(entry, counts)
    }
  }
  for (const c of changes) if (c.class !== 'docs') count(c.via, c.class)
  for (const d of compilerOnly) count(d.via, 'source')
  const rank = (counts: Record<ChangeClass, number>) => CLASSES.findIndex((c) => counts[c] > 0)
  return [...byEntry].sort(([a, ca], [b, cb]) => rank(ca) - rank(cb) || compare(a, b)).map(([entry, counts]) => [displayKey(entry), counts])
}

/**
 * Methods and records the change adds or removes whole: their row says `new` or `removed` rather
 * than counting the changes that reach them (a new method's own addition; the changes to what a
 * removed one used to reach).
 */
function addedOrRemoved(changes: readonly Change[]): Map<string, 'new' | 'removed'> {
  const whole = new Map<string, 'new' | 'removed'>()
  for (const c of changes) {
    if (c.path !== '') continue
    if (c.kind === 'method-added' || c.kind === 'doc-added' || c.kind === 'def-added') whole.set(displayKey(defKey(c.nsid, c.def)), 'new')
    else if (c.kind === 'method-removed' || c.kind === 'doc-removed' || c.kind === 'def-removed') whole.set(displayKey(defKey(c.nsid, c.def)), 'removed')
  }
  return whole
}

/**
 * A Markdown code span holding `text` as it is: a lexicon's field name or a config's pattern may
 * hold backticks, which would close a plain span and let the rest be links or images in a pull
 * request's description. The fence is one backtick longer than any run inside.
 */
function span(text: string): string {
  const fence = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length)) + 1)
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${text}${pad}${fence}`
}

function escapeMd(text: string): string {
  return text.replace(/([\\`*_<>[\]])/g, '\\$1')
}

/** Escapes Markdown outside the `code spans` our own messages use. */
function escapeOutsideCode(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 ? part : escapeMd(part)))
    .join('')
}

/** What a description with no path belongs to: the doc (def `''`) or the def. */
/** A docs change that is no description: the same schema in another order (its message says where). */
function isOrder(change: Change): boolean {
  return change.kind === 'order-changed'
}

function described(change: Change): string {
  return change.def === '' ? 'the doc' : 'the def'
}

// ---------------------------------------------------------------------------------------------
// Text: grouped by NSID and def, one line per change with its class.

function text(report: ChangeReport, color: boolean, brief: boolean): string {
  const paint = painter(color)
  const out: string[] = []
  const width = Math.max(...CLASSES.map((c) => c.length))
  let nsid = ''
  for (const [, group] of byDef(report.changes)) {
    const change = group[0]!
    if (change.nsid !== nsid) out.push(paint('bold', (nsid = change.nsid)))
    const via = viaText(change, (s) => s)
    const label = change.kind === 'doc-added' || change.kind === 'doc-removed' || change.def === '' ? 'whole doc' : change.def === 'main' ? 'main' : `#${escapeControls(change.def)}`
    out.push(`  ${label}${via ? paint('dim', `  (${via})`) : ''}`)
    const docs = group.filter((c) => c.class === 'docs' && !isOrder(c))
    for (const c of group.filter((c) => c.class !== 'docs' || isOrder(c))) {
      out.push(`    ${paint(c.class, c.class.padEnd(width))}  ${escapeControls(`${c.path ? `${c.path}: ` : ''}${c.message}`)}${sideNote(c)}`)
    }
    if (docs.length) out.push(`    ${paint('docs', 'docs'.padEnd(width))}  ${docs.length === 1 ? 'description' : 'descriptions'} of ${escapeControls(describedPlaces(docs).map((path) => path || described(change)).join(', '))}`)
  }
  const compiler = report.compiler
  if (compiler) {
    const failed = failedText(compiler)
    out.push('', `${paint('bold', 'source check')} (TypeScript ${compiler.typescript}): ${compiler.checks} checks, ${compiler.findings.length ? paint('source', failed) : failed}`)
    const [causes, derived] = splitFindings(compiler.findings)
    for (const f of causes) out.push(`  ✗ ${f.symbol}: ${escapeControls(f.reason)}`)
    if (derived.length) out.push(`  also failing, because they contain one of the above: ${derived.map((f) => f.symbol).join(', ')}`)
    for (const line of excusedLines(compiler.excused ?? [], (s) => s)) out.push(`  ${line}`)
    if (compiler.disagreements.length) {
      out.push('', paint('bold', 'rules and compiler disagree'))
      for (const d of compiler.disagreements) out.push(`  ${displayKey(defKey(d.nsid, d.def))}: ${disagreementText(d.rules, d.compiler)}`)
    }
  }
  if (report.changes.length === 0 && !compiler?.findings.length) out.push('no lexicon changes that affect the generated client')
  out.unshift(...readFirst(report, paint, width))
  // Brief: one summary line, then the changes indented under it (a part of another command's output);
  // a changed selection is said first, as it explains docs added or removed.
  if (brief && report.selectionBefore) out.unshift(`${selectionText(report, (s) => s)}:`)
  const head = brief ? [`lexicon changes: ${paintSummary(report, paint)}`] : [intro(report, (s) => s), paintSummary(report, paint), '']
  const body = brief ? out.filter((line) => line !== '').map((line) => `  ${line}`) : out
  return [...head, ...body].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n'
}

/**
 * The defs with breaking or source changes, one line each, ahead of the listing by NSID when it
 * has other changes too: a year of upstream changes lists hundreds of lines, in which the two
 * that break callers are otherwise found only by searching.
 */
function readFirst(report: ChangeReport, paint: Paint, width: number): string[] {
  const line = (cls: 'breaking' | 'source', key: string, what: string) => `  ${paint(cls, cls.padEnd(width))}  ${displayKey(key)}: ${what}`
  const lines: string[] = []
  for (const cls of ['breaking', 'source'] as const) {
    for (const [key, group] of byDef(report.changes.filter((c) => c.class === cls))) {
      const places = [...new Set(group.map((c) => c.path || c.message))]
      const sides = SIDES.filter((side) => group.some((c) => c.sides.includes(side)))
      lines.push(line(cls, key, `${escapeControls(places.join(', '))}${sides.length ? ` (${sides.join(', ')})` : ''}`))
    }
  }
  for (const d of compilerOnly(report)) lines.push(line('source', defKey(d.nsid, d.def), 'old code using it no longer compiles (see the source check)'))
  const others = report.summary.compatible + report.summary.docs
  return lines.length && others ? [paint('bold', 'breaking and source changes (each in full below):'), ...lines, ''] : []
}

/** Defs no rule finds changed that the compiler says old code cannot compile against: counted as source. */
function compilerOnly(report: ChangeReport): Disagreement[] {
  return (report.compiler?.disagreements ?? []).filter((d) => d.compiler === 'does not compile')
}

function paintSummary(report: ChangeReport, paint: (style: ChangeClass, s: string) => string): string {
  return CLASSES.map((c) => (report.summary[c] ? paint(c, `${report.summary[c]} ${c}`) : `0 ${c}`)).join(', ')
}

// ---------------------------------------------------------------------------------------------
// Shared

function summaryLine(report: ChangeReport): string {
  return CLASSES.map((c) => `${report.summary[c]} ${c}`).join(', ')
}

function intro(report: ChangeReport, code: (s: string) => string): string {
  const { before, after } = report
  return `Compared ${code(before.label)} (${counted(before.docs, 'doc')}) with ${code(after.label)} (${counted(after.docs, 'doc')}); ${selectionText(report, code)}, with their references.`
}

/** `selection a.*, excluding b.*`, and what it was when the old side had its own. */
function selectionText(report: ChangeReport, code: (s: string) => string): string {
  const patterns = (s: ChangeReport['selection']) =>
    `${s.include.length ? s.include.map(code).join(', ') : 'nothing'}${s.exclude.length ? `, excluding ${s.exclude.map(code).join(', ')}` : ''}`
  return `selection ${patterns(report.selection)}${report.selectionBefore ? ` (was ${patterns(report.selectionBefore)})` : ''}`
}

/** Changes grouped by def, in report order (NSID, then def). */
function byDef(changes: readonly Change[]): [string, Change[]][] {
  const groups = new Map<string, Change[]>()
  for (const c of changes) {
    const key = defKey(c.nsid, c.def)
    const group = groups.get(key)
    if (group) group.push(c)
    else groups.set(key, [c])
  }
  return [...groups].sort(([a], [b]) => compare(a, b))
}

/**
 * The paths whose descriptions changed, each once: a retargeted ref changes two at one path (the
 * property's own, and that of the def it names), which read as "message, message".
 */
function describedPlaces(docs: readonly Change[]): string[] {
  return [...new Set(docs.map((c) => c.path))]
}

/** "response via a, b and 3 more; record via c" for a def's usage (none for a method's own changes). */
function viaText(change: { readonly nsid: string; readonly via: Via }, code: (s: string) => string): string {
  if (isOwnMethod(change.via, change.nsid)) return ''
  const parts = SIDES.filter((side) => change.via[side]?.length).map((side) => {
    const list = change.via[side]!
    const shown = list.slice(0, VIA_SHOWN).map((v) => code(displayKey(v)))
    return `${side} via ${shown.join(', ')}${list.length > VIA_SHOWN ? ` and ${list.length - VIA_SHOWN} more` : ''}`
  })
  return parts.length ? parts.join('; ') : 'not reached from any method or record'
}

/** A method's own changes (params, input, output): reached through the method itself. */
function isOwnMethod(via: Via, nsid: string): boolean {
  const all = SIDES.flatMap((side) => via[side] ?? [])
  return all.length > 0 && all.every((v) => v === nsid)
}

function sideNote(change: Change): string {
  return change.sides.length && change.class !== 'docs' ? ` (${change.sides.join(', ')})` : ''
}

/** Findings to read first, and those that follow from them (one line per symbol). */
function splitFindings(findings: readonly CompilerFinding[]): [CompilerFinding[], CompilerFinding[]] {
  const derived = [...new Set(findings.filter((f) => f.through).map((f) => f.symbol))].map((symbol) => findings.find((f) => f.symbol === symbol)!)
  return [findings.filter((f) => !f.through), derived]
}

/** How many checks failed, counted or not, e.g. `3 failed, 10 more not counted`. */
function failedText({ findings, excused = [] }: CompilerReport): string {
  if (!excused.length) return findings.length ? `${findings.length} failed` : 'all passed'
  return findings.length ? `${findings.length} failed, ${excused.length} more not counted` : `${excused.length} failed, none counted`
}

/**
 * The excused failures, one line per cause: the symbols, the defs they fail through, and why that
 * does not count (README, "Source compatibility, decided by the compiler").
 */
function excusedLines(excused: readonly ExcusedFinding[], code: (s: string) => string): string[] {
  const groups = new Map<string, ExcusedFinding[]>()
  for (const f of excused) {
    const key = `${f.check} ${f.judgedBy.join(' ')}`
    groups.set(key, [...(groups.get(key) ?? []), f])
  }
  return [...groups.values()].map((group) => {
    const { check, judgedBy } = group[0]!
    const symbols = [...new Set(group.map((f) => f.symbol))]
    const one = symbols.length === 1
    const [oldCode, calls] = check === 'old-fits-new' ? ['builds', 'receive'] : ['reads', 'send']
    return `not counted: ${escapeControls(symbols.map(code).join(', '))} (no method or record reaches ${one ? 'it' : 'them'}) fail${one ? 's' : ''} only through ${escapeControls(judgedBy.map((key) => code(displayKey(key))).join(', '))}, which calls only ${calls}, and the rules judge a change by how calls use a def; old code that ${oldCode} ${one ? 'this type' : 'these types'} by hand no longer compiles`
  })
}

function disagreementText(rules: ChangeClass | 'none', compiler: 'compiles' | 'does not compile'): string {
  const ruleText = rules === 'none' ? 'the rules found no change' : `the rules say ${rules}`
  return compiler === 'compiles' ? `${ruleText} (old code breaks), but every compiler check passed` : `${ruleText}, but the compiler says old code does not compile (counted as source)`
}
