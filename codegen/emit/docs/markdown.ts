/**
 * Markdown text from untrusted lexicon strings: escaping, inline code, fences and tables.
 * A description must never open a link, a tag, a heading or a table column it does not close.
 */
import { escapeControls } from '../../controls.js'

/**
 * Inline text with every character Markdown or HTML would act on escaped. A web address stays a
 * working link: escapes inside it would end up in the address GitHub links to
 * (`xrpc%5C#error%5C_responses`), so it is written as a link Markdown reads nothing in.
 */
export function inline(text: string): string {
  const flat = controlFree(text.replace(/\r\n?|\n/g, ' '))
  let out = ''
  let done = 0
  for (const match of flat.matchAll(WEB_ADDRESS)) {
    const address = linkable(match[0])
    out += escaped(flat.slice(done, match.index)) + webLink(address)
    done = match.index + address.length
  }
  return out + escaped(flat.slice(done))
}

/**
 * Web addresses where GitHub finds them: `http(s)://` anywhere, `www.` at the start of a word (after
 * a space or one of `*_~(`), then a letter or digit, up to a space or a character no address holds
 * unencoded (`|` among them, so a table cell still ends where it should).
 */
const WEB_ADDRESS = /(?:https?:\/\/|(?<![^\s*_~(])www\.)[\p{L}\p{N}][^\s<>"`\\|]*/gu

/** What GitHub leaves out of a link when an address ends with it: `See https://atproto.com.` */
const TRAILING = /[.,:;!?'*_~]/

/** Closing brackets an address keeps only when it opens them too (`wiki/Foo_(bar)`), with their opening ones. */
const BRACKETS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' }

/** An address less its trailing punctuation and the closing brackets it does not open: `(see https://x.com/a).` */
function linkable(address: string): string {
  const count = (c: string) => address.split(c).length - 1
  const unmatched = new Map(Object.entries(BRACKETS).map(([close, open]) => [close, count(close) - count(open)]))
  let end = address.length
  for (;;) {
    const last = address[end - 1]!
    const extra = unmatched.get(last) ?? 0
    if (extra > 0) unmatched.set(last, extra - 1)
    else if (!TRAILING.test(last)) return address.slice(0, end)
    end--
  }
}

/**
 * An autolink, `<https://…>`, or for a `www.` address a link shown as written that leads where
 * GitHub's own autolinking would take it, `http://www.…` (an autolink needs the scheme). A link's
 * destination decodes entities, so `&` is written `&amp;` there; an autolink decodes none (CommonMark),
 * so it keeps `&` as it is.
 */
function webLink(address: string): string {
  return address.startsWith('www.') ? `[${escaped(address)}](<http://${address.replace(/&/g, '&amp;')}>)` : `<${address}>`
}

function escaped(text: string): string {
  return text.replace(/[\\`*_[\]<>|#!~]/g, (c) => `\\${c}`).replace(/&/g, '&amp;')
}

/**
 * Prose (a lexicon description) as paragraphs: lines kept, each escaped, so a line cannot start a
 * heading, list, quote or fence, and blank lines still separate paragraphs.
 */
export function prose(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    // Indentation dropped (four spaces would open a code block); a list marker's punctuation escaped (`1\.`, `\-`).
    .map((line) => inline(line.replace(/^[ \t]+/, '')).replace(/^([-+=])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2'))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** Control characters (other than tab and newline) would corrupt the page, and NUL marks links (see site.ts): shown as escapes. */
function controlFree(text: string): string {
  return escapeControls(text, { keepLines: true })
}

/**
 * The first sentence of a description, for one-line overviews: up to the first full stop that
 * ends a sentence, outside brackets and not after an abbreviation (`e.g.`, `i.e.`, `etc.`).
 */
export function firstSentence(text: string | undefined): string {
  if (!text) return ''
  const flat = text.replace(/\s+/g, ' ').trim()
  let depth = 0
  for (let i = 0; i < flat.length; i++) {
    const c = flat[i]!
    if (c === '(' || c === '[') depth++
    else if ((c === ')' || c === ']') && depth > 0) depth--
    else if (c === '.' && depth === 0 && (i + 1 === flat.length || flat[i + 1] === ' ') && !ABBREVIATION.test(flat.slice(0, i + 1))) return flat.slice(0, i + 1)
  }
  return flat
}

const ABBREVIATION = /(?:^|[\s(])(?:e\.g|i\.e|etc|vs|cf|approx|incl)\.$/i

/** The longest run of backticks in `text`, or `least`: a loop, as spreading 100,000 runs into `Math.max` overflowed the stack. */
function longestRun(text: string, least: number): number {
  let longest = least
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length)
  return longest
}

/** An inline code span that holds any text (backticks included). */
export function code(text: string): string {
  const flat = controlFree(text.replace(/\r\n?|\n/g, ' '))
  const ticks = '`'.repeat(longestRun(flat, 0) + 1)
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${flat}${pad}${ticks}`
}

/** A fenced code block longer than any backtick run inside it. */
export function fence(language: string, source: string): string {
  const ticks = '`'.repeat(longestRun(source, 2) + 1)
  return `${ticks}${language}\n${source.trimEnd()}\n${ticks}`
}

/**
 * A table; cells are already-formatted inline Markdown. A pipe not yet escaped would end its cell,
 * code spans included (GitHub reads `\|` in a table cell as a pipe, in a code span too; outside a
 * table, a backslash in a code span is shown as it is, so only cells get it).
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cellText(cell) || ' ').join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}

/** A pipe after an even run of backslashes (none included) is unescaped. */
function cellText(cell: string): string {
  return cell.replace(/(?<!\\)((?:\\\\)*)\|/g, '$1\\|')
}

/**
 * GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, and a repeated
 * one numbered (`-1`, `-2`) in document order, as github-slugger numbers them: a number already
 * taken (a heading literally named `x-1`) moves on to the next.
 */
export class Anchors {
  private readonly seen = new Map<string, number>()

  take(heading: string): string {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    let slug = base
    while (this.seen.has(slug)) {
      const count = this.seen.get(base)! + 1
      this.seen.set(base, count)
      slug = `${base}-${count}`
    }
    this.seen.set(slug, 0)
    return slug
  }
}
