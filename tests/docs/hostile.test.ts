/**
 * Hostile lexicon text in the docs: descriptions, known values, property, def and error names
 * built to break out of Markdown (HTML, headings, tables, fences, links) or out of the example
 * code. The pages keep their structure, lexicon text never becomes HTML or a link, and every
 * example still typechecks, with the canary only inside strings and comments.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from '../../codegen/index.js'
import { removeDir, tempDir } from '../codegen/helpers.js'
import { BREAKOUTS, CANARY, CANARY_IN_CODE, RAW_CONTROL } from '../reliability/support/hostile.js'
import { codeOnly } from '../reliability/support/ts-lexer.js'
import { anchors, codeBlocks, htmlText, links, render, typecheck, userProject } from './support.js'

const MARKDOWN_BREAKOUTS = [
  `<img src=x onerror=${CANARY}()>`,
  `\n# ${CANARY} heading\n`,
  `| ${CANARY} | column |`,
  `\n\`\`\`\n${CANARY}()\n\`\`\`\n`,
  `[${CANARY}](javascript:${CANARY}())`,
  `<!-- ${CANARY} -->`,
  `&lt;${CANARY}&gt;`,
  `\u0000${CANARY}\u0000`,
]
const HOSTILE = [...BREAKOUTS, ...MARKDOWN_BREAKOUTS].join(' ')

const doc = {
  lexicon: 1,
  id: 'com.example.hostile',
  description: HOSTILE,
  defs: {
    main: {
      type: 'procedure',
      description: HOSTILE,
      input: {
        encoding: 'application/json',
        schema: {
          type: 'object',
          required: ["we'ird|key", '`tick`', 'text'],
          properties: {
            "we'ird|key": { type: 'string', description: HOSTILE, knownValues: [...BREAKOUTS, ...MARKDOWN_BREAKOUTS] },
            '`tick`': { type: 'string', enum: [`a|b`, `c\`d`, '<b>'], description: HOSTILE },
            text: { type: 'ref', ref: '#thing' },
            // A def named with NUL (which marks links while the pages are written) and a terminal escape.
            marked: { type: 'ref', ref: '#th\u0000ing\u001b[2J' },
          },
        },
      },
      output: { encoding: 'application/json', schema: { type: 'ref', ref: '#thing' } },
      errors: [{ name: `Bad|Name<i>`, description: HOSTILE }, { name: 'Plain', description: HOSTILE }],
    },
    thing: {
      type: 'object',
      description: HOSTILE,
      required: ['|pipe|'],
      properties: { '|pipe|': { type: 'string', description: HOSTILE, knownValues: MARKDOWN_BREAKOUTS }, [`[x](y)`]: { type: 'string' } },
    },
    'th\u0000ing\u001b[2J': { type: 'object', description: HOSTILE, properties: {} },
  },
}

/**
 * Methods whose NSID segments the Client renames (`constructor_`, `toString_`, `core_` at its
 * root) or cannot write after a dot, and an input field that an object literal would take for its prototype.
 */
const procedure = (id: string, properties: object = {}) => ({
  lexicon: 1,
  id,
  defs: { main: { type: 'procedure', input: { encoding: 'application/json', schema: { type: 'object', required: Object.keys(properties), properties } } } },
})
const ODD_NAMES = {
  'com/example/constructor/get.json': procedure('com.example.constructor.get', { ['__proto__']: { type: 'string' }, toString: { type: 'integer' } }),
  'com/example/toString/ping.json': procedure('com.example.toString.ping'),
  'core/example/get.json': procedure('core.example.get'),
  'com/example/x--y/run.json': procedure('com.example.x--y.run'),
}

/**
 * Ordinary text that Markdown would misread: a line starting like a list, an indented line, web
 * addresses with `#`, `_` and brackets (`www.` ones too), CRLF and an address in a table cell, a
 * pipe in a known value, a full stop in brackets and an abbreviation in the first sentence, and
 * def names whose anchors GitHub numbers (`weird-1`, `weird`, `Weird`).
 */
const prosy = {
  lexicon: 1,
  id: 'com.example.prose',
  defs: {
    main: {
      type: 'query',
      description:
        'Lists things (one. or all) in order, e.g. by name. More after.\nSteps:\n1. not a list\n\n    indented four spaces with *star*\n' +
        'See https://atproto.com/specs/xrpc#error_responses (and https://example.com/a_b), https://en.wikipedia.org/wiki/Foo_(bar) and www.example.com/a_b. Query: https://example.com/q?d=e&f=g_h, www.example.com/q?d=e&f=g.',
      parameters: { type: 'params', properties: { limit: { type: 'integer', description: 'line1\r\nline2, see https://example.com/a_b|c' } } },
      output: {
        encoding: 'application/json',
        description: 'The things, in the order asked for.',
        schema: {
          type: 'object',
          properties: {
            a: { type: 'ref', ref: '#weird-1' },
            b: { type: 'ref', ref: '#weird' },
            c: { type: 'ref', ref: '#Weird' },
            status: { type: 'ref', ref: '#status' },
            tags: { type: 'array', description: 'Tags on the things.', items: { type: 'string', description: 'A tag, without its #.' } },
          },
        },
      },
    },
    'weird-1': { type: 'object', properties: {} },
    weird: { type: 'object', properties: {} },
    Weird: { type: 'object', properties: {} },
    status: { type: 'string', knownValues: ['ok|fine', 'bad'] },
  },
}

