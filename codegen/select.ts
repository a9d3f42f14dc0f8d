/**
 * Pipeline stage 3, select: the docs the include and exclude patterns name, and every doc they
 * reach by reference, each checked in full; problems inside that closure stop the run, problems
 * outside it are warnings. Also what the patterns did not match, with "did you mean".
 */
import type { LexiconDoc } from '@atproto/lexicon'
import { jsonPath, LexgenError, type LexiconProblem } from './errors.js'
import { compare } from './order.js'
import { runner } from './runner.js'
import { parseDoc, type ParsedDoc, type SkimmedDoc, type SkimmedLexicons } from './parse.js'
import { closestOne, meantHint, suggestPatterns } from './suggest.js'

export interface Selection {
  readonly include: readonly string[]
  readonly exclude: readonly string[]
  /** Every doc must pass, selected or not; otherwise only the closure's problems are errors. */
  readonly strict?: boolean
  /**
   * What the config's pull fetches (its include patterns and NSIDs): an include pattern that
   * matches nothing and lies outside them is told to add it there first, as the folder holds only what was pulled.
   */
  readonly pulled?: readonly string[]
}

const notPulled = () =>
  `the lexicon folder holds what \`${runner().lexgen} pull\` fetched: add it to the config's pull section (a git source's include, or network), then run \`${runner().lexgen} pull\``

/** The selection's reference closure, checked, and what is wrong with the lexicon directory. */
export interface SelectedLexicons {
  /** Selected docs and every doc they reference, transitively; sorted by NSID. */
  readonly docs: readonly ParsedDoc[]
  /** Problems that stop the run: those of docs in the closure (of every doc under `strict`). */
  readonly errors: readonly LexiconProblem[]
  /** Problems of docs outside the closure: reported, the run goes on. */
  readonly warnings: readonly LexiconProblem[]
  /** `include` patterns that match nothing (while others do), and `exclude` patterns that match nothing but look like a typo: reported, the run goes on. */
  readonly unmatched: readonly UnmatchedPattern[]
  /** `exclude` patterns that left out docs the selection references, so they are generated all the same. */
  readonly overridden: readonly OverriddenExclude[]
  /**
   * References no value can pass where they stand (to a record or a token def): valid lexicon, and
   * upstream has two, but @atproto/lexicon, and so a server built on it, refuses every value there.
   * Reported, the run goes on.
   */
  readonly uncheckable: readonly LexiconProblem[]
}

/** The full check of one doc: `parseDoc`, or its verdict obtained elsewhere (lexicon-check.ts). */
export type DocCheck = (doc: SkimmedDoc) => { doc: ParsedDoc } | { problems: LexiconProblem[] }

/** A reference as written in a doc, resolved to the doc and def it names. */
export interface RefTarget {
  readonly nsid: string
  readonly def: string
}

export function resolveRef(fromNsid: string, ref: string): RefTarget {
  const hash = ref.indexOf('#')
  if (hash === -1) return { nsid: ref, def: 'main' }
  return { nsid: hash === 0 ? fromNsid : ref.slice(0, hash), def: ref.slice(hash + 1) }
}

