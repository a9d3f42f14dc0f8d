/**
 * Bad docs: all of them in one run (sorted, file + JSON path + reason), exit 1 and nothing
 * written when the selection's closure is affected; warnings (exit 0) for docs outside it;
 * `--strict` turns every bad doc into an error. Union mismatches name the deepest path.
 */
import { basename, dirname } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lexiconDir, removeDir, runCli, snapshotDir, tempDir } from './helpers.js'
import { BAD_OUTSIDE, query, returning, SEVERAL_BAD } from './support/bad-lexicons.js'

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

async function generate(docs: Record<string, unknown>, args: string[]) {
  const lexicons = await lexiconDir(docs)
  const out = await tempDir()
  dirs.push(lexicons, out)
  const result = await runCli(['generate', '--lexicons', lexicons, '--out', out, ...args], lexicons)
  return { ...result, files: await snapshotDir(out) }
}

/** A run that went on (exit 0) with exactly these warnings on stderr. */
function expectWarnings(result: { code: number; stderr: string }, warnings: readonly string[]): void {
  expect(result.code).toBe(0)
  expect(result.stderr).toBe([...warnings.map((text) => `lexgen: warning: ${text}`), ''].join('\n'))
}

describe('every bad doc in one run', () => {
  const docs = SEVERAL_BAD

  it('lists each with file, JSON path and reason, sorted; exit 1; nothing written', async () => {
    const result = await generate(docs, ['--include', 'com.example.*'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      [
        'lexgen: error: 7 problems in 5 lexicon files:',
        "  com/example/b.json:14:21 at defs.main.properties.at.format: Expected 'datetime' | 'uri' | 'at-uri' | 'did' | 'handle' | 'at-identifier' | 'nsid' | 'cid' | 'language' | 'tid' | 'record-key', got 'date-time' (did you mean 'datetime'?)",
        '  com/example/b.json:10:22 at defs.main.properties.n.minimum: Expected number, received string',
        '  com/example/c.json: not valid JSON (Expected double-quoted property name at line 1, column 16)',
        '  com/example/d.json:10:15 at defs.extra.type: Records, permission sets, procedures, queries, and subscriptions must be the main definition.',
        "  com/example/e.json:11:18 at defs.main.output.schema.ref: reference 'com.example.missing#x' names lexicon 'com.example.missing', which is not in the lexicon directory",
        "  com/example/f.json:15:25 at defs.main.output.schema.properties.at.format: Expected 'datetime' | 'uri' | 'at-uri' | 'did' | 'handle' | 'at-identifier' | 'nsid' | 'cid' | 'language' | 'tid' | 'record-key', got 'date-time' (did you mean 'datetime'?)",
        '  com/example/f.json:11:23 at defs.main.output.schema.required: Expected array, received string',
        '',
      ].join('\n'),
    )
    expect(result.files.size).toBe(0)
  })
})

describe('a doc with problems of its own', () => {
  it('still has its references checked: a mistyped one is said in the same run', async () => {
    const docs = {
      'com/example/defs.json': { lexicon: 1, id: 'com.example.defs', defs: { authorView: { type: 'object', properties: {} } } },
      'com/example/get.json': {
        lexicon: 1,
        id: 'com.example.get',
        defs: {
          main: {
            type: 'query',
            parameters: { type: 'params', properties: { limit: { type: 'integer', maximum: 50, default: 100 } } },
            output: { encoding: 'application/json', schema: { type: 'object', properties: { author: { type: 'ref', ref: 'com.example.defs#authorVeiw' } } } },
          },
        },
      },
    }
    const result = await generate(docs, ['--include', 'com.example.get'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("com/example/get.json:24:22 at defs.main.output.schema.properties.author.ref: reference 'com.example.defs#authorVeiw' names def 'authorVeiw', which 'com.example.defs' does not define (did you mean 'com.example.defs#authorView'?)")
    expect(result.stderr).toMatch(/com\/example\/get\.json:13:24 at defs\.main\.parameters\.properties\.limit\.default: .*100/)
    expect(result.files.size).toBe(0)
  })
})

describe('a duplicate id', () => {
  it('names both files from where the user stands', async () => {
    const lexicons = await lexiconDir({ 'com/example/ok.json': query('com.example.ok'), 'com/example/copy.json': query('com.example.ok') })
    const out = await tempDir()
    dirs.push(lexicons, out)
    const result = await runCli(['generate', '--lexicons', lexicons, '--out', out, '--include', '*'], dirname(lexicons))
    const folder = basename(lexicons)
    expect(result.stderr).toBe(`lexgen: error: ${folder}/com/example/ok.json:3:9 at id: duplicate lexicon id 'com.example.ok' (already defined in ${folder}/com/example/copy.json)\n`)
    expect(result.code).toBe(1)
  })
})

describe('an include naming a file whose doc declares another id', () => {
  it('says which id the file declares: docs are selected by id', async () => {
    const docs = {
      'com/example/feed/deletePost.json': { lexicon: 1, id: 'com.example.feed.removePost', defs: { main: { type: 'procedure' } } },
      'com/example/feed/getPost.json': { lexicon: 1, id: 'com.example.feed.getPost', defs: { main: { type: 'query' } } },
      // A name a typo away: the file still says more.
      'com/example/feed/deletePosts.json': { lexicon: 1, id: 'com.example.feed.deletePosts', defs: { main: { type: 'procedure' } } },
    }
    const hint = "include 'com.example.feed.deletePost' matches no lexicon: com/example/feed/deletePost.json declares the id 'com.example.feed.removePost', and docs are selected by id"
    const alone = await generate(docs, ['--include', 'com.example.feed.deletePost'])
    expect(alone).toMatchObject({ code: 1, stderr: `lexgen: error: no lexicon matches include 'com.example.feed.deletePost': com/example/feed/deletePost.json declares the id 'com.example.feed.removePost', and docs are selected by id\n` })
    const beside = await generate(docs, ['--include', 'com.example.feed.deletePost', '--include', 'com.example.feed.getPost'])
    expect(beside).toMatchObject({ code: 0, stderr: `lexgen: warning: ${hint}\n` })
  })
})

describe('bad docs outside the selection', () => {
  const docs = BAD_OUTSIDE

  it('are warnings when nothing selected refers to them: listed, exit 0, code written', async () => {
    const result = await generate(docs, ['--include', 'pub.layers.corpus.*'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toBe(
      [
        "lexgen: warning: 2 lexicon files outside the selection's references could not be used (--strict makes this an error):",
        "  pub/layers/broken.json: not valid JSON (Expected property name or '}' at line 1, column 3)",
        '  pub/layers/noid.json:1:1 at id: Required',
        '',
      ].join('\n'),
    )
    expect([...result.files.keys()]).toContain('pub/layers/corpus/text.ts')
    expect([...result.files.keys()]).toContain('pub/layers/defs.ts')
  })

  it('are errors inside the closure: a referenced doc that fails, said first, the references to it counted', async () => {
    const result = await generate({ ...docs, 'pub/layers/defs.json': '{"lexicon": 1' }, ['--include', 'pub.layers.corpus.*'])
    expect(result.code).toBe(1)
    const errors = result.stderr.slice(result.stderr.indexOf('lexgen: error:'))
    expect(errors).toMatch(/^lexgen: error: pub\/layers\/defs\.json: not valid JSON \([^\n]+\)\n  1 reference to pub\/layers\/defs\.json, from 1 other file, can be checked once it is fixed\n$/)
    expect(result.files.size).toBe(0)
  })

  it('--strict makes every bad doc an error, checked fully', async () => {
    const result = await generate(docs, ['--include', 'pub.layers.corpus.*', '--strict'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^lexgen: error: 3 problems in 3 lexicon files:\n/)
    expect(result.stderr).toContain('  pub/layers/other.json:10:22 at defs.main.properties.n.maximum: Expected number, received string\n')
    expect(result.files.size).toBe(0)
  })

  it('a bad file whose path matches the selection is an error', async () => {
    const result = await generate({ ...docs, 'pub/layers/corpus/draft.json': '[' }, ['--include', 'pub.layers.corpus.*'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('pub/layers/corpus/draft.json: not valid JSON')
  })
})

describe("@atproto/lexicon's checks all apply", () => {
  it('language tags of a permission set (validated by @atproto/syntax, loaded without @atproto/common-web)', async () => {
    const perms = { lexicon: 1, id: 'com.example.perms', defs: { main: { type: 'permission-set', 'title:lang': { 'not a tag!': 'x' }, permissions: [] } } }
    const result = await generate({ 'com/example/perms.json': perms }, ['--include', '*'])
    expect(result.stderr).toBe('lexgen: error: com/example/perms.json:8:23 at defs.main["title:lang"]["not a tag!"]: Invalid BCP47 language tag\n')
    const good = await generate({ 'com/example/perms.json': { ...perms, defs: { main: { ...perms.defs.main, 'title:lang': { 'fr-FR': 'x' } } } } }, ['--include', '*'])
    expect(good.code, good.stderr).toBe(0)
  })
})

describe('references no value can pass', () => {
  // Valid lexicon (upstream's com.atproto.lexicon.resolveLexicon refers to a record), but every
  // value fails there under @atproto/lexicon: a server validating with it answers 500 or 400.
  it('to a record (a ref or a union member) or a token: a warning naming where and what to write instead; the code is written', async () => {
    const ref = (target: string) => ({ type: 'ref', ref: target })
    const result = await generate(
      {
        'com/example/post.json': { lexicon: 1, id: 'com.example.post', defs: { main: { type: 'record', key: 'tid', record: { type: 'object', properties: { text: { type: 'string' } } } }, mark: { type: 'token' } } },
        'com/example/getPost.json': {
          lexicon: 1,
          id: 'com.example.getPost',
          defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'object', properties: { post: ref('com.example.post'), mark: ref('com.example.post#mark'), any: { type: 'union', refs: ['com.example.post'] } } } } } },
        },
      },
      ['--include', 'com.example.getPost'],
    )
    expectWarnings(result, [
      "com/example/getPost.json:23:17 at defs.main.output.schema.properties.any.refs[0]: reference 'com.example.post' names a record def: @atproto/lexicon, and a server validating with it, refuses every value there (refer to an object def with the record's fields, or use `unknown` for any record)",
      "com/example/getPost.json:18:22 at defs.main.output.schema.properties.mark.ref: reference 'com.example.post#mark' names a token: @atproto/lexicon, and a server validating with it, refuses every value there (a token is a name: a string with `knownValues` takes it)",
      "com/example/getPost.json:14:22 at defs.main.output.schema.properties.post.ref: reference 'com.example.post' names a record def: @atproto/lexicon, and a server validating with it, refuses every value there (refer to an object def with the record's fields, or use `unknown` for any record)",
    ])
    expect([...result.files.keys()]).toContain('com/example/getPost.ts')
  })
})

describe('keys a schema type does not define', () => {
  // @atproto/lexicon drops them unread, so a misspelt constraint does nothing anywhere.
  it('are each a warning with the key likely meant; the code is written, and ignores them as servers do', async () => {
    const result = await generate(
      {
        'com/example/get.json': {
          lexicon: 1,
          id: 'com.example.get',
          defs: {
            main: {
              type: 'query',
              parameters: { type: 'params', nullable: ['p'], properties: { p: { type: 'string', maxlength: 5 }, b: { type: 'boolean', enum: [true] } } },
              output: { encoding: 'application/json', schema: { type: 'object', properties: { x: { type: 'string', maxGrapheme: 3 }, n: { type: 'integer', maxLength: 5 } } }, shema: {} },
            },
          },
        },
      },
      ['--include', 'com.example.get'],
    )
    expectWarnings(result, [
      'com/example/get.json:36:28 at defs.main.output.schema.properties.n.maxLength: "maxLength" is not a key of an integer schema: @atproto/lexicon ignores it, and so do servers and the generated code',
      "com/example/get.json:32:30 at defs.main.output.schema.properties.x.maxGrapheme: \"maxGrapheme\" is not a key of a string schema: @atproto/lexicon ignores it, and so do servers and the generated code (did you mean 'maxGraphemes'?)",
      "com/example/get.json:40:18 at defs.main.output.shema: \"shema\" is not a key of a method's output: @atproto/lexicon ignores it, and so do servers and the generated code (did you mean 'schema'?)",
      'com/example/get.json:9:21 at defs.main.parameters.nullable: "nullable" is not a key of a params schema: @atproto/lexicon ignores it, and so do servers and the generated code',
      'com/example/get.json:19:21 at defs.main.parameters.properties.b.enum: "enum" is not a key of a boolean schema: @atproto/lexicon ignores it, and so do servers and the generated code',
      "com/example/get.json:15:26 at defs.main.parameters.properties.p.maxlength: \"maxlength\" is not a key of a string schema: @atproto/lexicon ignores it, and so do servers and the generated code (did you mean 'maxLength'?)",
    ])
    const code = result.files.get('com/example/get.ts')!
    expect(code).not.toMatch(/maxlength|maxGrapheme\b|maxLength|oneOf\(ctx, '\.b'|\| null/)
  })
})

describe('union mismatches name the deepest path and the real reason', () => {
  it('a body schema: the branch that got furthest, not "Invalid input"', async () => {
    const result = await generate({ 'com/example/q.json': returning('com.example.q', { type: 'object', properties: { n: { type: 'integer', enum: ['a'] } } }) }, ['--include', '*'])
    expect(result.stderr).toBe('lexgen: error: com/example/q.json:15:17 at defs.main.output.schema.properties.n.enum[0]: Expected number, received string\n')
  })

  it('a body schema of a type no branch takes: what each expected, merged', async () => {
    const result = await generate({ 'com/example/q.json': returning('com.example.q', { type: 'array', items: { type: 'string' } }) }, ['--include', '*'])
    expect(result.stderr).toBe("lexgen: error: com/example/q.json:10:19 at defs.main.output.schema.type: Expected 'ref' | 'union' | 'object', got 'array'\n")
  })

  it('inside an inline object: the path through it', async () => {
    const nested = { type: 'object', properties: { inner: { type: 'object', properties: { n: { type: 'integer', maximum: 'x' } } } } }
    const result = await generate({ 'com/example/q.json': returning('com.example.q', nested) }, ['--include', '*'])
    expect(result.stderr).toBe('lexgen: error: com/example/q.json:17:30 at defs.main.output.schema.properties.inner.properties.n.maximum: Expected number, received string\n')
  })
})

describe('control characters in a file name or a lexicon value reach the terminal as escapes', () => {
  // Clear the screen, set the window title, overwrite the line; an 8-bit CSI; a bidi override.
  const hostile = '\u001b[2J\u001b]0;owned\u0007\r\u009b\u202e'
  const shown = '\\x1b[2J\\x1b]0;owned\\x07\\x0d\\x9b\\u202e'

  it('in an error: the file and the value', async () => {
    const result = await generate({ [`com/example/q${hostile}.json`]: returning('com.example.q', { type: `object${hostile}` }) }, ['--include', '*'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `lexgen: error: com/example/q${shown}.json:10:19 at defs.main.output.schema.type: Expected 'ref' | 'union' | 'object', got 'object${shown}'\n`,
    )
  })

  it('in a warning about a doc outside the selection', async () => {
    const result = await generate({ ...BAD_OUTSIDE, [`pub/layers/x${hostile}.json`]: '[' }, ['--include', 'pub.layers.corpus.*'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain(`  pub/layers/x${shown}.json: not valid JSON`)
    expect(result.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
  })
})

describe("a record's key", () => {
  // @atproto/lexicon takes any string or none; the spec (and @atproto/lex-document) does not.
  it('must be one the spec defines: each bad one refused where it is written, with what was meant', async () => {
    const record = (id: string, key?: unknown) => ({ lexicon: 1, id, defs: { main: { type: 'record', ...(key === undefined ? {} : { key }), record: { type: 'object', properties: {} } } } })
    const docs = {
      'com/example/a.json': record('com.example.a'),
      'com/example/b.json': record('com.example.b', 'tdi'),
      'com/example/c.json': record('com.example.c', 'literal:'),
      'com/example/d.json': record('com.example.d', 'literl:self'),
      'com/example/e.json': record('com.example.e', 3),
      ...Object.fromEntries(['tid', 'nsid', 'any', 'literal:self', 'literal:a.b-c~d'].map((key, i) => [`com/example/ok${i}.json`, record(`com.example.ok${i}`, key)])),
    }
    const result = await generate(docs, ['--include', 'com.example.*'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      [
        'lexgen: error: 5 problems in 5 lexicon files:',
        "  com/example/a.json:5:13 at defs.main: a record needs a `key`: 'tid', 'nsid', 'any' or 'literal:<key>' (such as 'literal:self') (Lexicon spec)",
        "  com/example/b.json:7:14 at defs.main.key: Expected 'tid', 'nsid', 'any' or 'literal:<key>' (such as 'literal:self'), got 'tdi' (did you mean 'tid'?)",
        "  com/example/c.json:7:14 at defs.main.key: Expected 'tid', 'nsid', 'any' or 'literal:<key>' (such as 'literal:self'), got 'literal:'",
        "  com/example/d.json:7:14 at defs.main.key: Expected 'tid', 'nsid', 'any' or 'literal:<key>' (such as 'literal:self'), got 'literl:self' (did you mean 'literal:self'?)",
        '  com/example/e.json:7:14 at defs.main.key: Expected string, received number',
        '',
      ].join('\n'),
    )
  })
})

describe('constraints that contradict each other', () => {
  const field = (name: string, schema: Record<string, unknown>) => returning(`com.example.${name}`, { type: 'object', properties: { f: schema } })
  /** Generating `docs` fails with exactly these lines on stderr, and writes nothing. */
  const expectRefused = async (docs: Record<string, unknown>, lines: readonly string[]) => {
    const result = await generate(docs, ['--include', '*'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe([...lines, ''].join('\n'))
    expect(result.files.size).toBe(0)
  }

  it('are refused where they are written, each with why no value (or not its own default) can pass', async () => {
    const docs = {
      'com/example/a.json': field('a', { type: 'integer', minimum: 5, maximum: 1 }),
      'com/example/b.json': field('b', { type: 'string', minLength: 4, maxLength: 3, maxGraphemes: -1 }),
      'com/example/c.json': field('c', { type: 'string', minGraphemes: 4, maxLength: 3 }),
      'com/example/d.json': field('d', { type: 'array', items: { type: 'string' }, minLength: 2, maxLength: 1 }),
      'com/example/e.json': field('e', { type: 'integer', enum: [1, 2], const: 3 }),
      'com/example/f.json': field('f', { type: 'string', maxGraphemes: 2, default: 'e\u0301e\u0301e\u0301' }),
      'com/example/g.json': field('g', { type: 'string', maxLength: 3, default: 'éé' }),
      'com/example/h.json': field('h', { type: 'boolean', default: true, const: false }),
      'com/example/i.json': returning('com.example.i', { type: 'object', nullable: ['f', 'g'], properties: { f: { type: 'string' } } }),
    }
    await expectRefused(docs, [
      'lexgen: error: 10 problems in 9 lexicon files:',
      '  com/example/a.json:15:26 at defs.main.output.schema.properties.f.maximum: maximum 1 is below minimum 5: no value can pass',
      '  com/example/b.json:16:31 at defs.main.output.schema.properties.f.maxGraphemes: maxGraphemes -1 is below zero: no value can pass',
      '  com/example/b.json:15:28 at defs.main.output.schema.properties.f.maxLength: maxLength 3 is below minLength 4: no value can pass',
      '  com/example/c.json:14:31 at defs.main.output.schema.properties.f.minGraphemes: minGraphemes 4 is above maxLength 3: a grapheme takes at least one UTF-8 byte, so no value can pass',
      '  com/example/d.json:18:28 at defs.main.output.schema.properties.f.maxLength: maxLength 1 is below minLength 2: no value can pass',
      '  com/example/e.json:18:24 at defs.main.output.schema.properties.f.const: const 3 is not in enum [1, 2]: no value can pass',
      '  com/example/f.json:15:26 at defs.main.output.schema.properties.f.default: default "éééé" is 3 graphemes, above maxGraphemes 2: the field refuses its own default'.replace('éééé', 'e\u0301e\u0301e\u0301'),
      '  com/example/g.json:15:26 at defs.main.output.schema.properties.f.default: default "éé" is 4 UTF-8 bytes, above maxLength 3: the field refuses its own default',
      '  com/example/h.json:14:26 at defs.main.output.schema.properties.f.default: default true differs from const false, the only value the field takes',
      '  com/example/i.json:13:13 at defs.main.output.schema.nullable[1]: nullable field "g" not defined',
    ])
  })

  it('an enum no value of which passes the other constraints, a negative blob size; said beside @atproto/lexicon\'s problems', async () => {
    const docs = {
      'com/example/a.json': field('a', { type: 'integer', enum: [1, 2], minimum: 5 }),
      'com/example/b.json': field('b', { type: 'string', enum: ['abcdef', 'ghijkl'], maxLength: 2 }),
      'com/example/c.json': field('c', { type: 'blob', maxSize: -1 }),
      // A problem @atproto/lexicon finds (a required field not defined) does not hide the contradiction.
      'com/example/d.json': returning('com.example.d', { type: 'object', required: ['zz'], nullable: ['zz'], properties: {} }),
      // Said at the entry of `required`, with what it likely meant.
      'com/example/e.json': returning('com.example.e', { type: 'object', required: ['text', 'createAt'], properties: { text: { type: 'string' }, createdAt: { type: 'string' } } }),
      // A name @atproto/lexicon finds on Object.prototype, and passes: in an object and in params.
      'com/example/f.json': { lexicon: 1, id: 'com.example.f', defs: { main: { type: 'query', parameters: { type: 'params', required: ['valueOf'], properties: {} }, output: { encoding: 'application/json', schema: { type: 'object', required: ['toString'], properties: {} } } } } },
    }
    await expectRefused(docs, [
      'lexgen: error: 8 problems in 6 lexicon files:',
      "  com/example/a.json:14:23 at defs.main.output.schema.properties.f.enum: no value of enum [1, 2] passes the field's other constraints: no value can pass",
      '  com/example/b.json:14:23 at defs.main.output.schema.properties.f.enum: no value of enum ["abcdef", "ghijkl"] passes the field\'s other constraints: no value can pass',
      '  com/example/c.json:14:26 at defs.main.output.schema.properties.f.maxSize: maxSize -1 is below zero: no value can pass',
      '  com/example/d.json:15:13 at defs.main.output.schema.nullable[0]: nullable field "zz" not defined',
      '  com/example/d.json:12:13 at defs.main.output.schema.required[0]: required field "zz" not defined',
      "  com/example/e.json:13:13 at defs.main.output.schema.required[1]: required field \"createAt\" not defined (did you mean 'createdAt'?)",
      '  com/example/f.json:19:13 at defs.main.output.schema.required[0]: required field "toString" not defined',
      '  com/example/f.json:10:11 at defs.main.parameters.required[0]: required field "valueOf" not defined',
    ])
  })

  it('only schemas are read as schemas: a key the Lexicon language does not define is ignored, as @atproto/lexicon ignores it', async () => {
    const example = { type: 'integer', minimum: 5, maximum: 1 }
    const docs = { 'com/example/a.json': returning('com.example.a', { type: 'object', 'x-example': example, properties: { f: { type: 'string', $comment: { type: 'string', const: 'a', enum: ['b'] } } } }) }
    const result = await generate(docs, ['--include', '*'])
    expect(result.code, result.stderr).toBe(0)
  })

  it('pass when some value fits: equal bounds, a const equal to its default, a default inside its bounds', async () => {
    const docs = {
      'com/example/a.json': field('a', { type: 'integer', minimum: 3, maximum: 3, enum: [3, 4], default: 3, const: 3 }),
      'com/example/b.json': field('b', { type: 'string', minLength: 2, maxLength: 2, minGraphemes: 1, maxGraphemes: 1, default: 'é' }),
      'com/example/c.json': field('c', { type: 'string', knownValues: ['a'], default: 'other' }),
      'com/example/d.json': field('d', { type: 'string', format: 'datetime', default: '2024-01-15T10:30:00.000Z', enum: ['2024-01-15T10:30:00.000Z', 'later'] }),
      'com/example/e.json': field('e', { type: 'string', format: 'at-identifier', const: 'alice.bsky.social' }),
    }
    const result = await generate(docs, ['--include', '*'])
    expect(result.code, result.stderr).toBe(0)
  })

  it('a const, default or every enum value its own format refuses, judged as the generated validator judges it', async () => {
    const docs = {
      'com/example/a.json': field('a', { type: 'string', format: 'datetime', default: 'tomorrow' }),
      'com/example/b.json': field('b', { type: 'string', format: 'did', const: 'alice.bsky.social' }),
      'com/example/c.json': field('c', { type: 'string', format: 'nsid', enum: ['not an nsid', 'com.example'] }),
      // @atproto/lexicon refuses `2024-02-30` as a datetime, and so do the generated validators.
      'com/example/d.json': field('d', { type: 'string', format: 'datetime', const: '2024-02-30T00:00:00Z' }),
    }
    await expectRefused(docs, [
      'lexgen: error: 4 problems in 4 lexicon files:',
      '  com/example/a.json:15:26 at defs.main.output.schema.properties.f.default: default "tomorrow" is not a valid datetime: the field refuses its own default',
      '  com/example/b.json:15:24 at defs.main.output.schema.properties.f.const: const "alice.bsky.social" is not a valid did: no value can pass',
      '  com/example/c.json:15:23 at defs.main.output.schema.properties.f.enum: no value of enum ["not an nsid", "com.example"] passes the field\'s other constraints: no value can pass',
      '  com/example/d.json:15:24 at defs.main.output.schema.properties.f.const: const "2024-02-30T00:00:00Z" is not a valid datetime: no value can pass',
    ])
  })
})

describe('a doc nested deeper than any lexicon', () => {
  const deep = (levels: number) => `{"lexicon": 1, "id": "com.example.deep", "defs": {"main": {"type": "object", "x": ${'['.repeat(levels)}0${']'.repeat(levels)}, "properties": {}}}}`

  it('is refused as it is read, naming the file: 10,000 levels exhausted the stack (or left the check worker hanging)', async () => {
    const result = await generate({ 'com/example/deep.json': deep(10_000) }, ['--include', '*'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('lexgen: error: com/example/deep.json: nested more than 64 levels deep (lexicons nest a handful): refused, as reading it could exhaust the stack\n')
  })

  it('is a warning outside the selection, and 64 levels are read', async () => {
    const result = await generate({ ...BAD_OUTSIDE, 'pub/layers/deep.json': deep(10_000), 'pub/layers/corpus/fine.json': deep(60).replace('com.example.deep', 'pub.layers.corpus.fine') }, ['--include', 'pub.layers.corpus.*'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('  pub/layers/deep.json: nested more than 64 levels deep')
    expect([...result.files.keys()]).toContain('pub/layers/corpus/fine.ts')
  })
})
