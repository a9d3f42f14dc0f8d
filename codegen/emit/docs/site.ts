/**
 * The set of pages being written, with links between them resolved last: a page links to a
 * heading by key (`def:chat.bsky.convo.defs#convoView`), and once every page is written each key
 * becomes the relative path plus the anchor GitHub gives that heading on its page.
 */
import { posix } from 'node:path'
import { compare } from '../../order.js'
import { Anchors } from './markdown.js'

/** Marks a link target in page text until it is resolved; never in lexicon text (inline() escapes nothing to it). */
const MARK = '\u0000'

export class Page {
  readonly lines: string[] = []
  private readonly headings: { level: number; text: string; key?: string }[] = []

  constructor(
    readonly path: string,
    /** What the banner says the page was generated from. */
    readonly source: string,
  ) {}

  heading(level: number, text: string, key?: string): void {
    this.headings.push({ level, text, ...(key ? { key } : {}) })
    this.lines.push(`${'#'.repeat(level)} ${text}`, '')
  }

  /** Adds a block (paragraph, table, fence) followed by a blank line. */
  add(...blocks: string[]): void {
    for (const block of blocks) this.lines.push(block, '')
  }

  /**
   * Anchors of the keyed headings, computed as GitHub does from every heading in order; the
   * page title's is empty: a link to it is a link to the page.
   */
  anchors(): Map<string, string> {
    const anchors = new Anchors()
    const keyed = new Map<string, string>()
    for (const { level, text, key } of this.headings) {
      // GitHub takes the anchor from the heading's rendered text: escapes and code ticks drop out.
      const slug = anchors.take(text.replace(/\\(.)/g, '$1').replace(/`/g, '').replace(/&amp;/g, '&'))
      if (key) keyed.set(key, level === 1 ? '' : slug)
    }
    return keyed
  }
}

export class Site {
  private readonly pages = new Map<string, Page>()
  /** Link targets by number: a page marks a link with its number, since a key holds a def's name, which can hold anything (NUL too). */
  private readonly linked: string[] = []

  page(path: string, source = 'the selected lexicons'): Page {
    let page = this.pages.get(path)
    if (!page) this.pages.set(path, (page = new Page(path, source)))
    return page
  }

  /** `[text](target)` where the target is resolved when the site is finished. */
  link(text: string, key: string): string {
    return `[${text}](${MARK}${this.linked.push(key) - 1}${MARK})`
  }

  /** Every page's text with its links resolved; a link to a key no heading has is a bug, and throws. */
  finish(banner: (source: string) => string): Map<string, string> {
    const targets = new Map<string, { path: string; anchor: string }>()
    for (const page of this.pages.values()) {
      for (const [key, anchor] of page.anchors()) targets.set(key, { path: page.path, anchor })
    }
    const files = new Map<string, string>()
    for (const page of [...this.pages.values()].sort((a, b) => compare(a.path, b.path))) {
      const text = page.lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n'
      const resolved = text.replace(new RegExp(`${MARK}(\\d+)${MARK}`, 'g'), (_, index: string) => {
        const key = this.linked[Number(index)]!
        const target = targets.get(key)
        if (!target) throw new Error(`docs: no heading for link target '${key}' (from ${page.path})`)
        const fragment = target.anchor ? `#${target.anchor}` : ''
        if (target.path === page.path) return fragment || '#'
        return `${posix.relative(posix.dirname(page.path), target.path)}${fragment}`
      })
      files.set(page.path, banner(page.source) + '\n' + resolved)
    }
    return files
  }
}
