/**
 * Lexicon docs checked against the Lexicon spec. `@atproto/lexicon`'s own schemas are the checker
 * for everything they cover; this module adds only where the spec and the interop tests
 * (bluesky-social/atproto-interop-tests, `lexicon/`) go past that package (0.6):
 *
 * - **Inline objects are allowed** as object properties and array items (the interop catalog's
 *   record and procedure have them; the Go reference, indigo, allows them; the spec calls objects
 *   nestable and forbids it nowhere). @atproto/lexicon rejects them, so each one is taken out,
 *   replaced by a stand-in it accepts (`unknown`), and checked on its own as a `lexObject`.
 * - **Refused although @atproto/lexicon accepts them**: an `unknown` as a named def (spec; the
 *   interop suite's "defined unknown"), a closed union with no refs, a doc with no defs,
 *   object properties named with a leading `$` (the data model reserves them: `$type`, `$bytes`, …),
 *   a record with no `key` or one the spec does not define (`tdi`; @atproto/lex-document refuses both),
 *   and constraints that contradict each other (contradictions.ts: `minimum` above `maximum`, a
 *   `const` outside its own `enum`).
 *
 * Every stage passes plain data: `checkId` and `skimLexicons` read only what selecting needs (id),
 * `parseDoc` checks one doc fully, `parseLexiconDocs` checks them all (`lexgen diff` uses it).
 */
import type { LexiconDoc } from '@atproto/lexicon'
// The module alone, not the package index (which loads every other syntax's validator too).
import { isValidNsid } from '@atproto/syntax/dist/nsid.js'
import { isValidRecordKey } from '@atproto/syntax/dist/recordkey.js'
import { contradictions } from './contradictions.js'
import { escapeControls } from './controls.js'
import { jsonPath, sortProblems, type LexiconProblem } from './errors.js'
import { lexiconSchemas } from './lexicon-schemas.js'
import type { LoadedLexicons } from './load.js'
import { closestOne, meantHint } from './suggest.js'

/** A lexicon doc that passed every check, with the file it came from. It is the JSON as read. */
export interface ParsedDoc {
  readonly file: string
  readonly doc: LexiconDoc
}

/** A doc as skimmed: a JSON object with a valid NSID as `id`, not yet checked further. */
export interface SkimmedDoc {
  readonly file: string
  readonly id: string
  readonly json: Readonly<Record<string, unknown>>
}

/** A problem found before a doc's id was known (or when it was a duplicate), with the NSID it concerns. */
export interface SkimProblem extends LexiconProblem {
  /**
   * The doc's id when known, else the NSID its path spells (`com/example/x.json` → `com.example.x`);
   * none for a folder (one read once through another link, one that cannot be read): no pattern selects it.
   */
  readonly nsid: string | undefined
  /** A folder that could not be read: the NSIDs its path spells (`chat/bsky` → under `chat.bsky`), which it may hold. */
  readonly under?: string | undefined
}

/** Every file with a usable id (first file wins a duplicate), and a problem for every other. */
export interface SkimmedLexicons {
  readonly docs: readonly SkimmedDoc[]
  readonly problems: readonly SkimProblem[]
}

type Path = (string | number)[]
interface Issue {
  path: Path
  message: string
}
interface ZodIssueLike {
  code: string
  path: Path
  message: string
  options?: unknown[]
  expected?: unknown
  unionErrors?: { issues: ZodIssueLike[] }[]
}

/** What a file's `id` is: an NSID, or why it is not one (`message`). */
export type IdVerdict = { readonly id: string } | { readonly message: string }

/**
 * @atproto/lexicon's verdict on a file's `id`, without loading its schemas: its `id` schema is
 * `z.string().refine(isValidNsid, 'Must be a valid NSID')`, so this is @atproto/syntax's
 * `isValidNsid` and zod's messages for a missing or non-string value (a differential test in
 * tests/codegen/stages.test.ts holds it to the schema). Cheap enough for every file, on the main thread.
 */
export function checkId(json: unknown): IdVerdict {
  const id = isRecord(json) ? json.id : undefined
  if (typeof id === 'string') return isValidNsid(id) ? { id } : { message: 'Must be a valid NSID' }
  return { message: id === undefined ? 'Required' : `Expected string, received ${id === null ? 'null' : Array.isArray(id) ? 'array' : typeof id}` }
}

