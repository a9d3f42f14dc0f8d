import { posix } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildModel, relativeImport } from '../../codegen/model.js'
import { emit } from '../../codegen/emit.js'
import { deprecation } from '../../codegen/emit/writer.js'
import { loadLexiconFiles } from '../../codegen/load.js'
import { lexiconSchemas } from '../../codegen/lexicon-schemas.js'
import { checkId, DEF_TYPES, parseLexiconDocs, skimLexicons } from '../../codegen/parse.js'
import { patternToRegExp, reachesUnder, resolveRef, selectDocs } from '../../codegen/select.js'
import { LEXICONS, lexiconDir, removeDir } from './helpers.js'

const OPTIONS = { runtimeImport: '@lexgen/runtime', fileExt: '.ts' } as const
const loaded = await loadLexiconFiles(LEXICONS)
const lexicons = skimLexicons(loaded)
const select = (include: string[], exclude: string[] = []) => selectDocs(lexicons, { include, exclude }).docs.map((d) => d.doc.id)

describe('load', () => {
  it('drops the byte order mark Windows editors write; the doc reads as without it', async () => {
    const doc = { lexicon: 1, id: 'com.example.bom', defs: { main: { type: 'token', description: 'café' } } }
    const dir = await lexiconDir({ 'bom.json': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(doc))]) })
    try {
      expect(await loadLexiconFiles(dir)).toEqual({ files: [{ file: 'bom.json', json: doc }], problems: [] })
    } finally {
      await removeDir(dir)
    }
  })

  it('says a Git LFS pointer is one (a checkout without git-lfs, or a commit diff reads), not that it is bad JSON', async () => {
    const pointer = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1234\n'
    const dir = await lexiconDir({ 'lfs.json': pointer })
    try {
      expect((await loadLexiconFiles(dir)).problems).toEqual([{ file: 'lfs.json', message: 'a Git LFS pointer, not the lexicon: keep lexicons out of Git LFS (on disk, `git lfs pull` fetches the files)' }])
    } finally {
      await removeDir(dir)
    }
  })
})

describe('skim', () => {
  it("checks ids exactly as @atproto/lexicon's id schema does, without loading it", () => {
    const schema = lexiconSchemas().lexiconDoc.innerType().shape.id
    const segment = 'a'.repeat(63)
    const ids: unknown[] = [
      ...[null, 0, -1.5, true, false, [], ['com.example.x'], {}, { id: 'com.example.x' }],
      ...['', 'a', 'a.b', 'a.b.c', 'com.example.fooBar', 'com.example.foo-bar', 'com.example.foo2', 'com.example.2foo', 'com.example.',
        '.com.example.foo', 'com..example.foo', 'com.example.foo bar', 'com.example.foo\n', 'com.example.*', 'com.exämple.foo', 'COM.Example.Foo',
        '1com.example.foo', 'com.-example.foo', 'com.example-.foo', `com.${segment}.foo`, `com.${segment}a.foo`, `com.example.${segment}`,
        `com.example.${segment}a`, `${'a.'.repeat(150)}foo`, `${`${segment}.`.repeat(5)}foo`],
      ...lexicons.docs.map((doc) => doc.id),
    ]
    const zod = (id: unknown) => {
      const result = schema.safeParse(id)
      return result.success ? { id: result.data } : { message: result.error.issues[0]!.message }
    }
    expect(checkId({})).toEqual({ message: 'Required' })
    for (const id of ids) expect(checkId({ id }), JSON.stringify(id)).toEqual(zod(id))
  })
})

describe('parse', () => {
  it("words a def type refusal with the types @atproto/lexicon's lexUserType takes, no more and no fewer", () => {
    const { lexUserType } = lexiconSchemas()
    const refusesType = (type: string) => {
      try {
        const result = lexUserType.safeParse({ type })
        return !result.success && result.error.issues.some((issue) => issue.message.startsWith('Invalid type: '))
      } catch {
        return false // the type's own schema threw on the missing fields: the type itself was taken
      }
    }
    const candidates = [...DEF_TYPES, 'ref', 'union', 'params', 'permission', 'Object', 'datetime', 'cid', 'null']
    expect(candidates.filter((type) => !refusesType(type))).toEqual(DEF_TYPES)
  })
})

