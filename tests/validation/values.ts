/**
 * Values for the differential test, derived from the lexicons themselves: a random valid value
 * for a schema, then copies of it that each break (or stress) one constraint at one path.
 * Seeded, so a failing run can be replayed with VALIDATION_SEED.
 */
import type { LexiconDoc } from '@atproto/lexicon'
import { CIDS, TRICKY, VALID } from './samples.js'

type Schema = { type: string; [key: string]: any }
type Path = (string | number)[]

export interface Mutation {
  /** Where and what, e.g. `messages[0].sentAt: format datetime "2024-13-01..."`. */
  readonly label: string
  readonly value: unknown
}

const GRAPHEMES = ['a', 'b', 'Z', '1', ' ', 'é', 'e\u0301', '👍', '👨‍👩‍👧‍👦', '🇧🇷', '中', 'ß', 'n\u0303\u0323']
const UNKNOWN_TYPE = 'com.example.unknown#thing'
const segmenter = new Intl.Segmenter()
const graphemes = (text: string) => [...segmenter.segment(text)].length
const utf8 = (text: string) => Buffer.byteLength(text, 'utf8')
const base64 = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i * 7)).toString('base64').replace(/=+$/, '')

export class Values {
  private state: number

  constructor(
    private readonly docs: ReadonlyMap<string, LexiconDoc>,
    seed: number,
  ) {
    this.state = seed >>> 0 || 1
  }

