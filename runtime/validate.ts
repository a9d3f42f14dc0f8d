/**
 * `@lexgen/runtime/validate`: what generated validators call, and nothing users need (they import
 * `@lexgen/runtime`). Generated modules import it as a namespace (`import * as v from …`).
 *
 * It holds the context validators report into, the helpers that word each broken constraint,
 * and the checks too big to inline (string lengths, bytes, CID links, blobs, union `$type`s),
 * plus the string formats (formats.ts). The validators themselves are generated per lexicon def
 * (codegen/emit/validators.ts) and, in lenient mode, reach @atproto/lexicon's verdict on every
 * value; how calls run them is in validation.ts.
 *
 * Paths are built only on failure: a validator reports issues relative to its own value and
 * `checked()` prefixes them on the way out, so a valid value costs no string work at all.
 */
import type { ValidationIssue } from './errors.js'
import { validCid } from './formats.js'
import { clip, isHighSurrogate, type Redact } from './redact.js'

export * from './formats.js'
export type { ValidationIssue } from './errors.js'

export interface ValidationContext {
  /** What `issue` reports: the first MAX_ISSUES issues; past them, `unlisted` counts. */
  readonly issues: ValidationIssue[]
  /**
   * Also reject what lexicon evolution allows: fields the lexicon does not declare, a `$type`
   * that is not a known member of an open union or names another def, strings outside `knownValues`.
   */
  readonly strict: boolean
  /** Check blob `accept` and `maxSize`, which @atproto/lexicon leaves to the PDS. */
  readonly blobLimits: boolean
  /** Removes credentials from values quoted in issues (a response may echo the token into any field). */
  readonly redact?: Redact
  /**
   * How many more levels of nested objects (and array or union defs) the validators may enter:
   * each spends one while it runs. `validate` starts it at MAX_DEPTH.
   */
  depthLeft: number
  /** Issues found past the first MAX_ISSUES, which are only counted. */
  unlisted?: number
}

/**
 * How many issues a validation lists; past them it counts. A hostile body can hold millions (one
 * per element of an array of zeros), each with a path grown at every level it is nested in: all
 * kept, 16 MB of them held 1.4 GB, and a megabyte nested 100 deep ran the heap out.
 */
const MAX_ISSUES = 100

/**
 * How deeply nested a value the validators follow: lexicons recurse (a message embeds a record
 * view, which embeds records, …), and a hostile response nested thousands deep would overflow the
 * stack. Chat responses nest a dozen objects deep, but app.bsky.feed.getPostThread answers with up
 * to 1,000 levels of parents or of replies (its parentHeight and depth), each one level here, and
 * embeds below them. Record embeds, two levels each, exhaust Node's default stack at 4,000 to 6,000
 * levels: this leaves room for the caller's own stack. Deeper than this is an issue.
 */
export const MAX_DEPTH = 1500

/** Where an issue is, relative to the value being checked: a property (`.text`, `["odd-key"]`) or an index. */
export type PathSegment = string | number

/**
 * A generated validator: reports issues under `at` and returns whether `value` passed (or, once a
 * validation has listed its 100 issues, whether it listed one: those found after are only counted).
 */
export type Validator = (value: unknown, ctx: ValidationContext, at?: PathSegment) => boolean

