/**
 * Markdown text from untrusted lexicon strings: escaping, inline code, fences and tables.
 * A description must never open a link, a tag, a heading or a table column it does not close.
 */

/** Inline text with every character Markdown or HTML would act on escaped. */
export function inline(text: string): string {
  return controlFree(text)
    .replace(/[\\`*_[\]<>|#!~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\r\n?|\n/g, ' ')
}

/**
 * Prose (a lexicon description) as paragraphs: lines kept, each escaped, so a line cannot start a
 * heading, list, quote or fence, and blank lines still separate paragraphs.
 */
export function prose(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => inline(line).replace(/^(\s*)([-+=]|\d+[.)])/, '$1\\$2'))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** Control characters (other than tab and newline) would corrupt the page, and NUL marks links (see site.ts). */
function controlFree(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '\ufffd')
}

/** The first sentence of a description, for one-line overviews. */
export function firstSentence(text: string | undefined): string {
  if (!text) return ''
  const flat = text.replace(/\s+/g, ' ').trim()
  const end = flat.search(/\.(\s|$)/)
  return end < 0 ? flat : flat.slice(0, end + 1)
}

/** An inline code span that holds any text (backticks included). */
export function code(text: string): string {
  const flat = controlFree(text.replace(/\r\n?|\n/g, ' '))
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length))
  const ticks = '`'.repeat(longest + 1)
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : ''
  // Pipes would still split a table cell.
  return `${ticks}${pad}${flat}${pad}${ticks}`.replace(/\|/g, '\\|')
}

/** A fenced code block longer than any backtick run inside it. */
export function fence(language: string, source: string): string {
  const longest = Math.max(2, ...(source.match(/`+/g) ?? []).map((run) => run.length))
  const ticks = '`'.repeat(longest + 1)
  return `${ticks}${language}\n${source.trimEnd()}\n${ticks}`
}

/** A table; cells are already-formatted inline Markdown. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell || ' ').join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}

/**
 * GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, and a repeated
 * one numbered (`-1`, `-2`) in document order.
 */
export class Anchors {
  private readonly seen = new Map<string, number>()

  take(heading: string): string {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const count = this.seen.get(base) ?? 0
    this.seen.set(base, count + 1)
    let slug = count === 0 ? base : `${base}-${count}`
    // A numbered slug can collide with a heading that was literally named so.
    while (count > 0 && this.seen.has(slug)) slug = `${slug}-1`
    if (count > 0) this.seen.set(slug, 1)
    return slug
  }
}