describe('select', () => {
  it('reads and validates the whole 402-doc snapshot', () => {
    const { docs, problems } = parseLexiconDocs(loaded)
    expect(problems).toEqual([])
    expect(docs).toHaveLength(402)
  })

  it('adds the reference closure of chat.bsky.convo.*: 44 docs', () => {
    const ids = select(['chat.bsky.convo.*'])
    expect(ids).toHaveLength(44)
    expect(ids.filter((id) => id.startsWith('chat.bsky.convo.'))).toHaveLength(23)
    // convo defs → embeds → app.bsky records and views → their own references
    expect(ids).toEqual(expect.arrayContaining(['chat.bsky.actor.defs', 'app.bsky.embed.record', 'app.bsky.richtext.facet', 'com.atproto.label.defs']))
    expect([...ids].sort()).toEqual(ids)
  })

  it("treats '*' as any run of characters and everything else literally", () => {
    expect(patternToRegExp('chat.bsky.convo.*').test('chat.bsky.convo.getConvo')).toBe(true)
    expect(patternToRegExp('chat.bsky.convo.*').test('chatXbsky.convo.getConvo')).toBe(false)
    expect(patternToRegExp('*.getConvo').test('chat.bsky.convo.getConvo')).toBe(true)
    expect(select(['*'])).toHaveLength(402)
  })

  it('tells what a folder that cannot be read may hold by its path: some NSID under it a pattern matches, or every one', () => {
    const some = (pattern: string, under: string) => reachesUnder(pattern, under)
    const every = (pattern: string, under: string) => reachesUnder(pattern, under, true)
    expect([some('chat.bsky.*', 'chat.bsky.notification'), some('chat.bsky.*', 'chat'), some('*', 'vendor'), some('*.getConvo', 'chat.bsky.convo')]).toEqual([true, true, true, true])
    expect([some('chat.bsky.*', 'app.bsky'), some('chat.bsky.convo.getConvo', 'chat.bsky.actor'), some('chat.bsky', 'chat.bsky')]).toEqual([false, false, false])
    expect([every('chat.bsky.moderation.*', 'chat.bsky.moderation'), every('chat.*', 'chat.bsky.moderation'), every('*', 'tools')]).toEqual([true, true, true])
    expect([every('chat.bsky.moderation.get*', 'chat.bsky.moderation'), every('chat.bsky.*', 'chat'), every('chat.bsky.moderation.getActorMetadata', 'chat.bsky.moderation')]).toEqual([false, false, false])
  })

  it('excludes what --exclude matches, unless something selected references it', () => {
    const ids = select(['chat.bsky.convo.*'], ['chat.bsky.convo.getLog', 'chat.bsky.convo.defs'])
    expect(ids).not.toContain('chat.bsky.convo.getLog')
    expect(ids).toContain('chat.bsky.convo.defs')
  })

  it('resolves local, cross-doc and main references', () => {
    expect(resolveRef('a.b.c', '#x')).toEqual({ nsid: 'a.b.c', def: 'x' })
    expect(resolveRef('a.b.c', 'd.e.f#y')).toEqual({ nsid: 'd.e.f', def: 'y' })
    expect(resolveRef('a.b.c', 'd.e.f')).toEqual({ nsid: 'd.e.f', def: 'main' })
  })
})