/** `*` matches any run of characters; everything else is literal. */
export function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${escaped.join('.*')}$`)
}

/**
 * Whether `pattern` matches some NSID under `prefix` (`prefix.` and more), or with `every`, all of
 * them: whether a folder whose path spells `prefix`, and that could not be read, may hold what an
 * include selects, or holds only what an exclude leaves out.
 */
export function reachesUnder(pattern: string, prefix: string, every = false): boolean {
  const text = `${prefix}.`
  // Each (pattern, text) position decided once: `*a*a*a*` against a long prefix would otherwise branch without end.
  const decided = new Map<number, boolean>()
  const match = (p: number, t: number): boolean => {
    // The prefix is used up: some NSID follows it that the rest of the pattern matches; every one
    // only when that rest is all wildcards.
    if (t === text.length) return every ? p < pattern.length && /^\*+$/.test(pattern.slice(p)) : true
    if (p === pattern.length) return false
    const key = p * (text.length + 1) + t
    let result = decided.get(key)
    if (result === undefined) {
      result = pattern[p] === '*' ? match(p + 1, t) || match(p, t + 1) : pattern[p] === text[t] && match(p + 1, t + 1)
      decided.set(key, result)
    }
    return result
  }
  return match(0, 0)
}

/** Whether a doc is one the selection names (matches `include`, not `exclude`), as opposed to one only referenced. */
export function selects(selection: Selection): (nsid: string | undefined) => boolean {
  const includes = selection.include.map(patternToRegExp)
  const excludes = selection.exclude.map(patternToRegExp)
  return (nsid) => nsid !== undefined && includes.some((re) => re.test(nsid)) && !excludes.some((re) => re.test(nsid))
}

/**
 * Docs matching `include` and not `exclude`, plus every doc they reference, transitively, so the
 * generated code always compiles. Only those docs are checked fully (`check`, by default
 * `parseDoc`); the others were only skimmed for their id, and what is wrong with them is a
 * warning, unless `strict`.
 */
export function selectDocs(lexicons: SkimmedLexicons, selection: Selection, check: DocCheck = parseDoc): SelectedLexicons {
  const byNsid = new Map<string, SkimmedDoc>(lexicons.docs.map((doc) => [doc.id, doc]))
  const failed = new Map(lexicons.problems.flatMap((problem) => (problem.nsid === undefined ? [] : [[problem.nsid, problem] as const])))
  const includes = selection.include.map(patternToRegExp)
  const selected = selects(selection)

  const roots = lexicons.docs.filter((doc) => selected(doc.id))
  // A folder that could not be read may hold selected docs, or referenced ones: left out, their
  // methods would vanish from the client with no error.
  const unread = lexicons.problems.filter((problem) => problem.under !== undefined)
  const mayHoldSelected = (under: string) =>
    selection.include.some((pattern) => reachesUnder(pattern, under)) && !selection.exclude.some((pattern) => reachesUnder(pattern, under, true))
  const unreadHolding = (nsid: string) => unread.find((problem) => nsid.startsWith(`${problem.under}.`))
  const unmatched = unmatchedSelection(selection, [...byNsid.keys(), ...failed.keys()], lexicons.docs)
  if (roots.length === 0 && !lexicons.problems.some((problem) => selected(problem.nsid) || (problem.under !== undefined && mayHoldSelected(problem.under)))) {
    throw noMatch(selection, unmatched)
  }

  const closure = new Set<string>()
  const parsed = new Map<string, ParsedDoc>()
  const errors: LexiconProblem[] = []
  const uncheckable: LexiconProblem[] = []
  const queue = [...roots]
  for (let i = 0; i < queue.length; i++) {
    const next = queue[i]!
    if (closure.has(next.id)) continue
    closure.add(next.id)
    const result = check(next)
    if ('problems' in result) errors.push(...result.problems)
    else parsed.set(next.id, result.doc)
    // A doc that failed is still followed, so one run reports what is wrong further down too.
    forEachRef(next.json.defs, ['defs'], (ref, path, unionMember) => {
      const target = resolveRef(next.id, ref)
      const doc = byNsid.get(target.nsid)
      if (doc) {
        if (!closure.has(target.nsid)) queue.push(doc)
        // Checked in a doc that failed too: its other problems would hide a mistyped ref until they were fixed.
        const problem = checkRef(doc, target, ref, unionMember)
        if (problem) errors.push({ file: next.file, path: jsonPath(path), message: problem })
        const never = problem === undefined ? uncheckableRef(doc, target, ref) : undefined
        if (never) uncheckable.push({ file: next.file, path: jsonPath(path), message: never })
        return
      }
      closure.add(target.nsid)
      const unusable = failed.get(target.nsid) ?? unreadHolding(target.nsid)
      const why = !unusable
        ? `which is not in the lexicon directory${meantRef(next, ref, target, byNsid.keys())}`
        : unusable.under === undefined ? `whose file ${unusable.file} could not be used`
        : `which is not in the lexicon directory as read: it may be in ${unusable.file}, which could not be read`
      errors.push({ file: next.file, path: jsonPath(path), message: `reference '${ref}' names lexicon '${target.nsid}', ${why}`, ...(unusable ? { blockedBy: unusable.file } : {}) })
    })
  }

  const warnings: LexiconProblem[] = []
  for (const { nsid, under, ...problem } of lexicons.problems) {
    const needed = (nsid !== undefined && closure.has(nsid)) || selected(nsid) || (under !== undefined && (mayHoldSelected(under) || [...closure].some((id) => id.startsWith(`${under}.`))))
    ;(selection.strict || needed ? errors : warnings).push(problem)
  }
  if (selection.strict) {
    const others = lexicons.docs.filter((doc) => !closure.has(doc.id))
    for (const doc of others) {
      const result = check(doc)
      if ('problems' in result) errors.push(...result.problems)
    }
  }
  const docs = [...parsed.values()].sort((a, b) => compare(a.doc.id, b.doc.id))
  const overridden = overriddenExcludes(selection, includes, lexicons.docs, closure)
  return { docs, errors: dedupe(errors), warnings, unmatched, overridden, uncheckable: dedupe(uncheckable) }
}

/** A selection pattern that matches no lexicon in the folder, and what it may have meant. */
export interface UnmatchedPattern {
  readonly option: 'include' | 'exclude'
  readonly pattern: string
  readonly suggestions: readonly string[]
  /** Where it can come from, when nothing in the folder is close (see Selection.pulled). */
  readonly hint?: string
}

/**
 * The include patterns that match none of `nsids`, and the exclude patterns that match none but look
 * like a typo of one that would: an exclude that matches nothing is harmless (the pull may leave
 * those docs out already), but a mistyped one leaves what it meant to leave out selected.
 */
export function unmatchedSelection(selection: Selection, nsids: readonly string[], docs: readonly SkimmedDoc[] = []): UnmatchedPattern[] {
  const mistyped = unmatchedPatterns('exclude', selection.exclude, nsids).filter((u) => u.suggestions.length)
  const includes = unmatchedPatterns('include', selection.include, nsids, selection.pulled)
  return [...includes.map((u) => declaredElsewhere(u, docs)), ...mistyped]
}

/**
 * An include naming a file by its path whose doc declares another id (`feed/deletePost.json`
 * holding `com.example.feed.removePost`): selection goes by id, so the file names what it holds.
 */
function declaredElsewhere(unmatched: UnmatchedPattern, docs: readonly SkimmedDoc[]): UnmatchedPattern {
  const doc = docs.find(({ file }) => file.replace(/\.json$/, '').split('/').join('.') === unmatched.pattern)
  // The file says what the pattern meant better than a name a typo away does.
  return doc ? { ...unmatched, suggestions: [], hint: `${doc.file} declares the id '${doc.id}', and docs are selected by id` } : unmatched
}

/** The error for a selection that selects nothing, with what each include may have meant (`unmatched`, from unmatchedSelection). */
export function noMatch(selection: Selection, unmatched: readonly UnmatchedPattern[], where = ''): LexgenError {
  const suggested = unmatched.filter((u) => u.option === 'include' && u.suggestions.length)
  const hints =
    selection.include.length === 1 && suggested.length === 1
      ? [`; did you mean ${orList(suggested[0]!.suggestions)}?`]
      : suggested.map((u) => `\n  ${didYouMean(u)}`)
  const notPulled = selection.include.length === 1 && unmatched[0]?.hint ? [`: ${unmatched[0].hint}`] : []
  return new LexgenError(
    `no lexicon matches include ${selection.include.map((p) => `'${p}'`).join(', ')}` +
      (selection.exclude.length ? ` after exclude ${selection.exclude.map((p) => `'${p}'`).join(', ')}` : '') +
      where +
      [...hints, ...notPulled].join(''),
  )
}

function unmatchedPatterns(option: UnmatchedPattern['option'], patterns: readonly string[], nsids: readonly string[], pulled?: readonly string[]): UnmatchedPattern[] {
  return patterns
    .filter((pattern) => {
      const re = patternToRegExp(pattern)
      return !nsids.some((nsid) => re.test(nsid))
    })
    .map((pattern) => {
      const suggestions = suggestPatterns(pattern, nsids)
      const outsidePull = pulled !== undefined && !pulled.some((fetched) => patternToRegExp(fetched).test(pattern))
      return { option, pattern, suggestions, ...(outsidePull && !suggestions.length ? { hint: notPulled() } : {}) }
    })
}

/** `include 'chat.bsky.convo' matches no lexicon; did you mean 'chat.bsky.convo.*'?` */
export function didYouMean({ option, pattern, suggestions, hint }: UnmatchedPattern): string {
  const next = suggestions.length ? `; did you mean ${orList(suggestions)}?` : hint ? `: ${hint}` : ''
  return `${option} '${pattern}' matches no lexicon${next}`
}

/** An `exclude` pattern some of whose docs are generated anyway: selected docs reference them. */
export interface OverriddenExclude {
  readonly pattern: string
  /** How many included docs it leaves out. */
  readonly excluded: number
  /** Those of them the selection references, by NSID. */
  readonly generated: readonly string[]
}

function overriddenExcludes(selection: Selection, includes: readonly RegExp[], docs: readonly SkimmedDoc[], closure: ReadonlySet<string>): OverriddenExclude[] {
  return selection.exclude.flatMap((pattern) => {
    const re = patternToRegExp(pattern)
    const excluded = docs.filter((doc) => re.test(doc.id) && includes.some((include) => include.test(doc.id)))
    const generated = excluded.filter((doc) => closure.has(doc.id)).map((doc) => doc.id).sort(compare)
    return generated.length ? [{ pattern, excluded: excluded.length, generated }] : []
  })
}

/** `exclude 'x.*' leaves out x.defs, but selected docs reference it: it is generated all the same` */
export function overriddenText({ pattern, excluded, generated }: OverriddenExclude): string {
  const shown = generated.slice(0, 3).join(', ') + (generated.length > 3 ? ` and ${generated.length - 3} more` : '')
  const which = generated.length === excluded ? (excluded === 1 ? 'the doc it leaves out' : `all ${excluded} docs it leaves out`) : `${generated.length} of the ${excluded} docs it leaves out`
  return `exclude '${pattern}': ${which} (${shown}) ${generated.length === 1 ? 'is' : 'are'} referenced by selected docs, so generated all the same`
}

function orList(suggestions: readonly string[]): string {
  return suggestions.map((s) => `'${s}'`).join(' or ')
}

/** Why a reference to `doc`'s def cannot stand, or undefined when it can. */
function checkRef(doc: SkimmedDoc, target: RefTarget, ref: string, unionMember: boolean): string | undefined {
  const defs = doc.json.defs as LexiconDoc['defs'] | undefined
  const def = defs && Object.hasOwn(defs, target.def) ? (defs[target.def] as { type?: unknown }) : undefined
  if (!def) {
    const meant = defs ? closestOne(target.def, Object.keys(defs)) : undefined
    const hint = meantHint(meant === undefined ? undefined : `${ref.slice(0, ref.indexOf('#') + 1)}${meant}`)
    return `reference '${ref}' names def '${target.def}', which '${target.nsid}' does not define${hint}`
  }
  const type = String(def.type)
  const allowed = unionMember ? ['object', 'record'] : ['object', 'record', 'token', 'string', 'array', 'integer', 'boolean', 'bytes', 'cid-link', 'blob']
  if (!allowed.includes(type)) return `reference '${ref}' names a ${type} def, which cannot be ${unionMember ? 'a union member' : 'referenced'}`
  return undefined
}

/**
 * Why no value passes a reference that may stand (see SelectedLexicons.uncheckable): @atproto/lexicon
 * checks a value against a def's schema, and a record def (a collection) and a token (a name) have
 * none in its eyes. The generated validators say the same at run time.
 */
function uncheckableRef(doc: SkimmedDoc, target: RefTarget, ref: string): string | undefined {
  const type = (doc.json.defs as Record<string, { type?: unknown }>)[target.def]!.type
  if (type === 'record') return `reference '${ref}' names a record def: @atproto/lexicon, and a server validating with it, refuses every value there (refer to an object def with the record's fields, or use \`unknown\` for any record)`
  if (type === 'token') return `reference '${ref}' names a token: @atproto/lexicon, and a server validating with it, refuses every value there (a token is a name: a string with \`knownValues\` takes it)`
  return undefined
}