/** The validators of one XRPC method, for the parts it has in JSON (each generated method module exports one). */
export interface MethodValidators {
  readonly params?: Validator
  readonly input?: Validator
  readonly output?: Validator
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** Ends a validator: true when it added no issue, else prefixes its issues with `at` and returns false. */
export function checked(ctx: ValidationContext, start: number, at: PathSegment): boolean {
  const { issues } = ctx
  if (issues.length === start) return true
  if (at !== '') {
    const prefix = segment(at)
    for (let i = start; i < issues.length; i++) issues[i]!.path = prefix + issues[i]!.path
  }
  return false
}

function segment(at: PathSegment): string {
  return typeof at === 'number' ? `[${at}]` : at
}

/** Records an issue; returns false so a validator can `return issue(...)`. */
export function issue(ctx: ValidationContext, at: PathSegment, message: string): false {
  if (ctx.issues.length < MAX_ISSUES) ctx.issues.push({ path: segment(at), message })
  else ctx.unlisted = (ctx.unlisted ?? 0) + 1
  return false
}

/**
 * The value is nested deeper than MAX_DEPTH: said once, and no recursive def is checked after it
 * (they return false at once; other fields still are), so the issues are no longer complete. An
 * object that holds itself twice (a cyclic value a caller built) has 2^128 paths this deep, and
 * each would be walked down to the limit.
 */
export function tooDeep(ctx: ValidationContext, at: PathSegment): false {
  if (ctx.depthLeft === -Infinity) return false
  ctx.depthLeft = -Infinity
  return issue(ctx, at, `is nested more than ${MAX_DEPTH} objects deep`)
}

export function missing(ctx: ValidationContext, at: PathSegment): false {
  return issue(ctx, at, 'is required')
}

/** `expected` reads as a noun phrase: `an object`, `a string`. */
export function wrongType(ctx: ValidationContext, at: PathSegment, expected: string, value: unknown): false {
  return issue(ctx, at, `must be ${expected}, got ${kindOf(value)}`)
}

/** `const` (one allowed value) and `enum`. */
export function oneOf(ctx: ValidationContext, at: PathSegment, value: string | number | boolean, allowed: readonly unknown[]): void {
  if (!allowed.includes(value)) issue(ctx, at, `${show(ctx, value)} is not one of ${allowed.map((item) => show(ctx, item)).join(', ')}`)
}

/** Strict mode: a string outside the lexicon's `knownValues`. */
export function knownValue(ctx: ValidationContext, at: PathSegment, value: string, known: readonly string[]): void {
  if (!known.includes(value)) issue(ctx, at, `${show(ctx, value)} is not a known value (${known.map((item) => show(ctx, item)).join(', ')})`)
}

export function maximum(ctx: ValidationContext, at: PathSegment, value: number, max: number): void {
  if (value > max) issue(ctx, at, `${value} > maximum ${max}`)
}

export function minimum(ctx: ValidationContext, at: PathSegment, value: number, min: number): void {
  if (value < min) issue(ctx, at, `${value} < minimum ${min}`)
}

/** An array's `maxLength`: a count of items. */
export function maxItems(ctx: ValidationContext, at: PathSegment, items: readonly unknown[], max: number): void {
  if (items.length > max) issue(ctx, at, `${items.length} items > maxLength ${max}`)
}

export function minItems(ctx: ValidationContext, at: PathSegment, items: readonly unknown[], min: number): void {
  if (items.length < min) issue(ctx, at, `${items.length} items < minLength ${min}`)
}

export function badFormat(ctx: ValidationContext, at: PathSegment, format: string, value: string): false {
  return issue(ctx, at, `${show(ctx, value)} is not a valid ${format}`)
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number' && !Number.isInteger(value)) return `${value}`
  return typeof value
}

/**
 * A value for a message: a string as JSON and other primitives as they print, redacted, then cut
 * short so an issue stays one readable line (long enough for a whole CID or a usual AT URI, quoted). An object or array is named by its kind, never
 * written out: a wire value may be nested thousands deep (JSON.stringify would overflow the stack).
 */
function show(ctx: ValidationContext, value: unknown): string {
  if (isObject(value)) return Array.isArray(value) ? 'an array' : 'an object'
  return clip(typeof value === 'string' ? JSON.stringify(value) : String(value), ctx.redact, SHOWN)
}

const SHOWN = 100

// String lengths. @atproto/lexicon measures UTF-8 bytes and grapheme clusters; a string's
// UTF-8 length is at most 3 × its UTF-16 length, and its grapheme count at most its UTF-16
// length, so most strings are decided without measuring.

export function maxBytes(ctx: ValidationContext, at: PathSegment, value: string, max: number): void {
  if (value.length * 3 <= max) return
  const bytes = utf8Length(value)
  if (bytes > max) issue(ctx, at, `${bytes} bytes (UTF-8) > maxLength ${max}`)
}

export function minBytes(ctx: ValidationContext, at: PathSegment, value: string, min: number): void {
  if (value.length >= min) return
  const bytes = utf8Length(value)
  if (bytes < min) issue(ctx, at, `${bytes} bytes (UTF-8) < minLength ${min}`)
}

export function maxGraphemes(ctx: ValidationContext, at: PathSegment, value: string, max: number): void {
  if (value.length > max && graphemeCount(value, max) > max) issue(ctx, at, `more than ${max} graphemes (maxGraphemes ${max})`)
}

export function minGraphemes(ctx: ValidationContext, at: PathSegment, value: string, min: number): void {
  // Any character makes a grapheme: a minimum of 1 needs no counting.
  if (value.length >= min && (min <= 1 || graphemeCount(value, min - 1) >= min)) return
  issue(ctx, at, `${graphemeCount(value, min - 1)} graphemes < minGraphemes ${min}`)
}

/** UTF-8 byte length without encoding; a lone surrogate counts 3 (its replacement character), as Node does. */
export function utf8Length(text: string): number {
  let length = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code <= 0x7f) continue
    if (code <= 0x7ff) {
      length += 1
      continue
    }
    length += 2
    if (isHighSurrogate(code)) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) i++ // a surrogate pair: 4 bytes for 2 code units
    }
  }
  return length
}