describe('model', () => {
  it.each(['js', 'ts'] as const)('gives every module an import specifier that resolves to the other, in .ts and .mts output, with %s imports', (importExt) => {
    const docs = select(['*']).length
    for (const fileExt of ['.ts', '.mts'] as const) {
      const model = buildModel(selectDocs(lexicons, { include: ['*'], exclude: [] }).docs, { runtimeImport: '@lexgen/runtime', fileExt, importExt })
      const paths = [...model.docs.map((doc) => doc.path), `index${fileExt}`, model.runtimeModule, 'com/x.ts', 'com/example/x/y.ts']
      expect(paths.length).toBe(docs + 4)
      // `js` imports name the JavaScript tsc makes of a module; `ts` imports the module itself.
      const named = (path: string) => (importExt === 'ts' ? path : path.replace(/\.(m?)ts$/, '.$1js'))
      const wrong: string[] = []
      for (const from of paths) {
        for (const to of paths) {
          const specifier = relativeImport(from, to, importExt)
          if (!/^\.\.?\//.test(specifier) || posix.join(posix.dirname(from), specifier) !== named(to)) wrong.push(`${from} → ${to}: ${specifier}`)
        }
      }
      expect(wrong).toEqual([])
    }
  })
})

describe('emit', () => {
  const hostile = {
    file: 'com/example/hostile.json',
    doc: {
      lexicon: 1 as const,
      id: 'com.example.hostile' as const,
      description: 'Ends the comment */ alert(1) /* and `backticks` ${template}',
      defs: {
        main: {
          type: 'object' as const,
          description: "*/ export const pwned = true; /* it's",
          required: ["we'ird-key"],
          properties: {
            "we'ird-key": { type: 'string' as const, knownValues: ["it's", 'back\\slash', 'new\nline', '*/'], description: 'x */ y' },
          },
        },
      },
    },
  }

  it("imports the runtime through runtime.ts, whose two entries share no name (`export *` would drop one silently)", async () => {
    const files = emit(buildModel([hostile] as never, OPTIONS))
    expect(files.get('runtime.ts')).toContain("export * from '@lexgen/runtime'\nexport * from '@lexgen/runtime/validate'\n")
    for (const [path, text] of files) if (path !== 'runtime.ts') expect(text, path).not.toContain("from '@lexgen/runtime")
    const [api, helpers] = await Promise.all([import('../../runtime/index.js'), import('../../runtime/validate.js')])
    expect(Object.keys(api).filter((name) => name in helpers)).toEqual([])
  })

  it('never lets lexicon text escape a comment or a string literal', () => {
    const files = emit(buildModel([hostile] as never, OPTIONS))
    const source = files.get('com/example/hostile.ts')!
    expect(source).not.toMatch(/\*\/ export const pwned/)
    expect(source).toContain("*\\/ export const pwned = true; /* it's")
    expect(source).toContain(`'we\\'ird-key': 'it\\'s' | 'back\\\\slash' | 'new\\nline' | '*/' | (string & {})`)
    expect(source).not.toMatch(/^export const pwned/m)
  })

  it('never starts a wrapped JSDoc line with an @ word (JSDoc would read a handle as a tag and end the description)', () => {
    const mentions = `Who is mentioned in the message, ${Array.from({ length: 30 }, (_, i) => `@user${i}.test`).join(', ')}, in order.`
    const doc = { file: 'com/example/mentions.json', doc: { lexicon: 1 as const, id: 'com.example.mentions' as const, defs: { main: { type: 'object' as const, description: mentions, properties: {} } } } }
    const source = emit(buildModel([doc] as never, OPTIONS)).get('com/example/mentions.ts')!
    const block = source.slice(source.indexOf('/**'), source.indexOf('*/'))
    expect(block).toContain('@user29.test')
    expect(block.split('\n').filter((line) => /^\s*\* @/.test(line))).toEqual([])
  })

  it("puts a doc's description on its main def when that has none of its own (where a hover on the type finds it), else on the id", () => {
    const embed = { file: 'com/example/embed.json', doc: { lexicon: 1 as const, id: 'com.example.embed' as const, description: 'An embedded thing.', defs: { main: { type: 'object' as const, properties: {} } } } }
    const files = emit(buildModel([embed, hostile] as never, OPTIONS))
    expect(files.get('com/example/embed.ts')).toContain("export const id = 'com.example.embed'\n\n/** An embedded thing. */\nexport interface Main {")
    expect(files.get('com/example/hostile.ts')).toMatch(/\/\*\* Ends the comment \*\\\/ alert\(1\)[^\n]*\*\/\nexport const id = /)
  })

  it('says in JSDoc why a def is deprecated (on its guard too), what each array item is, and what lengths count', () => {
    const doc = {
      file: 'com/example/old.json',
      doc: {
        lexicon: 1 as const,
        id: 'com.example.old' as const,
        defs: {
          main: {
            type: 'object' as const,
            description: 'An old view. Deprecated: use #newView instead.',
            properties: {
              members: { type: 'array' as const, maxLength: 10, items: { type: 'string' as const, format: 'did' as const, description: 'A member.' } },
              name: { type: 'string' as const, maxLength: 64 },
            },
          },
        },
      },
    }
    const source = emit(buildModel([doc] as never, OPTIONS)).get('com/example/old.ts')!
    expect(source).toContain('/**\n * An old view. Deprecated: use #newView instead.\n * @deprecated Deprecated: use #newView instead.\n */\nexport interface Main {')
    expect(source).toContain('True when `value` is a {@link Main} (its `$type` says so).\n * @deprecated Deprecated: use #newView instead.\n */\nexport function isMain')
    expect(source).toContain('  /**\n   * Each item: A member. (format did)\n   * @maxLength 10 items\n   */\n  members?:')
    expect(source).toContain('  /** @maxLength 64 (UTF-8 bytes) */\n  name?:')
  })

  it('keeps the advice in @deprecated: the sentence after a bare "Deprecated.", up to where the description goes on after " -- "', () => {
    const cases: [string, string][] = [
      ['Deprecated. Use app.bsky.richtext instead -- A text segment. Start is inclusive.', 'Deprecated. Use app.bsky.richtext instead'],
      ['DEPRECATED: use queryLabels or subscribeLabels instead -- Fetch all labels from a labeler.', 'DEPRECATED: use queryLabels or subscribeLabels instead'],
      ['DEPRECATED -- replaced by #sync event and data limits. Indicates that this commit contained too many ops.', 'DEPRECATED -- replaced by #sync event and data limits.'],
      ['DEPRECATED -- unused', 'DEPRECATED -- unused'],
      ['An old view. Deprecated: use #newView instead.', 'Deprecated: use #newView instead.'],
      ['Deprecated.', 'Deprecated.'],
    ]
    for (const [description, tag] of cases) expect(deprecation(description), description).toBe(`@deprecated ${tag}`)
    expect(deprecation('A view.')).toBeUndefined()
  })

  it('marks a deprecated method @deprecated in both calling styles: the standalone function and the client method', () => {
    const doc = {
      file: 'com/example/getHead.json',
      doc: {
        lexicon: 1 as const,
        id: 'com.example.getHead' as const,
        defs: {
          main: {
            type: 'query' as const,
            description: 'DEPRECATED - please use com.example.getLatest instead',
            output: { encoding: 'application/json', schema: { type: 'object' as const, properties: { root: { type: 'string' as const } } } },
          },
        },
      },
    }
    const files = emit(buildModel([doc] as never, OPTIONS))
    // The JSDoc right above a declaration: what an editor shows (and strikes through) for it.
    const docOf = (source: string, declaration: string) => {
      const at = source.indexOf(declaration)
      expect(at, declaration).toBeGreaterThan(0)
      return source.slice(source.lastIndexOf('/**', at), at)
    }
    const tag = ' * @deprecated DEPRECATED - please use com.example.getLatest instead\n'
    expect(docOf(files.get('com/example/getHead.ts')!, '\nexport function comExampleGetHead(')).toContain(tag)
    expect(docOf(files.get('client.ts')!, '\n  readonly getHead = async (')).toContain(`  ${tag}`)
  })

  it('names defs without colliding with method names or runtime imports', () => {
    const doc = {
      file: 'x.json',
      doc: {
        lexicon: 1 as const,
        id: 'com.example.collide' as const,
        defs: {
          main: { type: 'query' as const, output: { encoding: 'application/json', schema: { type: 'ref' as const, ref: '#output' } } },
          output: { type: 'object' as const, properties: {} },
          core: { type: 'string' as const },
        },
      },
    }
    const model = buildModel([doc] as never, OPTIONS)
    const names = model.docs[0]!.names
    expect(names.get('output')!.type).toBe('OutputDef')
    expect(names.get('core')!.type).toBe('CoreDef')
    expect(emit(model).get('com/example/collide.ts')).toContain('export type Output = OutputDef')
  })
})