/**
 * What a reference to a missing lexicon likely meant: a def of its own doc written without its
 * `#` (`convoView` for `#convoView`), else a lexicon a typo away (`chat.bsky.convo.def#view`).
 */
function meantRef(from: SkimmedDoc, ref: string, target: RefTarget, nsids: Iterable<string>): string {
  const defs = from.json.defs as LexiconDoc['defs'] | undefined
  if (!ref.includes('#') && defs && Object.hasOwn(defs, ref)) return meantHint(`#${ref}`)
  const nsid = closestOne(target.nsid, nsids)
  return meantHint(nsid === undefined ? undefined : `${nsid}${ref.includes('#') ? `#${target.def}` : ''}`)
}

/** A file reached twice (a root that is also referenced, say) is reported once. */
function dedupe(problems: LexiconProblem[]): LexiconProblem[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const key = `${p.file}\0${p.path ?? ''}\0${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Calls `visit` for every `ref` and union member under `value`, with the JSON path of the reference string. */
export function forEachRef(
  value: unknown,
  path: (string | number)[],
  visit: (ref: string, path: (string | number)[], unionMember: boolean) => void,
): void {
  // One path array, pushed and popped on the way down: copying it at every node cost more than the walk.
  const stack = [...path]
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        if (typeof node[i] !== 'object') continue
        stack.push(i)
        walk(node[i])
        stack.pop()
      }
    } else if (typeof node === 'object' && node !== null) {
      const schema = node as { type?: unknown; ref?: unknown; refs?: unknown }
      if (schema.type === 'ref' && typeof schema.ref === 'string') visit(schema.ref, [...stack, 'ref'], false)
      if (schema.type === 'union' && Array.isArray(schema.refs)) {
        schema.refs.forEach((ref, i) => typeof ref === 'string' && visit(ref, [...stack, 'refs', i], true))
      }
      for (const key in node) {
        const child = (node as Record<string, unknown>)[key]
        if (typeof child !== 'object' || child === null) continue
        stack.push(key)
        walk(child)
        stack.pop()
      }
    }
  }
  walk(value)
}