/** Reads each file's `id` and nothing more: enough to select, cheap enough for every file. */
export function skimLexicons(loaded: LoadedLexicons): SkimmedLexicons {
  const problems: SkimProblem[] = loaded.problems.map(({ unread, ...p }) => ({
    ...p,
    nsid: isLexiconFile(p.file) ? nsidOfPath(p.file) : undefined,
    ...(unread ? { under: nsidOfPath(p.file) } : {}),
  }))
  const docs: SkimmedDoc[] = []
  const byId = new Map<string, string>()
  for (const { file, json } of loaded.files) {
    if (!isRecord(json)) {
      problems.push({ file, nsid: nsidOfPath(file), message: 'a lexicon doc must be a JSON object' })
      continue
    }
    const verdict = checkId(json)
    if (!('id' in verdict)) {
      problems.push({ file, path: 'id', nsid: nsidOfPath(file), message: verdict.message })
      continue
    }
    const first = byId.get(verdict.id)
    if (first !== undefined) {
      problems.push({ file, path: 'id', nsid: verdict.id, message: `duplicate lexicon id '${verdict.id}'`, related: { how: 'already defined in', file: first } })
      continue
    }
    byId.set(verdict.id, file)
    docs.push({ file, id: verdict.id, json })
  }
  return { docs, problems }
}

/** Every doc checked fully: what `--strict` and `lexgen diff` need. Problems come sorted by file and path. */
export function parseLexiconDocs(loaded: LoadedLexicons): { docs: ParsedDoc[]; problems: LexiconProblem[] } {
  const skimmed = skimLexicons(loaded)
  const docs: ParsedDoc[] = []
  const problems: LexiconProblem[] = skimmed.problems.map(({ nsid: _, under: __, ...problem }) => problem)
  for (const doc of skimmed.docs) {
    const result = parseDoc(doc)
    if ('doc' in result) docs.push(result.doc)
    else problems.push(...result.problems)
  }
  return { docs, problems: sortProblems(problems) }
}

/** Checks one doc fully; every problem found, each at its most specific place (a union's branch that got furthest). */
export function parseDoc(skimmed: SkimmedDoc): { doc: ParsedDoc } | { problems: LexiconProblem[] } {
  const { file, json } = skimmed
  const inline: { schema: Record<string, unknown>; path: Path }[] = []
  const defs = isRecord(json.defs) ? Object.fromEntries(Object.entries(json.defs).map(([name, def]) => [name, standIns(def, ['defs', name], inline)])) : json.defs
  const issues: Issue[] = []
  if (!passes(lexiconSchemas().lexiconDoc, { ...json, defs })) issues.push(...diagnose(json, defs))
  for (const object of inline) checkInlineObject(object.schema, object.path, issues)
  // Said beside @atproto/lexicon's problems, not after them: one run tells all.
  if (isRecord(json.defs)) issues.push(...specIssues(json.defs))
  if (issues.length === 0) return { doc: { file, doc: json as unknown as LexiconDoc } }
  return { problems: issues.map((issue) => ({ file, path: jsonPath(issue.path) || undefined, message: issue.message })) }
}

/** A path the lexicon folder's reader reports: a `.json` file, or else a folder. */
export function isLexiconFile(path: string): boolean {
  return path.endsWith('.json')
}

/** The NSID a lexicon file's path spells: what it most likely defines when it cannot be read. */
function nsidOfPath(file: string): string {
  return file.replace(/\.json$/, '').split('/').join('.')
}

/** Whether @atproto/lexicon accepts `value`; its def schema throws on a bad def rather than reporting. */
function passes(schema: { safeParse(value: unknown): { success: boolean } }, value: unknown): boolean {
  try {
    return schema.safeParse(value).success
  } catch {
    return false
  }
}

/** Why @atproto/lexicon rejected a doc: its top-level issues, then each issue of each bad def. */
function diagnose(json: Record<string, unknown>, defs: unknown): Issue[] {
  const { lexiconDoc, lexUserType } = lexiconSchemas()
  const top = lexiconDoc.safeParse({ ...json, defs: isRecord(defs) ? {} : defs })
  const issues: Issue[] = top.success ? [] : explainAll(top.error.issues as ZodIssueLike[], json)
  if (!isRecord(defs)) return issues
  for (const [name, def] of Object.entries(defs)) {
    // @atproto/lexicon checks this rule only once every def passes: said here too, so one run tells all.
    const type = isRecord(def) ? def.type : undefined
    if (name !== 'main' && typeof type === 'string' && PRIMARY.includes(type)) issues.push({ path: ['defs', name, 'type'], message: PRIMARY_ONLY_MAIN })
    let found: ZodIssueLike[] = []
    try {
      const result = lexUserType.safeParse(def)
      if (!result.success) found = result.error.issues as ZodIssueLike[]
    } catch (error) {
      found = ((error as { issues?: ZodIssueLike[] }).issues ?? [{ code: 'custom', path: [], message: (error as Error).message }])
    }
    issues.push(...explainAll(found, def).map((issue) => prefixed(['defs', name], reworded(issue, def))))
  }
  if (issues.length) return issues
  // Every part passes alone: what is left is a rule of the whole doc.
  const full = lexiconDoc.safeParse({ ...json, defs })
  return [{ path: [], message: full.success ? 'invalid lexicon document' : full.error.issues[0]!.message }]
}