let root: string
let pages: Map<string, string>
let out: string

beforeAll(async () => {
  root = await tempDir('lexgen-hostile-docs-')
  const lexicons = join(root, 'lexicons')
  await mkdir(join(lexicons, 'com/example'), { recursive: true })
  await writeFile(join(lexicons, 'com/example/hostile.json'), JSON.stringify(doc))
  await writeFile(join(lexicons, 'com/example/prose.json'), JSON.stringify(prosy))
  for (const [path, odd] of Object.entries(ODD_NAMES)) {
    await mkdir(join(lexicons, path, '..'), { recursive: true })
    await writeFile(join(lexicons, path), JSON.stringify(odd))
  }
  out = join(root, 'generated')
  const result = await generate({
    lexicons,
    out,
    include: ['com.example.*', 'core.example.*'],
    exclude: [],
    runtimeImport: '@lexgen/runtime',
    strict: false,
    fileExt: '.ts',
    docs: { dir: join(root, 'docs'), clientImport: './generated/index.js', regenerate: 'npx lexgen generate' },
  })
  pages = new Map(result.docs!)
  for (const [path, content] of result.files) {
    await mkdir(join(out, path, '..'), { recursive: true })
    await writeFile(join(out, path), content)
  }
})

afterAll(async () => {
  await removeDir(root)
})