let segmenter: Intl.Segmenter | undefined

/** Code units segmented at once: each step of V8's segmenter costs time in proportion to the text it was given. */
const CHUNK = 1024

/**
 * Extended grapheme clusters, as Intl.Segmenter (and so @atproto/lexicon) counts them, up to
 * `enough + 1`: a count past `enough` stops there. In ASCII each character is one (Unicode's
 * rules join only CR LF there), so ASCII without CR is not segmented.
 *
 * Each step of V8's segmenter costs time in proportion to the text it was given (a 400 KB string
 * given whole: 30 s), so it is given a chunk at a time, and left as soon as the count is known.
 * Segmenting restarts exactly at a boundary (Unicode's rules look back only within the cluster
 * being built, and forward one character): a cluster that starts in a chunk, before its last, is
 * whole; the next chunk starts with that last one, which may go on past the chunk's end. A cluster
 * longer than a chunk doubles the chunk until it ends, and the next chunk starts right after it.
 */
export function graphemeCount(text: string, enough: number): number {
  if (/^[\0-\x0c\x0e-\x7f]*$/.test(text)) return Math.min(text.length, enough + 1)
  segmenter ??= new Intl.Segmenter()
  let count = 0
  for (let start = 0, size = CHUNK; ; ) {
    let end = Math.min(text.length, start + size)
    // Never between the halves of a surrogate pair: the character after the cut would not be the text's.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end++
    let last = 0
    for (const { index } of segmenter.segment(text.slice(start, end))) {
      if (index === 0) continue
      // The cluster before this start is whole.
      if (++count > enough) return enough + 1
      last = index
      if (size > CHUNK) break // a chunk grown for one long cluster: on from the cluster after it
    }
    if (end === text.length && !(size > CHUNK && last > 0)) return Math.min(count + 1, enough + 1) // the text's last cluster
    if (last === 0) size *= 2
    else {
      start += last
      size = CHUNK
    }
  }
}

// The JSON forms of the data model's non-JSON types. @atproto/lexicon validates decoded values
// (`jsonToLex`): `{$link}` and `{$bytes}` objects with no other key, and blob refs in their
// typed or legacy form, become a CID, bytes and a BlobRef; anything else stays a plain object.

/** `{ $bytes }` whose base64 decodes; its byte length is checked against the lexicon's limits. */
export function checkBytes(ctx: ValidationContext, at: PathSegment, value: unknown, min?: number, max?: number): void {
  const length = onlyKey(value, '$bytes') && typeof value.$bytes === 'string' ? base64Length(value.$bytes) : -1
  if (length < 0) wrongType(ctx, at, 'bytes ({ $bytes: base64 })', value)
  else if (max !== undefined && length > max) issue(ctx, at, `${length} bytes > maxLength ${max}`)
  else if (min !== undefined && length < min) issue(ctx, at, `${length} bytes < minLength ${min}`)
}

export function checkCidLink(ctx: ValidationContext, at: PathSegment, value: unknown): void {
  if (!isCidLink(value)) wrongType(ctx, at, 'a CID link ({ $link: cid })', value)
}

/**
 * A blob ref, typed (`{ $type: 'blob', ref, mimeType, size }`) or legacy (`{ cid, mimeType }`),
 * with exactly those keys; `accept` and `maxSize` only when the context asks for them.
 */
