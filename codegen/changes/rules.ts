/**
 * The rule table: what each kind of lexicon change means for a client built from the old
 * lexicons, by the side of the wire the changed schema sits on.
 *
 * The atproto Lexicon spec's evolution rule is that old data must stay valid under the new
 * lexicon and new data valid under the old one. A deployed client only meets half of that on
 * each side: what it *sends* (request: params and input) must still pass a server on the new
 * lexicons, so tightening breaks it and loosening does not; what it *receives* (response:
 * output, errors, stream messages) must still pass its own checks and types, so loosening
 * breaks it and tightening does not. Records are both written and read, so either direction
 * breaks them. The README's rule table is rendered from this one (a test keeps them equal).
 */

import { SIDES, type Side } from '../usage.js'

export { SIDES, type Side }

/** How bad a change is for users of the generated client, worst first. */
export type ChangeClass = 'breaking' | 'source' | 'compatible' | 'docs'

export const CLASSES: readonly ChangeClass[] = ['breaking', 'source', 'compatible', 'docs']

export interface Rule {
  /** Verdict when the changed schema is sent by the client. */
  readonly request: ChangeClass
  /** Verdict when it is received by the client. */
  readonly response: ChangeClass
  /** Verdict when it is (part of) a record. */
  readonly record: ChangeClass
  /** Whether the generated TypeScript changes shape (decides defs no method or record reaches). */
  readonly changesTypes: boolean
  /** The change, as the README's table names it. */
  readonly title: string
  /** Why, in a few words. */
  readonly why: string
  /**
   * The generated type is a closed set of literals, and the change shrinks it: on the response
   * side old code breaks only where it compares a received value with one that is gone, which
   * the compiler check (assignments, see compiler.ts) cannot see.
   */
  readonly narrowsLiterals?: true
}

const same = (verdict: ChangeClass) => ({ request: verdict, response: verdict, record: verdict })
/** Fewer values accepted: a server rejects what old clients send; old clients still accept what they get. */
const tightening = { request: 'breaking', response: 'compatible', record: 'breaking' } as const
/** More values accepted: old clients can receive values their checks and types reject. */
const loosening = { request: 'compatible', response: 'breaking', record: 'breaking' } as const
/**
 * A closed set of values narrowed (an enum, a const, a closed union's members): tightening on the
 * wire, but the generated type is that set of literals, so old code comparing a received value
 * with one that is gone (`kind === 'b'`, `x.$type === '…#link'`) no longer compiles (TS2367).
 */
const narrowing = { request: 'breaking', response: 'source', record: 'breaking', narrowsLiterals: true } as const