/** A page with code (fences and spans) taken out: what renders as Markdown. */
function prose(text: string): string {
  return text.replace(/^(`{3,})\w*\n[\s\S]*?^\1$/gm, '').replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '')
}

it('keeps lexicon text out of HTML, headings, links and table columns', () => {
  expect(pages.size).toBeGreaterThan(2)
  let canaries = 0
  for (const [path, text] of pages) {
    canaries += text.split(CANARY).length - 1
    expect(RAW_CONTROL.exec(text), `${path}: a control character or bidi override written as it is`).toBeNull()
    const rendered = prose(text.split('\n').slice(1).join('\n'))
    // No tag or comment opens outside code: every `<` lexicon text brought is escaped.
    expect(rendered, path).not.toMatch(/(?<!\\)<(?!https?:\/\/)[a-z!/]/i)
    // Headings are ours: `#`, then a name or a title.
    for (const heading of rendered.match(/^#{1,6} .*$/gm) ?? []) expect(heading, path).not.toContain(CANARY)
    // Links are ours: none carries the canary, none leaves the docs but to a page or an anchor.
    for (const href of links(text)) expect(href, path).toMatch(/^(#[\w-]+|[\w./-]+\.md(#[\w-]*)?)$/)
    // Every table row has as many cells as its header.
    const lines = text.split('\n')
    lines.forEach((line, i) => {
      if (!/^\| .* \|$/.test(line) || !/^\| ---/.test(lines[i + 1] ?? '')) return
      const cells = (row: string) => row.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length
      for (let j = i + 2; /^\| /.test(lines[j] ?? ''); j++) expect(cells(lines[j]!), `${path}:${j + 1}`).toBe(cells(line))
    })
    expect(text, path).not.toContain('\u0000')
  }
  // The hostile text did reach the pages (as text): the checks were not vacuous.
  expect(canaries).toBeGreaterThan(50)
  expect(anchors(pages.get('com.example.md')!).size).toBeGreaterThan(5)
})

it('gives examples that typecheck against the generated code, the canary only inside strings', async () => {
  const project = await userProject(out)
  try {
    const blocks = codeBlocks(pages).filter((block) => block.language === 'ts')
    expect(blocks.length).toBeGreaterThan(5)
    const files: string[] = []
    for (const [i, block] of blocks.entries()) {
      expect(CANARY_IN_CODE.exec(codeOnly(block.code)), `${block.page} ${block.section}`).toBeNull()
      // `__proto__: x` (bare or quoted) in an object literal sets its prototype, not a field.
      expect(block.code, `${block.page} ${block.section}`).not.toMatch(/(^|[{,\s])(__proto__|'__proto__'|"__proto__")\s*:/)
      files.push((await project.write(`hostile${i}.ts`, block.code)).slice(project.dir.length + 1))
    }
    const result = await typecheck(project.dir, files)
    expect(result.output).toBe('')
    expect(result.code).toBe(0)
  } finally {
    await project.close()
  }
})

describe('rendered as GitHub renders it (GFM, by micromark)', () => {
  it('every page holds only the elements the docs write: lexicon text never becomes HTML, and links lead to the docs or to web addresses', () => {
    const ours = new Set(['h1', 'h2', 'h3', 'h4', 'p', 'a', 'code', 'pre', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'ul', 'ol', 'li', 'strong', 'em', 'blockquote', 'br', 'hr'])
    for (const [path, text] of pages) {
      const html = render(text)
      const tags = new Set([...html.matchAll(/<([a-z][a-z0-9]*)[\s>]/g)].map((m) => m[1]!))
      expect([...tags].filter((tag) => !ours.has(tag)), path).toEqual([])
      for (const [, href] of html.matchAll(/<a href="([^"]*)"/g)) expect(href, path).toMatch(/^(#[\w%-]+|[\w./-]+\.md(#[\w%-]*)?|https?:\/\/(?!.*%5C)[^\\\s]+)$/)
    }
  })

  it('keeps ordinary text as written: no list, no code block, working web links, no stray backslash or replacement character', () => {
    const page = render(pages.get('com.example.md')!)
    const start = page.indexOf('<h2>prose</h2>')
    const end = page.indexOf('<h2>', start + 1)
    const section = page.slice(start, end < 0 ? undefined : end)
    expect(start).toBeGreaterThan(0)
    expect(section).toContain('1. not a list')
    expect(section).toContain('indented four spaces with *star*')
    expect(section).not.toMatch(/<ol>|<pre><code>indented/)
    expect(section).toContain('<a href="https://atproto.com/specs/xrpc#error_responses">https://atproto.com/specs/xrpc#error_responses</a>')
    expect(section).toContain('(and <a href="https://example.com/a_b">https://example.com/a_b</a>), ')
    expect(section).toContain('<a href="https://en.wikipedia.org/wiki/Foo_(bar)">https://en.wikipedia.org/wiki/Foo_(bar)</a> and ')
    // A `www.` address leads where GitHub's own autolinking would: http, the address as written.
    expect(section).toContain('<a href="http://www.example.com/a_b">www.example.com/a_b</a>.')
    // An & in an address: as written in the link and its text (micromark escapes it for HTML, once).
    expect(section).toContain('<a href="https://example.com/q?d=e&amp;f=g_h">https://example.com/q?d=e&amp;f=g_h</a>, ')
    expect(section).toContain('<a href="http://www.example.com/q?d=e&amp;f=g">www.example.com/q?d=e&amp;f=g</a>.')
    // In a table cell: one line, the address a link that ends at the pipe, the cell whole.
    expect(section).toContain('<td>line1 line2, see <a href="https://example.com/a_b">https://example.com/a_b</a>|c</td>')
    expect(htmlText(section)).not.toMatch(/\\[.\-*_#|\d]|\ufffd/)
    // The overview's first sentence goes on past a full stop in brackets and past "e.g.".
    expect(page).toMatch(/<td>Lists things \(one\. or all\) in order, e\.g\. by name\.<\/td>/)
  })

  it("says what the lexicon says of a body, and of an array's items, as the JSDoc does", () => {
    const page = pages.get('com.example.md')!
    expect(page).toContain('The things, in the order asked for.\n\n`application/json`')
    expect(page).toMatch(/\| `tags` \|[^\n]*\| Tags on the things\. Each item: A tag, without its \\#\. \|/)
  })

  it('writes a pipe in a known value as a pipe, in a table and outside one', () => {
    const model = render(pages.get('models/com.example.prose.md')!)
    expect(model).toContain('<code>ok|fine</code>')
    expect(model).not.toContain('ok\\|fine')
  })

  it('numbers repeated anchors as GitHub does, so links to `weird-1`, `weird` and `Weird` all land', () => {
    const model = pages.get('models/com.example.prose.md')!
    const targets = anchors(model)
    const hrefs = links(pages.get('com.example.md')!).filter((href) => href.startsWith('models/com.example.prose.md#'))
    expect(hrefs.length).toBeGreaterThanOrEqual(3)
    for (const href of hrefs) expect(targets.has(href.split('#')[1]!), href).toBe(true)
    expect(new Set(hrefs).size).toBe(hrefs.length)
  })
})


it('sets a known value with 100,000 runs of backticks as code, not a stack overflow (200 KB overflowed it)', async () => {
  const dir = await tempDir('lexgen-docs-ticks-')
  try {
    const knownValue = '`a'.repeat(100_000)
    const ticks = { lexicon: 1, id: 'com.example.ticks', defs: { main: { type: 'query', parameters: { type: 'params', properties: { b: { type: 'string', knownValues: [knownValue] } } } } } }
    await mkdir(join(dir, 'lex/com/example'), { recursive: true })
    await writeFile(join(dir, 'lex/com/example/ticks.json'), JSON.stringify(ticks))
    const result = await generate({
      lexicons: join(dir, 'lex'),
      out: join(dir, 'out'),
      include: ['com.example.*'],
      exclude: [],
      runtimeImport: '@lexgen/runtime',
      strict: false,
      fileExt: '.ts',
      docs: { dir: join(dir, 'docs'), clientImport: './out/index.js', regenerate: 'npx lexgen generate' },
    })
    expect([...result.docs!.values()].join('\n')).toContain(`\`\` ${knownValue} \`\``)
  } finally {
    await removeDir(dir)
  }
})
