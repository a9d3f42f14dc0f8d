/**
 * Shared by the `lexgen diff` tests: a small lexicon set that has a request side, a response
 * side, a record and a def shared by a request and a response, and helpers to compare edits of it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { compareLexicons, type ChangeReport, type LexiconSet } from '../../../codegen/changes/index.js'
import { ROOT } from '../helpers.js'

type Json = Record<string, any>

/** Docs by NSID. */
export type Docs = Record<string, Json>

/** The base set: every table row edits a copy of it. */
export function baseDocs(): Docs {
  return structuredClone(BASE)
}

const BASE: Docs = {
  'ex.test.get': {
    lexicon: 1,
    id: 'ex.test.get',
    defs: {
      main: {
        type: 'query',
        parameters: {
          type: 'params',
          required: ['limit'],
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
            cursor: { type: 'string' },
            flag: { type: 'boolean' },
          },
        },
        output: {
          encoding: 'application/json',
          schema: {
            type: 'object',
            required: ['items'],
            properties: {
              items: { type: 'array', items: { type: 'ref', ref: 'ex.test.defs#view' } },
              cursor: { type: 'string' },
              shared: { type: 'ref', ref: 'ex.test.defs#shared' },
            },
          },
        },
        errors: [{ name: 'NotFound' }],
      },
    },
  },
  'ex.test.send': {
    lexicon: 1,
    id: 'ex.test.send',
    defs: {
      main: {
        type: 'procedure',
        description: 'Sends a thing.',
        input: {
          encoding: 'application/json',
          schema: {
            type: 'object',
            required: ['text', 'kind'],
            properties: {
              text: { type: 'string', maxLength: 300, maxGraphemes: 30, minLength: 1, minGraphemes: 1 },
              kind: { type: 'string', enum: ['a', 'b'] },
              mode: { type: 'string', knownValues: ['x', 'y'] },
              tags: { type: 'array', minLength: 0, maxLength: 5, items: { type: 'string' } },
              site: { type: 'string', format: 'uri' },
              author: { type: 'string', format: 'did' },
              note: { type: 'string' },
              count: { type: 'integer', enum: [1, 2, 3] },
              fixed: { type: 'boolean', const: true },
              embed: { type: 'union', refs: ['ex.test.defs#image', 'ex.test.defs#link'] },
              picture: { type: 'blob', accept: ['image/png', 'image/jpeg'], maxSize: 1000 },
              raw: { type: 'bytes', minLength: 1, maxLength: 64 },
              shared: { type: 'ref', ref: 'ex.test.defs#shared' },
            },
          },
        },
        output: { encoding: 'application/json', schema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } },
        errors: [{ name: 'TooLong' }],
      },
    },
  },
  'ex.test.ping': {
    lexicon: 1,
    id: 'ex.test.ping',
    defs: { main: { type: 'procedure', input: { encoding: 'application/json' }, output: { encoding: 'application/json' } } },
  },
  'ex.test.act': {
    lexicon: 1,
    id: 'ex.test.act',
    defs: { main: { type: 'procedure' } },
  },
  'ex.test.stream': {
    lexicon: 1,
    id: 'ex.test.stream',
    defs: {
      main: {
        type: 'subscription',
        parameters: { type: 'params', properties: { cursor: { type: 'integer' } } },
        message: { schema: { type: 'union', refs: ['#event'] } },
      },
      event: { type: 'object', required: ['seq'], properties: { seq: { type: 'integer' } } },
    },
  },
  'ex.test.misc': {
    lexicon: 1,
    id: 'ex.test.misc',
    defs: { note: { type: 'object', properties: { text: { type: 'string' } } } },
  },
  'ex.test.defs': {
    lexicon: 1,
    id: 'ex.test.defs',
    defs: {
      view: {
        type: 'object',
        required: ['id', 'text'],
        nullable: ['note'],
        properties: {
          id: { type: 'string' },
          text: { type: 'string', maxLength: 300 },
          note: { type: 'string' },
          status: { type: 'string', enum: ['open', 'closed'] },
          embed: { type: 'union', refs: ['#image', '#link'], closed: true },
          by: { type: 'string', format: 'did' },
          home: { type: 'string', format: 'uri' },
        },
      },
      image: { type: 'object', required: ['url'], properties: { url: { type: 'string', format: 'uri' } } },
      link: { type: 'object', required: ['uri'], properties: { uri: { type: 'string', format: 'uri' } } },
      shared: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 10 } } },
      spare: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } } },
      mark: { type: 'token', description: 'A marker.' },
    },
  },
  'ex.test.post': {
    lexicon: 1,
    id: 'ex.test.post',
    defs: {
      main: {
        type: 'record',
        key: 'tid',
        record: {
          type: 'object',
          required: ['text', 'createdAt'],
          properties: {
            text: { type: 'string', maxLength: 300 },
            createdAt: { type: 'string', format: 'datetime' },
            tags: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  },
}

/** A set from docs, as the CLI would load it. */
export function lexiconSet(label: string, docs: Docs): LexiconSet {
  return { label, files: Object.entries(docs).map(([nsid, json]) => ({ file: `${nsid.split('.').join('/')}.json`, json })) }
}

/** Compares the base set with a copy edited by `edit`. */
export async function compareEdit(edit: (docs: Docs) => void, options: { compilerCheck?: boolean; include?: string[]; base?: (docs: Docs) => void } = {}): Promise<ChangeReport> {
  const before = baseDocs()
  options.base?.(before)
  const after = baseDocs()
  options.base?.(after)
  edit(after)
  return compareLexicons(lexiconSet('before', before), lexiconSet('after', after), { include: options.include ?? ['ex.test.*'], exclude: [] }, options)
}

/**
 * The shared lexicon history: `../shared/lexicon-history` beside the repository, as CI has it;
 * from a git worktree, beside the main checkout.
 */
export function lexiconHistory(): string {
  const candidates = [resolve(ROOT, '../shared/lexicon-history')]
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: ROOT, encoding: 'utf8' }).trim()
    candidates.push(join(dirname(dirname(common)), 'shared/lexicon-history'))
  } catch {
    // not a git checkout: only the first candidate applies
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'README.md')))
  if (!found) throw new Error(`lexicon history not found (looked in ${candidates.join(', ')})`)
  return found
}

/** Writes docs as a lexicon directory (`ex/test/get.json`, …) under `dir`. */
export async function writeDocs(dir: string, docs: Docs): Promise<void> {
  for (const [nsid, doc] of Object.entries(docs)) {
    const path = join(dir, `${nsid.split('.').join('/')}.json`)
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, JSON.stringify(doc, null, 2))
  }
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd, encoding: 'utf8' })
}

export function commitAll(repo: string, message: string): void {
  git(repo, 'add', '-A')
  git(repo, 'commit', '-q', '-m', message)
}