export const RULES = {
  // Methods and docs
  'method-added': { ...same('compatible'), changesTypes: true, title: 'method added', why: 'nothing old calls it' },
  'method-removed': { ...same('breaking'), changesTypes: true, title: 'method removed', why: 'calls fail; its function and types are gone' },
  'method-type-changed': { ...same('breaking'), changesTypes: true, title: 'query ↔ procedure (or subscription)', why: 'the HTTP method changes' },
  'doc-added': { ...same('compatible'), changesTypes: true, title: 'lexicon doc added', why: 'new types only' },
  'doc-removed': { ...same('source'), changesTypes: true, title: 'lexicon doc (no method) removed', why: 'its types are no longer generated' },
  'def-added': { ...same('compatible'), changesTypes: true, title: 'def added', why: 'new types only' },
  'def-removed': { ...same('source'), changesTypes: true, title: 'def removed', why: 'its type, guard and validator are gone' },
  'def-renamed': { ...same('source'), changesTypes: true, title: 'def renamed (same schema)', why: 'exported names change' },
  'def-moved': { ...same('source'), changesTypes: true, title: 'def moved to another doc (same schema)', why: 'exported names change' },
  'export-renamed': { ...same('source'), changesTypes: true, title: "the index exports a doc's namespace or function under another name (a doc that camel-cases alike took it, or gave it back)", why: 'old code naming it no longer compiles' },
  'function-rebound': { ...same('breaking'), changesTypes: true, title: "a method's function name now belongs to another method (one that camel-cases alike and sorts first)", why: 'old calls still compile and reach the other method' },
  'def-type-changed': { ...same('breaking'), changesTypes: true, title: 'def changes type (e.g. object → string)', why: 'no value fits both' },
  'record-key-changed': { ...same('breaking'), changesTypes: false, title: 'record key type changed', why: 'existing or new record keys become invalid' },
  // Bodies and errors
  'input-added': { ...same('breaking'), changesTypes: true, title: 'procedure gains an input body', why: 'old clients send no body' },
  'input-removed': { ...same('breaking'), changesTypes: true, title: 'procedure loses its input body', why: 'old clients send a body the server refuses' },
  'params-added': { ...same('source'), changesTypes: true, title: 'a method without params gains its first (its functions now take params before the call options)', why: 'old calls that pass call options now pass them where params go' },
  'output-added': { ...same('compatible'), changesTypes: true, title: 'method gains an output body', why: 'old clients ignore it' },
  'output-removed': { ...same('breaking'), changesTypes: true, title: 'method loses its output body', why: 'old clients expect one' },
  'encoding-changed': { ...same('breaking'), changesTypes: true, title: 'body encoding changed', why: 'the bytes on the wire change' },
  'body-schema-added': { ...tightening, changesTypes: true, title: 'body gains a schema', why: 'any object was allowed before' },
  'body-schema-removed': { ...loosening, changesTypes: true, title: 'body loses its schema', why: 'any object is allowed now' },
  'error-added': { ...same('compatible'), changesTypes: true, title: 'declared error added', why: 'a new error class: old code still catches it as XrpcError, but no longer as the status class it got before (`instanceof InvalidRequestError` for a 400 no longer matches)' },
  'error-removed': { ...same('source'), changesTypes: true, title: 'declared error removed', why: 'its error class disappears' },
  // Fields of objects, params and records
  'field-added-optional': { ...same('compatible'), changesTypes: true, title: 'optional field added', why: 'old senders omit it; old readers ignore it' },
  'field-added-required': { request: 'breaking', response: 'compatible', record: 'breaking', changesTypes: true, title: 'required field added', why: 'old clients do not send it' },
  'field-added-required-default': { request: 'source', response: 'compatible', record: 'source', changesTypes: true, title: 'required field with a default added', why: 'validators fill in the default where old senders omit it, but old code building the value no longer compiles; old readers ignore it' },
  'field-removed-optional': { ...same('source'), changesTypes: true, title: 'optional field removed', why: 'unknown fields are ignored on the wire, but code using it no longer compiles' },
  'field-removed-required': { request: 'source', response: 'breaking', record: 'breaking', changesTypes: true, title: 'required field removed', why: 'old readers require it; a server ignores it when sent' },
  'field-made-required': { request: 'breaking', response: 'compatible', record: 'breaking', changesTypes: true, title: 'optional field made required', why: 'old clients may omit it' },
  'field-made-required-default': { request: 'source', response: 'compatible', record: 'source', changesTypes: true, title: 'optional field made required, with a default', why: 'validators fill in the default where old senders omit it, but old code that omits it no longer compiles; old readers take it present or absent' },
  'field-made-optional': { request: 'compatible', response: 'breaking', record: 'breaking', changesTypes: true, title: 'required field made optional', why: 'old readers rely on it being present' },
  'field-made-nullable': { ...loosening, changesTypes: true, title: 'field made nullable', why: 'old readers do not expect null' },
  'field-made-non-nullable': { ...tightening, changesTypes: true, title: 'field no longer nullable', why: 'old clients may send null' },
  'param-type-widened': { request: 'source', response: 'breaking', record: 'breaking', changesTypes: true, title: 'query param changed from integer or boolean to a string with no format, enum, const or length limit', why: 'a query string carries text: what old clients send (`limit=5`) still passes, but old code passing a number no longer compiles' },
  'type-changed': { ...same('breaking'), changesTypes: true, title: "field's type changed (e.g. string → integer, ref → union)", why: 'no value fits both' },
  'ref-target-changed': { ...same('compatible'), changesTypes: true, title: 'ref now names another def that is no object or record (string, integer, array…), an inline schema that holds no object becomes a ref, or a ref becomes inline', why: "old code still compiles: aliases, and an inline object's interface (it has no `$type`), take each other's values; judged by how the two schemas differ, listed as their own changes" },
  'ref-object-changed': { ...same('source'), changesTypes: true, title: 'ref now names another object or record def (an identical one too), or an inline object becomes a ref', why: "the generated type old code names changes (each def's interface has its own `$type`; an inline object's interface is gone); the wire is judged by how the two schemas differ, listed as their own changes" },
  // Values and constraints
  'constraint-tightened': { ...tightening, changesTypes: false, title: 'limit tightened (maxLength/maxGraphemes/maximum/maxSize lowered, minLength/minGraphemes/minimum raised, one added, blob accept narrowed)', why: 'fewer values pass' },
  'constraint-loosened': { ...loosening, changesTypes: false, title: 'limit loosened (the reverse, or one removed)', why: 'more values pass' },
  'constraint-within-format': { ...same('compatible'), changesTypes: false, title: "string length limit added or changed where the format already limits the length (a did is 7 to 2048 characters)", why: 'the values that pass do not change' },
  'constraint-changed': { ...same('breaking'), changesTypes: false, title: 'blob accept replaced (neither list covers the other)', why: 'some old values fail and some new ones' },
  'format-added': { ...tightening, changesTypes: false, title: 'string format added', why: 'fewer values pass' },
  'format-removed': { ...loosening, changesTypes: false, title: 'string format removed', why: 'more values pass' },
  'format-widened': { ...loosening, changesTypes: false, title: 'string format changed to one that contains it (did or handle → at-identifier, at-uri → uri, tid → record-key)', why: 'every old value passes; new ones may fail old checks' },
  'format-narrowed': { ...tightening, changesTypes: false, title: 'string format changed to one it contains (the reverse)', why: 'fewer values pass' },
  'format-changed': { ...same('breaking'), changesTypes: false, title: 'string format changed (other formats)', why: 'values valid in one are invalid in the other' },
  'enum-added': { ...narrowing, changesTypes: true, title: 'enum added to a field', why: 'a closed set replaces any value; old code comparing a received value with one outside it no longer compiles' },
  'enum-removed': { ...loosening, changesTypes: true, title: 'enum removed from a field', why: 'any value replaces a closed set' },
  'enum-value-added': { ...loosening, changesTypes: true, title: 'enum value added', why: 'old readers reject the new value' },
  'enum-value-removed': { ...narrowing, changesTypes: true, title: 'enum value removed', why: 'old clients may send it; old code comparing a received value with it no longer compiles' },
  'const-added': { ...narrowing, changesTypes: true, title: 'const added', why: 'one value replaces many; old code comparing a received value with another no longer compiles' },
  'const-removed': { ...loosening, changesTypes: true, title: 'const removed', why: 'many values replace one' },
  'const-changed': { ...same('breaking'), changesTypes: true, title: 'const changed', why: 'the only valid value changes' },
  'known-value-added': { ...same('compatible'), changesTypes: true, title: 'knownValues entry added', why: 'knownValues are open: any string passes' },
  'known-value-removed': { ...same('compatible'), changesTypes: true, title: 'knownValues entry removed', why: 'knownValues are open: any string passes' },
  'default-changed': { ...same('compatible'), changesTypes: false, title: 'default changed, added or removed (an optional field\'s, or the value of a required field\'s)', why: 'the wire does not fail; clients that omit the field get the new default' },
  'default-added-required': { ...loosening, changesTypes: false, title: 'default added to a required field', why: 'a sender may now omit the field, which old readers require' },
  'default-removed-required': { ...tightening, changesTypes: false, title: 'default removed from a required field', why: 'old senders may omit the field, relying on the default' },
  // Unions
  'union-member-added-open': { ...same('compatible'), changesTypes: true, title: 'member added to an open union', why: 'old readers treat it as an unknown member' },
  'union-member-removed-open': { request: 'source', response: 'compatible', record: 'source', changesTypes: true, title: 'member removed from an open union', why: 'the wire takes it as an unknown member, but old code sending it no longer compiles (its type is not in the union)' },
  'union-member-added-closed': { ...loosening, changesTypes: true, title: 'member added to a closed union', why: 'old readers reject the new member' },
  'union-member-removed-closed': { ...narrowing, changesTypes: true, title: 'member removed from a closed union', why: "old clients may send it; old code comparing a received member's `$type` with it no longer compiles" },
  'union-closed': { ...narrowing, changesTypes: true, title: 'union switched open → closed', why: "unknown members are now rejected; old code comparing a received member's `$type` with another no longer compiles" },
  'union-opened': { ...loosening, changesTypes: true, title: 'union switched closed → open', why: 'old readers reject unknown members' },
  // Text
  'description-changed': { ...same('docs'), changesTypes: false, title: 'description changed, added or removed', why: 'JSDoc only' },
  'doc-description-changed': { ...same('docs'), changesTypes: false, title: "the lexicon doc's own description changed, added or removed", why: "JSDoc and the doc's page only" },
  'order-changed': { ...same('docs'), changesTypes: false, title: 'the same defs, fields, union members, values or errors in another order', why: 'the generated code and docs list them in the new order; a type changes only where two defs\' names clash (the first keeps the plain name), which the compiler check finds' },
} as const satisfies Record<string, Rule>

export type ChangeKind = keyof typeof RULES

const RANK: Record<ChangeClass, number> = { breaking: 3, source: 2, compatible: 1, docs: 0 }

export function worse(a: ChangeClass, b: ChangeClass): ChangeClass {
  return RANK[a] >= RANK[b] ? a : b
}

export function atLeast(value: ChangeClass, level: ChangeClass): boolean {
  return RANK[value] >= RANK[level]
}

/**
 * The verdict for a change of `kind` at a schema reached from `sides`: the strictest of them.
 * A def that no method or record reaches cannot fail on the wire: a change to it is `source`
 * at worst, and only when it reshapes the generated types.
 */
export function classify(kind: ChangeKind, sides: readonly Side[]): ChangeClass {
  const rule: Rule = RULES[kind]
  if (sides.length === 0) {
    const strictest = SIDES.map((side) => rule[side]).reduce(worse)
    if (strictest === 'docs') return 'docs'
    return rule.changesTypes && atLeast(strictest, 'source') ? 'source' : 'compatible'
  }
  return sides.map((side) => rule[side]).reduce(worse)
}