export function checkBlob(ctx: ValidationContext, at: PathSegment, value: unknown, accept?: readonly string[], maxSize?: number): void {
  const typed = isTypedBlob(value)
  if (!typed && !isLegacyBlob(value)) {
    wrongType(ctx, at, 'a blob ref', value)
    return
  }
  if (!ctx.blobLimits) return
  const { mimeType, size } = value as { mimeType: string; size?: number }
  if (accept && !accept.some((pattern) => mimeMatches(pattern, mimeType))) {
    issue(ctx, at, `mimeType ${show(ctx, mimeType)} is not accepted (${accept.join(', ')})`)
  }
  if (typed && maxSize !== undefined && size! > maxSize) issue(ctx, at, `size ${size} > maxSize ${maxSize}`)
}

function mimeMatches(pattern: string, mimeType: string): boolean {
  if (pattern === '*/*' || pattern === mimeType) return true
  return pattern.endsWith('/*') && mimeType.startsWith(pattern.slice(0, -1))
}

function isCidLink(value: unknown): boolean {
  if (!onlyKey(value, '$link')) return false
  const link = value.$link
  return typeof link === 'string' && link.length > 0 && link.length <= 2048 && validCid(link)
}

function isTypedBlob(value: unknown): boolean {
  return (
    hasKeys(value, 4) && value.$type === 'blob' && isCidLink(value.ref) &&
    typeof value.mimeType === 'string' && typeof value.size === 'number'
  )
}

function isLegacyBlob(value: unknown): boolean {
  return hasKeys(value, 2) && typeof value.cid === 'string' && typeof value.mimeType === 'string' && validCid(value.cid)
}

function onlyKey(value: unknown, key: string): value is Record<string, unknown> {
  if (!isObject(value) || !(key in value)) return false
  for (const k in value) if (k !== key) return false
  return true
}

/** Own enumerable keys, counted: with the right ones present, the count rules out any other. */
function hasKeys(value: unknown, count: number): value is Record<string, unknown> {
  return isObject(value) && !Array.isArray(value) && Object.keys(value).length === count
}

// @atproto/lexicon decodes `$bytes` with Uint8Array.fromBase64 where there is one, else with Node's
// Buffer (which also takes the URL-safe alphabet and skips what it cannot read) and a length check.
// Calling the same decoder is the only way to agree on odd input in every environment.
/** Decoded length of base64 text, or -1 when @atproto/lexicon would not decode it. */
function base64Length(text: string): number {
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (text: string, options: object) => Uint8Array }).fromBase64
  const NodeBuffer = (globalThis as { Buffer?: { from(text: string, encoding: 'base64'): Uint8Array } }).Buffer
  try {
    if (fromBase64) return fromBase64(text, { alphabet: 'base64', lastChunkHandling: 'loose' }).length
    if (NodeBuffer) return checkedLength(text, NodeBuffer.from(text, 'base64').length)
  } catch {
    return -1
  }
  // No decoder at hand (an older browser): standard base64 only.
  const body = text.replace(/={1,2}$/, '')
  return /^[A-Za-z0-9+/]*$/.test(body) ? checkedLength(text, Math.floor((body.length * 3) / 4)) : -1
}

/** @atproto/lex-data's check that a lenient decoder read the whole text: `length`, or -1. */
function checkedLength(text: string, length: number): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  if (length !== Math.floor(((text.length - padding) * 3) / 4)) return -1
  const unpadded = (length / 3) * 4
  const full = unpadded + (unpadded % 4 === 0 ? 0 : 4 - (unpadded % 4))
  if (text.length > full) return -1
  for (let i = Math.ceil(unpadded); i < text.length - padding; i++) if (!/[A-Za-z0-9+/]/.test(text[i]!)) return -1
  return length
}

/**
 * The `$type` of a union value as written (undefined when the value is not an object). Generated
 * code compares it with each member's first: a `$type` spelled exactly as a member's needs nothing
 * more (no prefix to drop, nothing malformed), and that is nearly every value.
 */
export function typeOf(value: unknown): unknown {
  return isObject(value) ? value.$type : undefined
}

/** A union member that may be any object: a body's member that is not an object def. */
export const anyObject: Validator = () => true

/**
 * A union value whose `$type` is not written as any member's: reported when it cannot name a def,
 * else normalized as @atproto/lexicon matches it (`lex:` prefix and `#main` suffix dropped) and
 * checked by the member it then names. One that names none fails a closed union, and an open one
 * only in strict mode.
 */