/**
 * The def types @atproto/lexicon's `lexUserType` takes (its switch; its own message leaves out
 * `permission-set`). Used only to word its refusal of a def's `type`, which it gives for the
 * whole def (`Invalid type: Object must be one of: …`): said at `type`, with what was found.
 */
export const DEF_TYPES = ['record', 'permission-set', 'query', 'procedure', 'subscription', 'blob', 'array', 'token', 'object', 'boolean', 'integer', 'string', 'bytes', 'cid-link', 'unknown']

function reworded(issue: Issue, def: unknown): Issue {
  if (issue.path.length > 0 || !isRecord(def) || !/^(Invalid type: |Type property must be a string$)/.test(issue.message)) return issue
  const got = def.type
  return { path: ['type'], message: `Expected ${DEF_TYPES.map(shown).join(' | ')}, got ${shown(got)}${didYouMean(got, DEF_TYPES)}` }
}

const PRIMARY = ['record', 'permission-set', 'procedure', 'query', 'subscription']
const PRIMARY_ONLY_MAIN = 'Records, permission sets, procedures, queries, and subscriptions must be the main definition.'

/**
 * What one issue zod reports means. Zod gives each bad field of an object its own issue; a
 * union's failure carries every branch's. When the value's `type` picked one branch (the others
 * refused that `type`), that branch's issues are the problems, each explained in turn: an object
 * schema with a bad `required` and a bad property is two problems, not the other branches'
 * "expected 'ref' | 'union'". Otherwise, the most specific issue (`deepest`).
 */
function explain(issue: ZodIssueLike, root: unknown): Issue[] {
  if (issue.code === 'invalid_union' && issue.unionErrors?.length) {
    const typeAt = jsonPath([...issue.path, 'type'])
    const picked = issue.unionErrors.filter((branch) => !branch.issues.some((i) => isTypeMismatch(i) && jsonPath(i.path) === typeAt))
    if (picked.length === 1) return explainAll(picked[0]!.issues, root)
  }
  return [deepest([issue], root)]
}

/** Each of zod's `issues` about `root`, explained (see `explain`). */
function explainAll(issues: readonly ZodIssueLike[], root: unknown): Issue[] {
  return issues.flatMap((issue) => explain(issue, root))
}

/** A union branch refusing the value by its `type`: not the branch the value meant. */
function isTypeMismatch(issue: ZodIssueLike): boolean {
  return issue.code === 'invalid_union_discriminator' || issue.code === 'invalid_literal'
}

/**
 * The most specific issue: a union's failure is the failure of its branch that got furthest
 * (the deepest JSON path), not "Invalid input". Branches failing at the same place on `type` are
 * merged into one list of what was expected.
 */
function deepest(issues: ZodIssueLike[], root: unknown): Issue {
  const leaves = issues.flatMap(function leaf(issue): ZodIssueLike[] {
    return issue.code === 'invalid_union' && issue.unionErrors?.length ? issue.unionErrors.flatMap((e) => e.issues.flatMap(leaf)) : [issue]
  })
  const depth = Math.max(...leaves.map((issue) => issue.path.length))
  const atDepth = leaves.filter((issue) => issue.path.length === depth)
  const first = atDepth[0]!
  const samePlace = atDepth.filter((issue) => jsonPath(issue.path) === jsonPath(first.path))
  const expected = samePlace.flatMap((issue) =>
    issue.code === 'invalid_union_discriminator' || issue.code === 'invalid_enum_value' ? (issue.options ?? []) : issue.code === 'invalid_literal' ? [issue.expected] : [],
  )
  if (expected.length >= samePlace.length) {
    const got = valueAt(root, first.path)
    const list = [...new Set(expected.map(shown))].join(' | ')
    return { path: first.path, message: `Expected ${list}, got ${got === undefined ? 'nothing' : shown(got)}${didYouMean(got, expected)}` }
  }
  return requiredNotDefined(first, root) ?? { path: first.path, message: first.message }
}

