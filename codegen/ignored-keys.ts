/**
 * Keys a schema's type does not define (`"maxlength": 5` on a string, `"enum"` on a boolean,
 * `"nullable"` on params): @atproto/lexicon drops them unread, so servers do not enforce them, and
 * neither does anything lexgen makes: the pipeline and `lexgen diff` read each doc without them.
 * A warning names each, with the key likely meant, since one written by hand is most often a
 * misspelt constraint that silently does nothing.
 */
import type { LexiconDoc } from '@atproto/lexicon'
import { jsonPath, type LexiconProblem } from './errors.js'
import type { ParsedDoc } from './parse.js'
import { walkSchemas } from './parse.js'
import { closestOne, meantHint } from './suggest.js'

/** The keys of a method's bodies: a subscription's message has no encoding (it is always CBOR). */
const BODIES: readonly (readonly [string, readonly string[]])[] = [
  ['input', ['description', 'encoding', 'schema']],
  ['output', ['description', 'encoding', 'schema']],
  ['message', ['description', 'schema']],
]

/** The keys of each schema type, from the Lexicon spec; `type` and `description` are everyone's. */
const KEYS: Readonly<Record<string, readonly string[]>> = {
  record: ['key', 'record'],
  query: ['parameters', 'output', 'errors'],
  procedure: ['parameters', 'input', 'output', 'errors'],
  subscription: ['parameters', 'message', 'errors'],
  params: ['required', 'properties'],
  object: ['required', 'nullable', 'properties'],
  array: ['items', 'minLength', 'maxLength'],
  blob: ['accept', 'maxSize'],
  boolean: ['default', 'const'],
  integer: ['minimum', 'maximum', 'enum', 'default', 'const'],
  string: ['format', 'maxLength', 'minLength', 'maxGraphemes', 'minGraphemes', 'knownValues', 'enum', 'default', 'const'],
  bytes: ['minLength', 'maxLength'],
  'cid-link': [],
  ref: ['ref'],
  union: ['refs', 'closed'],
  token: [],
  unknown: [],
}

/** Each key of `doc`'s schemas, and of its methods' bodies, that their type does not define (none inside one of them). */
export function ignoredKeys(parsed: ParsedDoc): LexiconProblem[] {
  return stripped(parsed).problems
}

/**
 * The doc without those keys, as @atproto/lexicon reads it: what the model, and so the code, the
 * JSDoc and the docs, and `lexgen diff` see. The same doc when it has none (the usual case).
 */
export function withoutIgnoredKeys(parsed: ParsedDoc): ParsedDoc {
  return stripped(parsed).doc
}

/** The doc without its ignored keys, and a warning for each: what is inside one is not walked, as nothing reads it. */
function stripped(parsed: ParsedDoc): { readonly doc: ParsedDoc; readonly problems: LexiconProblem[] } {
  let any = false
  eachIgnoredKey(parsed.doc, () => void (any = true))
  if (!any) return { doc: parsed, problems: [] }
  const doc = structuredClone(parsed.doc)
  const problems: LexiconProblem[] = []
  eachIgnoredKey(doc, (node, key, path, kind, known) => {
    problems.push({ file: parsed.file, path: jsonPath([...path, key]), message: `${JSON.stringify(key)} is not a key of ${kind}: @atproto/lexicon ignores it, and so do servers and the generated code${meantHint(closestOne(key, known))}` })
    delete node[key]
  })
  return { doc: { ...parsed, doc }, problems }
}

/** The types said with "an" (a union is "a"). */
const AN = new Set(['array', 'integer', 'object', 'unknown'])

type Visit = (node: Record<string, unknown>, key: string, path: readonly (string | number)[], kind: string, known: readonly string[]) => void

/** Calls `visit` for each ignored key; it may delete the key, and the walk then does not enter it. */
function eachIgnoredKey(doc: LexiconDoc, visit: Visit): void {
  const check = (node: Record<string, unknown>, path: readonly (string | number)[], kind: string, known: readonly string[]) => {
    for (const key of Object.keys(node)) if (!known.includes(key)) visit(node, key, path, kind, known)
  }
  for (const [name, def] of Object.entries(doc.defs)) {
    walkSchemas(def, ['defs', name], (node, at) => {
      const type = node.type
      // A type the spec lacks is refused elsewhere; a permission set's keys are its own language.
      if (typeof type !== 'string' || !Object.hasOwn(KEYS, type)) return
      check(node, at(), `${AN.has(type) ? 'an' : 'a'} ${type} schema`, ['type', 'description', ...KEYS[type]!])
      for (const [body, keys] of BODIES) {
        if (!KEYS[type]!.includes(body)) continue // an ignored key itself: its content is not read
        const value = node[body]
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) check(value as Record<string, unknown>, [...at(), body], `a method's ${body}`, keys)
      }
    })
  }
}