export function otherType(
  ctx: ValidationContext,
  at: PathSegment,
  value: unknown,
  closed: boolean,
  members: readonly (readonly [type: string, validate: Validator])[],
): void {
  const type = unionType(ctx, at, value)
  if (type === undefined) return
  const member = members.find(([id]) => id === type)
  if (member) member[1](value, ctx, at)
  else if (closed || ctx.strict) issue(ctx, `${segment(at)}.$type`, `${show(ctx, type)} is not one of ${members.map(([id]) => id).join(', ')}`)
}

/**
 * The `$type` of a union value, normalized as @atproto/lexicon matches it (a `lex:` prefix and a
 * `#main` suffix dropped), or undefined after reporting why the value cannot be a union member.
 */
function unionType(ctx: ValidationContext, at: PathSegment, value: unknown): string | undefined {
  const type = typeOf(value)
  if (typeof type !== 'string') {
    issue(ctx, at, 'must be an object with a string $type')
    return undefined
  }
  // @atproto/lexicon decodes a blob ref into a BlobRef, which has no `$type` of its own.
  if (type === 'blob' && isTypedBlob(value)) {
    issue(ctx, at, 'must be an object with a string $type, got a blob ref')
    return undefined
  }
  // Where @atproto/lexicon cannot parse the `$type` as a lexicon URI it throws, failing the whole value.
  const hash = type.indexOf('#')
  if (hash === 0 || (hash > 0 && type.indexOf('#', hash + 1) > 0)) {
    issue(ctx, `${segment(at)}.$type`, `${show(ctx, type)} is not a lexicon reference`)
    return undefined
  }
  const uri = type.startsWith('lex:') ? type.slice(4) : type
  return uri.endsWith('#main') ? uri.slice(0, -5) : uri
}

/** Options a call takes after its params, which JavaScript lets a caller put among them. */
const CALL_OPTIONS = new Set(['signal', 'timeout', 'retries', 'idempotent', 'headers', 'proxy', 'validate', 'validateRequest', 'maxResponseBytes', 'maxPages', 'maxEmptyPages'])

/**
 * Params the lexicon does not declare, whatever the mode: sent, they would go out as query text the
 * server ignores (a mistyped `limt`, a `timeout` meant as a call option), as @atproto/api refuses them.
 */
export function unknownParams(ctx: ValidationContext, params: Record<string, unknown>, names: readonly string[]): void {
  for (const key in params) {
    if (declares(names, key) || params[key] === undefined) continue
    const name = clip(key, ctx.redact, 60)
    const meant = names.find((known) => known.toLowerCase() === key.toLowerCase() || oneEditApart(known, key))
    const why = CALL_OPTIONS.has(key) ? 'is a call option: pass it in the options, after the params' : `is not a param of this method${meant === undefined ? '' : ` (did you mean ${meant}?)`}`
    issue(ctx, /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`, why)
  }
}

/** Whether one insertion, deletion, substitution or swap of neighbours makes `a` into `b`. */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2))
  const [long, short] = a.length > b.length ? [a, b] : [b, a]
  return long.slice(i + 1) === short.slice(i)
}

/** `fields.includes(key)` as a plain loop: keys and field names are interned strings, so each test is usually one pointer comparison. */
function declares(fields: readonly string[], key: string): boolean {
  for (let i = 0; i < fields.length; i++) if (fields[i] === key) return true
  return false
}

/** `nsid#main` for the `id` of a main def (`nsid`, no `#`). */
function isMainOf(type: unknown, id: string): boolean {
  return typeof type === 'string' && type.length === id.length + 5 && type.endsWith('#main') && type.startsWith(id) && !id.includes('#')
}

/** Strict mode: fields the lexicon does not declare, and a `$type` that names another def. */
export function unknownFields(ctx: ValidationContext, value: Record<string, unknown>, fields: readonly string[], id?: string): void {
  for (const key in value) {
    if (key === '$type' && id !== undefined) {
      const type = value.$type
      if (type !== undefined && type !== id && !isMainOf(type, id)) issue(ctx, '.$type', `${show(ctx, type)} is not ${id}`)
    } else if (!declares(fields, key)) {
      // The key is wire text too: redacted and cut like a quoted value.
      const name = clip(key, ctx.redact, 60)
      issue(ctx, /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`, 'is not a field in the lexicon')
    }
  }
}