/**
 * @atproto/lexicon's `Required field "x" not defined`, said of the whole object: said at the entry
 * of `required`, with the property it was likely meant to name.
 */
function requiredNotDefined(issue: ZodIssueLike, root: unknown): Issue | undefined {
  const name = /^Required field "(.*)" not defined$/.exec(issue.message)?.[1]
  const object = valueAt(root, issue.path)
  if (name === undefined || !isRecord(object) || !Array.isArray(object.required)) return undefined
  const at = object.required.indexOf(name)
  if (at === -1) return undefined
  const properties = isRecord(object.properties) ? Object.keys(object.properties) : []
  return { path: [...issue.path, 'required', at], message: `required field ${JSON.stringify(name)} not defined${meantHint(closestOne(name, properties))}` }
}

function shown(value: unknown): string {
  return typeof value === 'string' ? `'${escapeControls(value)}'` : JSON.stringify(value)
}

/** A typo of one allowed value (`strin`, `Object`) names it: the list alone leaves the reader to spot it. */
function didYouMean(got: unknown, expected: readonly unknown[]): string {
  return typeof got === 'string' ? meantHint(closestOne(got, expected.filter((e): e is string => typeof e === 'string'))) : ''
}

/**
 * `def` with each inline object in a field position (object property, array items) replaced by a
 * stand-in @atproto/lexicon accepts; the objects taken out go to `inline` with their JSON path.
 * Params are left alone: their properties cannot be objects, and @atproto/lexicon says so.
 */
function standIns(def: unknown, path: Path, inline: { schema: Record<string, unknown>; path: Path }[]): unknown {
  if (!isRecord(def)) return def
  const object = (schema: unknown, at: Path) => (isRecord(schema) && schema.type === 'object' ? withStandIns(schema, at, inline) : schema)
  switch (def.type) {
    case 'object':
      return withStandIns(def, path, inline)
    case 'record':
      return { ...def, record: object(def.record, [...path, 'record']) }
    case 'array':
      return arrayStandIn(def, path, inline)
    case 'query':
    case 'procedure': {
      const body = (key: string) => (isRecord(def[key]) ? { [key]: { ...def[key], schema: object(def[key].schema, [...path, key, 'schema']) } } : {})
      return { ...def, ...body('input'), ...body('output') }
    }
    default:
      return def
  }
}

const STAND_IN = Object.freeze({ type: 'unknown' })

function withStandIns(schema: Record<string, unknown>, path: Path, inline: { schema: Record<string, unknown>; path: Path }[]): Record<string, unknown> {
  if (!isRecord(schema.properties)) return schema
  const nested = (prop: unknown) => isInlineObject(prop) || (isRecord(prop) && prop.type === 'array' && isInlineObject(prop.items))
  if (!Object.values(schema.properties).some(nested)) return schema // the usual case: nothing to take out
  const properties = Object.entries(schema.properties).map(([key, prop]): [string, unknown] => {
    const at = [...path, 'properties', key]
    if (isInlineObject(prop)) {
      inline.push({ schema: prop, path: at })
      return [key, STAND_IN]
    }
    return [key, isRecord(prop) && prop.type === 'array' ? arrayStandIn(prop, at, inline) : prop]
  })
  return { ...schema, properties: Object.fromEntries(properties) }
}

function arrayStandIn(array: Record<string, unknown>, path: Path, inline: { schema: Record<string, unknown>; path: Path }[]): Record<string, unknown> {
  if (!isInlineObject(array.items)) return array
  inline.push({ schema: array.items, path: [...path, 'items'] })
  return { ...array, items: STAND_IN }
}

/** An inline object, checked by @atproto/lexicon's object schema; its own inline objects in turn. */
function checkInlineObject(schema: Record<string, unknown>, path: Path, issues: Issue[]): void {
  const nested: { schema: Record<string, unknown>; path: Path }[] = []
  const result = lexiconSchemas().lexObject.safeParse(withStandIns(schema, [], nested))
  if (!result.success) issues.push(...explainAll(result.error.issues as ZodIssueLike[], schema).map((issue) => prefixed(path, issue)))
  for (const object of nested) checkInlineObject(object.schema, [...path, ...object.path], issues)
}

const RECORD_KEY_TYPES = ['tid', 'nsid', 'any', 'literal:self']