  /** xorshift32: small, seedable, good enough to pick cases. */
  random(): number {
    this.state ^= this.state << 13
    this.state ^= this.state >>> 17
    this.state ^= this.state << 5
    return (this.state >>> 0) / 2 ** 32
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1))
  }

  /** Up to `n` of `items`, in a seeded random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items]
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1))
      ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
    }
    return copy.slice(0, n)
  }

  def(nsid: string, name: string): Schema {
    const def = this.docs.get(nsid)?.defs[name] as Schema | undefined
    if (!def) throw new Error(`no def ${nsid}#${name}`)
    return def
  }

  resolve(from: string, ref: string): { nsid: string; name: string; def: Schema } {
    const [nsid, name = 'main'] = ref.startsWith('#') ? [from, ref.slice(1)] : (ref.split('#') as [string, string?])
    return { nsid, name, def: this.def(nsid, name) }
  }

  /** A value meant to be valid for `schema` (written in doc `from`); the reference has the last word. */
  valid(schema: Schema, from: string, depth = 0): unknown {
    switch (schema.type) {
      case 'object':
      case 'params':
        return this.object(schema, from, depth)
      case 'record':
        return this.object(schema.record, from, depth)
      case 'ref': {
        const target = this.resolve(from, schema.ref)
        return this.valid(target.def, target.nsid, depth + 1)
      }
      case 'union': {
        if (!schema.closed && (schema.refs.length === 0 || this.random() < 0.1)) return { $type: UNKNOWN_TYPE, any: 1 }
        const target = this.resolve(from, this.pick(schema.refs as string[]))
        const value = this.valid(target.def, target.nsid, depth + 1) as Record<string, unknown>
        return { $type: target.name === 'main' ? target.nsid : `${target.nsid}#${target.name}`, ...value }
      }
      case 'string':
        return this.string(schema)
      case 'integer':
        if (schema.const !== undefined) return schema.const
        if (schema.enum) return this.pick(schema.enum)
        return this.int(schema.minimum ?? 0, Math.min(schema.maximum ?? 1000, (schema.minimum ?? 0) + 1000))
      case 'boolean':
        return schema.const ?? this.random() < 0.5
      case 'array': {
        const min = schema.minLength ?? 0
        const length = this.int(min, Math.min(schema.maxLength ?? min + 3, min + 3, depth > 2 ? min : Infinity))
        return Array.from({ length }, () => this.valid(schema.items, from, depth + 1))
      }
      case 'bytes':
        return { $bytes: base64(this.int(schema.minLength ?? 0, Math.min(schema.maxLength ?? 8, 8))) }
      case 'cid-link':
        return { $link: this.pick(CIDS) }
      case 'blob':
        return this.blob(schema)
      case 'unknown':
        return this.pick([{}, { anything: 'goes', n: 1 }, { $type: 'com.example.record', text: 'hi' }])
      case 'token':
        return `${from}#token`
      default:
        throw new Error(`no values for lexicon type ${schema.type}`)
    }
  }

  private object(schema: Schema, from: string, depth: number): Record<string, unknown> {
    const required = new Set<string>(schema.required ?? [])
    const nullable = new Set<string>(schema.nullable ?? [])
    const out: Record<string, unknown> = {}
    for (const [key, prop] of Object.entries<Schema>(schema.properties ?? {})) {
      if (!required.has(key) && this.random() > (depth < 3 ? 0.7 : 0.15)) continue
      out[key] = nullable.has(key) && this.random() < 0.2 ? null : this.valid(prop, from, depth + 1)
    }
    return out
  }

  private string(schema: Schema): string {
    if (schema.const !== undefined) return schema.const
    if (schema.enum) return this.pick(schema.enum)
    if (schema.knownValues?.length && this.random() < 0.8) return this.pick(schema.knownValues)
    if (schema.format) return this.pick(VALID[schema.format] ?? [''])
    const minG = schema.minGraphemes ?? 0
    const target = this.int(minG, Math.min(schema.maxGraphemes ?? minG + 12, minG + 12))
    const maxBytes = schema.maxLength ?? Infinity
    let text = ''
    while (graphemes(text) < target) {
      const next = this.pick(GRAPHEMES)
      if (utf8(text + next) <= maxBytes) text += next
      else if (utf8(text + 'a') <= maxBytes) text += 'a'
      else break
    }
    while (utf8(text) < (schema.minLength ?? 0)) text += 'a'
    return text
  }

  private blob(schema: Schema): unknown {
    const accept: string | undefined = schema.accept?.[0]
    const mimeType = !accept || accept === '*/*' ? 'application/octet-stream' : accept.replace('/*', '/png')
    return { $type: 'blob', ref: { $link: CIDS[0] }, mimeType, size: this.int(0, schema.maxSize ?? 5000) }
  }

  /** Copies of `value` that each change one thing at one path. */
  mutations(schema: Schema, from: string, value: unknown, depth = 4): Mutation[] {
    const ops: Op[] = []
    this.mutate(schema, from, value, [], ops, depth)
    return ops.map((op) => ({ label: op.label, value: apply(value, op) }))
  }

  private mutate(schema: Schema, from: string, value: unknown, path: Path, out: Op[], depth: number): void {
    const at = (label: string, replacement: unknown) => out.push({ path, label: `${show(path)}: ${label}`, value: replacement })
    switch (schema.type) {
      case 'ref': {
        const target = this.resolve(from, schema.ref)
        this.mutate(target.def, target.nsid, value, path, out, depth)
        return
      }
      case 'record':
        this.mutate(schema.record, from, value, path, out, depth)
        return
      case 'object':
      case 'params': {
        at('null', null)
        at('an array', [])
        at('a string', 'object')
        if (!isRecord(value) || depth === 0) return
        at('an unknown field', { ...value, zzUnknownField: 1 })
        const required = new Set<string>(schema.required ?? [])
        const nullable = new Set<string>(schema.nullable ?? [])
        for (const [key, prop] of Object.entries<Schema>(schema.properties ?? {})) {
          const child = [...path, key]
          if (required.has(key)) out.push({ path: child, label: `${show(child)}: removed (required)`, value: REMOVE })
          if (nullable.has(key)) out.push({ path: child, label: `${show(child)}: null (nullable)`, value: null })
          if (key in value) this.mutate(prop, from, value[key], child, out, depth - 1)
          else out.push({ path: child, label: `${show(child)}: added with a wrong type`, value: prop.type === 'string' ? 42 : 'x' })
        }
        return
      }
      case 'union': {
        at('no $type', isRecord(value) ? { ...value, $type: undefined } : {})
        if (!isRecord(value) || typeof value.$type !== 'string') return
        const type = value.$type
        for (const odd of [42, UNKNOWN_TYPE, `lex:${type}`, `${type}#main`, `#${type.split('#')[1] ?? 'main'}`, `${type}#a#b`, 'blob']) {
          at(`$type ${JSON.stringify(odd)}`, { ...value, $type: odd })
        }
        at('a blob ref', { $type: 'blob', ref: { $link: CIDS[0] }, mimeType: 'image/png', size: 1 })
        for (const ref of schema.refs as string[]) {
          const target = this.resolve(from, ref)
          const id = target.name === 'main' ? target.nsid : `${target.nsid}#${target.name}`
          if (id === type.replace(/#main$/, '')) this.mutate(target.def, target.nsid, value, path, out, depth)
          else at(`$type of another member ${id}`, { ...value, $type: id })
        }
        return
      }
      case 'string':
        at('a number', 42)
        at('null', null)
        for (const text of this.stringCases(schema)) at(`${JSON.stringify(text.slice(0, 40))} (${text.length} chars)`, text)
        return
      case 'integer':
        for (const n of [1.5, '7', true, schema.maximum, schema.minimum, schema.maximum + 1, schema.minimum - 1, 2 ** 53, -0]) {
          if (n !== undefined && !Number.isNaN(n)) at(`${JSON.stringify(n)}`, n)
        }
        if (schema.const !== undefined) at(`${schema.const + 1} (not const)`, schema.const + 1)
        if (schema.enum) at('not in enum', Math.max(...schema.enum) + 1)
        return
      case 'boolean':
        at('"true"', 'true')
        at('1', 1)
        if (schema.const !== undefined) at(`${!schema.const} (not const)`, !schema.const)
        return
      case 'array': {
        at('an object', {})
        at('a string', 'list')
        if (!Array.isArray(value)) return
        const item = value[0] ?? this.valid(schema.items, from)
        if (schema.maxLength !== undefined) {
          at(`${schema.maxLength + 1} items`, Array.from({ length: schema.maxLength + 1 }, () => item))
          at(`${schema.maxLength} items`, Array.from({ length: schema.maxLength }, () => item))
        }
        if (schema.minLength) at(`${schema.minLength - 1} items`, value.slice(0, schema.minLength - 1))
        if (depth > 0) for (const i of new Set([0, value.length - 1])) if (i >= 0) this.mutate(schema.items, from, value[i], [...path, i], out, depth - 1)
        return
      }
      case 'bytes':
        for (const bytes of [
          { $bytes: '!!!' }, { $bytes: 'AQI=' }, { $bytes: 'AQI' }, { $bytes: 'A' }, { $bytes: 'AQ==' }, { $bytes: 'AQ=' },
          { $bytes: '-_8' }, { $bytes: 'AQ I' }, { $bytes: 'AQ', extra: 1 }, { $bytes: 5 }, 'AQID', { $link: CIDS[0] },
          ...(schema.maxLength !== undefined ? [{ $bytes: base64(schema.maxLength + 1) }, { $bytes: base64(schema.maxLength) }] : []),
          ...(schema.minLength ? [{ $bytes: base64(schema.minLength - 1) }] : []),
        ]) at(JSON.stringify(bytes), bytes)
        return
      case 'cid-link':
        for (const link of [
          { $link: 'bafybad' }, { $link: CIDS[0], extra: 1 }, CIDS[0], { $link: CIDS[2] }, { $link: '' }, { $link: 42 },
          { $link: `${CIDS[0]}a` }, { $bytes: 'AQ' },
        ]) at(JSON.stringify(link), link)
        return
      case 'blob': {
        const typed = isRecord(value) ? value : {}
        for (const [label, blob] of [
          ['legacy form', { cid: CIDS[0], mimeType: 'image/png' }],
          ['legacy form, bad cid', { cid: 'bafybad', mimeType: 'image/png' }],
          ['legacy form, extra key', { cid: CIDS[0], mimeType: 'image/png', size: 1 }],
          ['an extra key', { ...typed, extra: 1 }],
          ['no size', { ...typed, size: undefined }],
          ['size as a string', { ...typed, size: '1' }],
          ['a bad ref', { ...typed, ref: { $link: 'bafybad' } }],
          ['a string ref', { ...typed, ref: CIDS[0] }],
          ['mimeType not accepted', { ...typed, mimeType: 'text/x-nope' }],
          ['size over maxSize', { ...typed, size: (schema.maxSize ?? 0) + 1 }],
          ['$type blob2', { ...typed, $type: 'blob2' }],
        ] as const) at(label, blob)
        return
      }
      case 'unknown':
        for (const v of ['x', 42, null, [], { $type: 'whatever' }, true]) at(JSON.stringify(v), v)
        return
      default:
        throw new Error(`no mutations for lexicon type ${schema.type}`)
    }
  }

  /** Strings around each of the schema's limits, and tricky samples of its format. */
  private stringCases(schema: Schema): string[] {
    const cases: string[] = []
    const { minLength: minB, maxLength: maxB, minGraphemes: minG, maxGraphemes: maxG } = schema
    if (maxB !== undefined) cases.push('€'.repeat(Math.ceil((maxB + 1) / 3)), 'a'.repeat(maxB), 'a'.repeat(maxB + 1), 'é'.repeat(Math.ceil(maxB / 2)))
    if (minB) cases.push('a'.repeat(minB - 1), 'é'.repeat(Math.ceil(minB / 2)), '')
    if (maxG !== undefined) {
      cases.push('e\u0301'.repeat(maxG + 1), 'e\u0301'.repeat(maxG), '👍'.repeat(maxG), '👍'.repeat(maxG + 1))
      cases.push('👨‍👩‍👧‍👦'.repeat(Math.max(1, Math.floor(maxG / 2))), 'a'.repeat(maxG + 1), '🇧🇷'.repeat(maxG))
    }
    if (minG) cases.push('e\u0301'.repeat(minG - 1), '👨‍👩‍👧‍👦'.repeat(minG - 1), 'ab'.repeat(minG), 'a'.repeat(minG - 1))
    if (schema.const !== undefined || schema.enum) cases.push('zzz', '')
    if (schema.knownValues) cases.push('not-a-known-value')
    if (schema.format) cases.push(...this.sample(TRICKY[schema.format] ?? [], 4))
    return cases
  }
}

const REMOVE = Symbol('remove')

interface Op {
  readonly path: Path
  readonly label: string
  readonly value: unknown
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function show(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('') || '(value)'
}

/** A deep copy of `root` with `op` applied; `undefined` fields are dropped, as JSON would. */
function apply(root: unknown, op: Op): unknown {
  if (op.path.length === 0) return op.value
  const copy = structuredClone(root) as Record<string | number, unknown>
  let node = copy
  for (const key of op.path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  const last = op.path.at(-1)!
  if (op.value === REMOVE) delete node[last]
  else node[last] = op.value
  return JSON.parse(JSON.stringify(copy))
}