/**
 * A record's `key`, which the spec requires: `tid`, `nsid`, `any` or `literal:<a record key>`.
 * @atproto/lexicon takes any string or none; the generated docs would then state a key type no
 * repository knows.
 */
function recordKeyIssues(key: unknown, path: Path): Issue[] {
  const expected = "'tid', 'nsid', 'any' or 'literal:<key>' (such as 'literal:self')"
  if (key === undefined) return [{ path, message: `a record needs a \`key\`: ${expected} (Lexicon spec)` }]
  if (typeof key !== 'string') return [{ path: [...path, 'key'], message: `Expected string, received ${key === null ? 'null' : Array.isArray(key) ? 'array' : typeof key}` }]
  const literal = key.startsWith('literal:') ? key.slice('literal:'.length) : undefined
  if (literal === undefined ? RECORD_KEY_TYPES.includes(key) : isValidRecordKey(literal)) return []
  const meant = literal === undefined ? closestOne(key, RECORD_KEY_TYPES) : undefined
  return [{ path: [...path, 'key'], message: `Expected ${expected}, got '${key}'${meantHint(meant)}` }]
}

/** What the Lexicon spec refuses and @atproto/lexicon 0.6 lets through, and constraints that contradict each other (contradictions.ts). */
function specIssues(defs: Record<string, unknown>): Issue[] {
  const issues: Issue[] = []
  if (Object.keys(defs).length === 0) issues.push({ path: ['defs'], message: 'a lexicon needs at least one definition (Lexicon spec)' })
  for (const [name, def] of Object.entries(defs)) {
    if (isRecord(def) && def.type === 'unknown') {
      issues.push({ path: ['defs', name, 'type'], message: "an 'unknown' cannot be a named definition (Lexicon spec); use it as a field type" })
    }
    // A record other than main is refused as such already.
    if (isRecord(def) && def.type === 'record' && name === 'main') issues.push(...recordKeyIssues(def.key, ['defs', name]))
    walkSchemas(def, ['defs', name], (node, at) => {
      if (node.type === 'union' && node.closed === true && Array.isArray(node.refs) && node.refs.length === 0) {
        issues.push({ path: [...at(), 'refs'], message: 'a closed union needs at least one ref (Lexicon spec)' })
      }
      for (const found of contradictions(node)) issues.push({ path: [...at(), ...found.path], message: found.message })
      if (node.type === 'object' && isRecord(node.properties)) {
        for (const key of Object.keys(node.properties)) {
          if (key.startsWith('$')) {
            issues.push({ path: [...at(), 'properties', key], message: `field names starting with '$' are reserved by the atproto data model ('$type', '$bytes', '$link'); '${key}' cannot be declared` })
          }
        }
      }
    })
  }
  return issues
}

/**
 * `def` and every schema in it, with its path: only where the Lexicon language puts a schema
 * (properties, items, a record's object, a method's parameters and bodies). A key it does not
 * define (`"x-example": { "type": "integer", … }`) is ignored by @atproto/lexicon, and so here:
 * it is no schema. One path stack, copied only for a node `visit` reports on.
 */
export function walkSchemas(def: unknown, path: Path, visit: (node: Record<string, unknown>, path: () => Path) => void): void {
  const stack = [...path]
  const at = () => [...stack]
  const walk = (node: unknown, ...keys: string[]): void => {
    if (!isRecord(node)) return
    stack.push(...keys)
    visit(node, at)
    switch (node.type) {
      case 'object':
      case 'params':
        if (isRecord(node.properties)) for (const [key, property] of Object.entries(node.properties)) walk(property, 'properties', key)
        break
      case 'array':
        walk(node.items, 'items')
        break
      case 'record':
        walk(node.record, 'record')
        break
      case 'query':
      case 'procedure':
      case 'subscription':
        walk(node.parameters, 'parameters')
        for (const body of ['input', 'output', 'message']) if (isRecord(node[body])) walk(node[body].schema, body, 'schema')
        break
    }
    stack.length -= keys.length
  }
  walk(def)
}

function prefixed(prefix: Path, issue: Issue): Issue {
  return { path: [...prefix, ...issue.path], message: issue.message }
}

function valueAt(root: unknown, path: Path): unknown {
  let node = root
  for (const key of path) node = isRecord(node) || Array.isArray(node) ? (Object.hasOwn(node, key) ? (node as Record<string | number, unknown>)[key] : undefined) : undefined
  return node
}

function isInlineObject(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && value.type === 'object'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
