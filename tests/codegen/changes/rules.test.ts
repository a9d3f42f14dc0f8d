import { Lexicons, type LexiconDoc } from '@atproto/lexicon'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compareLexicons, RULES, type ChangeClass, type ChangeKind, type Side } from '../../../codegen/changes/index.js'
import { ROOT } from '../helpers.js'
import { baseDocs, compareEdit, lexiconSet, type Docs } from './support.js'

interface Row {
  /** What the edit does. */
  readonly name: string
  readonly edit: (docs: Docs) => void
  readonly kind: ChangeKind
  readonly class: ChangeClass
  readonly sides: readonly Side[]
  /** `nsid#def path` of the change, when the row pins it. */
  readonly at?: string
  /** Other non-docs changes the same edit causes, by kind. */
  readonly also?: readonly ChangeKind[]
  /** An edit made to both sides first, when the base set lacks what the row needs. */
  readonly base?: (docs: Docs) => void
}

/** A query with no params or output: all a row about names needs. */
const methodDoc = (id: string) => ({ lexicon: 1, id, defs: { main: { type: 'query' } } })
const defsDoc = (id: string) => ({ lexicon: 1, id, defs: { thing: { type: 'object', properties: { a: { type: 'string' } } } } })

// Shortcuts into the base set (see support.ts).
const params = (d: Docs) => d['ex.test.get']!.defs.main.parameters
const output = (d: Docs) => d['ex.test.get']!.defs.main.output.schema
const input = (d: Docs) => d['ex.test.send']!.defs.main.input.schema
const defs = (d: Docs) => d['ex.test.defs']!.defs
const record = (d: Docs) => d['ex.test.post']!.defs.main

const rows: Row[] = [
  // params (request)
  { name: 'param: required field added', edit: (d) => ((params(d).properties.q = { type: 'string' }), params(d).required.push('q')), kind: 'field-added-required', class: 'breaking', sides: ['request'], at: 'ex.test.get#main parameters.q' },
  { name: 'param: optional field added', edit: (d) => (params(d).properties.q = { type: 'string' }), kind: 'field-added-optional', class: 'compatible', sides: ['request'] },
  { name: 'param: optional field removed', edit: (d) => delete params(d).properties.cursor, kind: 'field-removed-optional', class: 'source', sides: ['request'] },
  { name: 'param: required field removed (a server ignores it)', edit: (d) => (delete params(d).properties.limit, (params(d).required = [])), kind: 'field-removed-required', class: 'source', sides: ['request'] },
  { name: 'param: optional made required', edit: (d) => params(d).required.push('cursor'), kind: 'field-made-required', class: 'breaking', sides: ['request'] },
  // A required field with a default: validators fill it in where old senders leave it out, so only the types change.
  { name: 'param: optional made required, with a default', edit: (d) => ((params(d).properties.flag.default = false), params(d).required.push('flag')), kind: 'field-made-required-default', class: 'source', sides: ['request'], at: 'ex.test.get#main parameters.flag', also: ['default-changed'] },
  { name: 'input: required field with a default added', edit: (d) => ((input(d).properties.prio = { type: 'integer', default: 3 }), input(d).required.push('prio')), kind: 'field-added-required-default', class: 'source', sides: ['request'], at: 'ex.test.send#main input.prio' },
  { name: 'input: required field added, a ref to a def with a default', edit: (d) => ((defs(d).prio = { type: 'integer', default: 3 }), (input(d).properties.prio = { type: 'ref', ref: 'ex.test.defs#prio' }), input(d).required.push('prio')), kind: 'field-added-required-default', class: 'source', sides: ['request'], also: ['def-added'] },
  { name: 'record: required field with a default added', edit: (d) => ((record(d).record.properties.lang = { type: 'string', default: 'en' }), record(d).record.required.push('lang')), kind: 'field-added-required-default', class: 'source', sides: ['record'] },
  { name: 'output: required field with a default added', edit: (d) => ((output(d).properties.total = { type: 'integer', default: 0 }), output(d).required.push('total')), kind: 'field-added-required-default', class: 'compatible', sides: ['response'] },
  { name: 'output: optional made required, with a default (a server may still omit it; old readers take it either way)', edit: (d) => ((output(d).properties.cursor.default = ''), output(d).required.push('cursor')), kind: 'field-made-required-default', class: 'compatible', sides: ['response'], also: ['default-changed'] },
  // The functions take params before the call options only once a method has one: old calls passing options now pass them as params.
  { name: 'param: first param of a method that had none', edit: (d) => (d['ex.test.send']!.defs.main.parameters = { type: 'params', properties: { dryRun: { type: 'boolean' } } }), kind: 'params-added', class: 'source', sides: ['request'], at: 'ex.test.send#main parameters', also: ['field-added-optional'] },
  { name: 'param: required made optional', edit: (d) => (params(d).required = []), kind: 'field-made-optional', class: 'compatible', sides: ['request'] },
  { name: 'param: maximum lowered', edit: (d) => (params(d).properties.limit.maximum = 50), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'param: maximum raised', edit: (d) => (params(d).properties.limit.maximum = 500), kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'param: minimum raised', edit: (d) => (params(d).properties.limit.minimum = 10), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'param: minimum removed', edit: (d) => delete params(d).properties.limit.minimum, kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'param: minimum lowered', edit: (d) => (params(d).properties.limit.minimum = 0), kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'param: maximum removed', edit: (d) => delete params(d).properties.limit.maximum, kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'param: default changed', edit: (d) => (params(d).properties.limit.default = 25), kind: 'default-changed', class: 'compatible', sides: ['request'] },
  { name: 'param: default removed from a required field (old callers may omit it)', edit: (d) => delete params(d).properties.limit.default, kind: 'default-removed-required', class: 'breaking', sides: ['request'], at: 'ex.test.get#main parameters.limit' },
  { name: 'input: default added to a required field', edit: (d) => (input(d).properties.kind.default = 'a'), kind: 'default-added-required', class: 'compatible', sides: ['request'] },
  { name: 'output: default added to a required field (a server may omit it)', edit: (d) => (d['ex.test.send']!.defs.main.output.schema.properties.id.default = 'x'), kind: 'default-added-required', class: 'breaking', sides: ['response'], at: 'ex.test.send#main output.id' },
  { name: 'record: default added to a required field', edit: (d) => (record(d).record.properties.text.default = 'x'), kind: 'default-added-required', class: 'breaking', sides: ['record'] },
  { name: 'param: boolean → string (the query text old clients send still passes)', edit: (d) => (params(d).properties.flag = { type: 'string' }), kind: 'param-type-widened', class: 'source', sides: ['request'], at: 'ex.test.get#main parameters.flag' },
  { name: 'param: required integer with a default → string without one (old clients may omit it)', edit: (d) => (params(d).properties.limit = { type: 'string' }), kind: 'param-type-widened', class: 'source', sides: ['request'], also: ['default-removed-required'] },
  { name: 'param: integer → string with a format (old values fail it)', edit: (d) => (params(d).properties.limit = { type: 'string', format: 'did', default: 'did:a:b' }), kind: 'type-changed', class: 'breaking', sides: ['request'] },
  { name: 'param: string → integer (old clients send any text)', base: (d) => (params(d).properties.cursor = { type: 'string' }), edit: (d) => (params(d).properties.cursor = { type: 'integer' }), kind: 'type-changed', class: 'breaking', sides: ['request'] },
  { name: 'def: integer → string in a field named parameters (JSON, not a query: old clients send a number)', base: (d) => ((defs(d).settings = { type: 'object', properties: { parameters: { type: 'object', properties: { limit: { type: 'integer' } } } } }), (input(d).properties.settings = { type: 'ref', ref: 'ex.test.defs#settings' })), edit: (d) => (defs(d).settings.properties.parameters.properties.limit = { type: 'string' }), kind: 'type-changed', class: 'breaking', sides: ['request'], at: 'ex.test.defs#settings parameters.limit' },
  { name: 'param: boolean gets a const', edit: (d) => (params(d).properties.flag.const = false), kind: 'const-added', class: 'breaking', sides: ['request'] },
  // input (request)
  { name: 'input: maxLength lowered', edit: (d) => (input(d).properties.text.maxLength = 100), kind: 'constraint-tightened', class: 'breaking', sides: ['request'], at: 'ex.test.send#main input.text' },
  { name: 'input: maxLength raised', edit: (d) => (input(d).properties.text.maxLength = 3000), kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: maxGraphemes lowered', edit: (d) => (input(d).properties.text.maxGraphemes = 10), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: maxGraphemes removed', edit: (d) => delete input(d).properties.text.maxGraphemes, kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: minLength raised', edit: (d) => (input(d).properties.text.minLength = 5), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: minLength lowered', edit: (d) => (input(d).properties.text.minLength = 0), kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: minGraphemes raised', edit: (d) => (input(d).properties.text.minGraphemes = 2), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: minGraphemes removed', edit: (d) => delete input(d).properties.text.minGraphemes, kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: maxLength added to a free string', edit: (d) => (input(d).properties.note.maxLength = 64), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: array maxLength lowered', edit: (d) => (input(d).properties.tags.maxLength = 2), kind: 'constraint-tightened', class: 'breaking', sides: ['request'], at: 'ex.test.send#main input.tags' },
  { name: 'input: array maxLength raised', edit: (d) => (input(d).properties.tags.maxLength = 50), kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: array minLength raised', edit: (d) => (input(d).properties.tags.minLength = 1), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: array minLength removed', edit: (d) => delete input(d).properties.tags.minLength, kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: bytes maxLength raised', edit: (d) => (input(d).properties.raw.maxLength = 128), kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: bytes maxLength lowered', edit: (d) => (input(d).properties.raw.maxLength = 32), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: bytes minLength raised', edit: (d) => (input(d).properties.raw.minLength = 8), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: bytes minLength removed', edit: (d) => delete input(d).properties.raw.minLength, kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: blob maxSize lowered', edit: (d) => (input(d).properties.picture.maxSize = 10), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: blob maxSize raised', edit: (d) => (input(d).properties.picture.maxSize = 10_000), kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: blob accept dropped (anything goes)', edit: (d) => delete input(d).properties.picture.accept, kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: blob accept narrowed', edit: (d) => (input(d).properties.picture.accept = ['image/png']), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: blob accept widened to a wildcard', edit: (d) => (input(d).properties.picture.accept = ['image/*']), kind: 'constraint-loosened', class: 'compatible', sides: ['request'] },
  { name: 'input: blob accept replaced', edit: (d) => (input(d).properties.picture.accept = ['video/mp4']), kind: 'constraint-changed', class: 'breaking', sides: ['request'] },
  { name: 'input: enum value added', edit: (d) => input(d).properties.kind.enum.push('c'), kind: 'enum-value-added', class: 'compatible', sides: ['request'] },
  { name: 'input: enum value removed', edit: (d) => (input(d).properties.kind.enum = ['a']), kind: 'enum-value-removed', class: 'breaking', sides: ['request'] },
  { name: 'input: integer enum value removed', edit: (d) => (input(d).properties.count.enum = [1, 2]), kind: 'enum-value-removed', class: 'breaking', sides: ['request'] },
  { name: 'input: enum added to a free string', edit: (d) => (input(d).properties.note.enum = ['n']), kind: 'enum-added', class: 'breaking', sides: ['request'] },
  { name: 'input: enum dropped', edit: (d) => delete input(d).properties.kind.enum, kind: 'enum-removed', class: 'compatible', sides: ['request'] },
  { name: 'input: const changed', edit: (d) => (input(d).properties.fixed.const = false), kind: 'const-changed', class: 'breaking', sides: ['request'] },
  { name: 'input: const dropped', edit: (d) => delete input(d).properties.fixed.const, kind: 'const-removed', class: 'compatible', sides: ['request'] },
  { name: 'input: format added', edit: (d) => (input(d).properties.note.format = 'did'), kind: 'format-added', class: 'breaking', sides: ['request'] },
  { name: 'input: format changed', edit: (d) => (input(d).properties.author.format = 'datetime'), kind: 'format-changed', class: 'breaking', sides: ['request'] },
  { name: 'input: format narrowed (uri → at-uri)', edit: (d) => (input(d).properties.site.format = 'at-uri'), kind: 'format-narrowed', class: 'breaking', sides: ['request'] },
  { name: 'input: format did replaced by maxLength 2048, the longest a DID may be (upstream getServiceAuth#aud)', edit: (d) => (delete input(d).properties.author.format, (input(d).properties.author.maxLength = 2048)), kind: 'constraint-within-format', class: 'compatible', sides: ['request'], also: ['format-removed'] },
  { name: 'input: minLength 1 added to a did, which is never shorter than 7', edit: (d) => (input(d).properties.author.minLength = 1), kind: 'constraint-within-format', class: 'compatible', sides: ['request'] },
  { name: 'input: minGraphemes 20 added to a datetime, as long as the shortest one', base: (d) => (input(d).properties.author.format = 'datetime'), edit: (d) => (input(d).properties.author.minGraphemes = 20), kind: 'constraint-within-format', class: 'compatible', sides: ['request'] },
  { name: 'input: minLength 8 added to a did, longer than the shortest DID', edit: (d) => (input(d).properties.author.minLength = 8), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'output def: minLength 1 dropped from a did (no DID is empty)', base: (d) => (defs(d).view.properties.by.minLength = 1), edit: (d) => delete defs(d).view.properties.by.minLength, kind: 'constraint-within-format', class: 'compatible', sides: ['response'] },
  { name: 'output def: minLength 10 dropped from a did (a DID may be shorter)', base: (d) => (defs(d).view.properties.by.minLength = 10), edit: (d) => delete defs(d).view.properties.by.minLength, kind: 'constraint-loosened', class: 'breaking', sides: ['response'] },
  { name: 'input: maxLength 100 added to a did, shorter than a DID may be', edit: (d) => (input(d).properties.author.maxLength = 100), kind: 'constraint-tightened', class: 'breaking', sides: ['request'] },
  { name: 'input: format widened (did → at-identifier): every DID is one', edit: (d) => (input(d).properties.author.format = 'at-identifier'), kind: 'format-widened', class: 'compatible', sides: ['request'] },
  { name: 'input: format widened (did → uri): a DID is a URI', edit: (d) => (input(d).properties.author.format = 'uri'), kind: 'format-widened', class: 'compatible', sides: ['request'] },
  { name: 'output def: format widened (did → at-identifier)', edit: (d) => (defs(d).view.properties.by.format = 'at-identifier'), kind: 'format-widened', class: 'breaking', sides: ['response'] },
  { name: 'output def: format narrowed (uri → at-uri)', edit: (d) => (defs(d).view.properties.home.format = 'at-uri'), kind: 'format-narrowed', class: 'compatible', sides: ['response'] },
  { name: 'input: format removed', edit: (d) => delete input(d).properties.site.format, kind: 'format-removed', class: 'compatible', sides: ['request'] },
  { name: 'input: knownValues entry added', edit: (d) => input(d).properties.mode.knownValues.push('z'), kind: 'known-value-added', class: 'compatible', sides: ['request'] },
  { name: 'input: knownValues entry removed', edit: (d) => (input(d).properties.mode.knownValues = ['x']), kind: 'known-value-removed', class: 'compatible', sides: ['request'] },
  { name: 'input: open union member added', edit: (d) => ((defs(d).video = { type: 'object', properties: { cid: { type: 'string' } } }), input(d).properties.embed.refs.push('ex.test.defs#video')), kind: 'union-member-added-open', class: 'compatible', sides: ['request'], also: ['def-added'] },
  { name: 'input: open union member removed', edit: (d) => (input(d).properties.embed.refs = ['ex.test.defs#image']), kind: 'union-member-removed-open', class: 'source', sides: ['request'] },
  { name: 'input: open union closed', edit: (d) => (input(d).properties.embed.closed = true), kind: 'union-closed', class: 'breaking', sides: ['request'] },
  { name: 'input: required field removed', edit: (d) => (delete input(d).properties.text, (input(d).required = ['kind'])), kind: 'field-removed-required', class: 'source', sides: ['request'] },
  { name: 'input: field made nullable', edit: (d) => (input(d).nullable = ['note']), kind: 'field-made-nullable', class: 'compatible', sides: ['request'] },
  { name: 'input: field type changed', edit: (d) => (input(d).properties.note = { type: 'integer' }), kind: 'type-changed', class: 'breaking', sides: ['request'] },
  { name: 'input: encoding changed', edit: (d) => (d['ex.test.send']!.defs.main.input.encoding = 'application/cbor'), kind: 'encoding-changed', class: 'breaking', sides: ['request'] },
  { name: 'input: body added to a procedure without one', edit: (d) => (d['ex.test.act']!.defs.main.input = { encoding: 'application/json', schema: { type: 'object', properties: {} } }), kind: 'input-added', class: 'breaking', sides: ['request'] },
  { name: 'input: body removed', edit: (d) => delete d['ex.test.send']!.defs.main.input, kind: 'input-removed', class: 'breaking', sides: ['request'] },
  { name: 'input: schema-less body gains a schema', edit: (d) => (d['ex.test.ping']!.defs.main.input.schema = { type: 'object', properties: {} }), kind: 'body-schema-added', class: 'breaking', sides: ['request'] },
  // output and errors (response)
  { name: 'output: required field removed', edit: (d) => (delete output(d).properties.items, (output(d).required = [])), kind: 'field-removed-required', class: 'breaking', sides: ['response'], at: 'ex.test.get#main output.items' },
  { name: 'output: required field made optional', edit: (d) => (output(d).required = []), kind: 'field-made-optional', class: 'breaking', sides: ['response'] },
  { name: 'output: optional field made required', edit: (d) => output(d).required.push('cursor'), kind: 'field-made-required', class: 'compatible', sides: ['response'] },
  { name: 'output: required field added', edit: (d) => ((output(d).properties.total = { type: 'integer' }), output(d).required.push('total')), kind: 'field-added-required', class: 'compatible', sides: ['response'] },
  { name: 'output: optional field removed', edit: (d) => delete output(d).properties.cursor, kind: 'field-removed-optional', class: 'source', sides: ['response'] },
  { name: 'output: field made nullable', edit: (d) => (output(d).nullable = ['cursor']), kind: 'field-made-nullable', class: 'breaking', sides: ['response'] },
  { name: 'output def: field no longer nullable', edit: (d) => (defs(d).view.nullable = []), kind: 'field-made-non-nullable', class: 'compatible', sides: ['response'], at: 'ex.test.defs#view note' },
  { name: 'output def: maxLength raised', edit: (d) => (defs(d).view.properties.text.maxLength = 3000), kind: 'constraint-loosened', class: 'breaking', sides: ['response'], at: 'ex.test.defs#view text' },
  { name: 'output def: maxLength lowered', edit: (d) => (defs(d).view.properties.text.maxLength = 30), kind: 'constraint-tightened', class: 'compatible', sides: ['response'] },
  { name: 'output def: enum value added', edit: (d) => defs(d).view.properties.status.enum.push('archived'), kind: 'enum-value-added', class: 'breaking', sides: ['response'] },
  // A closed set narrowed in a response: the wire takes it, but old code comparing with a value that is gone no longer compiles.
  { name: 'output def: enum value removed', edit: (d) => (defs(d).view.properties.status.enum = ['open']), kind: 'enum-value-removed', class: 'source', sides: ['response'] },
  { name: 'output def: enum added to a free string', edit: (d) => (defs(d).view.properties.id.enum = ['x', 'y']), kind: 'enum-added', class: 'source', sides: ['response'] },
  { name: 'output def: const added', edit: (d) => (defs(d).view.properties.note.const = 'x'), kind: 'const-added', class: 'source', sides: ['response'] },
  { name: 'output def: closed union member added', edit: (d) => ((defs(d).video = { type: 'object', properties: { cid: { type: 'string' } } }), defs(d).view.properties.embed.refs.push('#video')), kind: 'union-member-added-closed', class: 'breaking', sides: ['response'], also: ['def-added'] },
  { name: 'output def: closed union member removed', edit: (d) => (defs(d).view.properties.embed.refs = ['#image']), kind: 'union-member-removed-closed', class: 'source', sides: ['response'] },
  { name: 'output def: closed union opened', edit: (d) => delete defs(d).view.properties.embed.closed, kind: 'union-opened', class: 'breaking', sides: ['response'] },
  { name: 'output: encoding changed', edit: (d) => (d['ex.test.get']!.defs.main.output.encoding = 'application/cbor'), kind: 'encoding-changed', class: 'breaking', sides: ['response'] },
  { name: 'output: body added', edit: (d) => (d['ex.test.act']!.defs.main.output = { encoding: 'application/json' }), kind: 'output-added', class: 'compatible', sides: ['response'] },
  { name: 'output: body removed', edit: (d) => delete d['ex.test.send']!.defs.main.output, kind: 'output-removed', class: 'breaking', sides: ['response'] },
  { name: 'output: schema dropped from the body', edit: (d) => delete d['ex.test.send']!.defs.main.output.schema, kind: 'body-schema-removed', class: 'breaking', sides: ['response'] },
  { name: 'output: schema added to a schema-less body', edit: (d) => (d['ex.test.ping']!.defs.main.output.schema = { type: 'object', properties: {} }), kind: 'body-schema-added', class: 'compatible', sides: ['response'] },
  { name: 'errors: declared error added', edit: (d) => d['ex.test.get']!.defs.main.errors.push({ name: 'Gone' }), kind: 'error-added', class: 'compatible', sides: ['response'] },
  { name: 'errors: declared error removed', edit: (d) => (d['ex.test.get']!.defs.main.errors = []), kind: 'error-removed', class: 'source', sides: ['response'] },
  // records (read and written)
  { name: 'record: required field added', edit: (d) => ((record(d).record.properties.lang = { type: 'string' }), record(d).record.required.push('lang')), kind: 'field-added-required', class: 'breaking', sides: ['record'], at: 'ex.test.post#main lang' },
  { name: 'record: optional field added', edit: (d) => (record(d).record.properties.lang = { type: 'string' }), kind: 'field-added-optional', class: 'compatible', sides: ['record'] },
  { name: 'record: maxLength lowered', edit: (d) => (record(d).record.properties.text.maxLength = 30), kind: 'constraint-tightened', class: 'breaking', sides: ['record'] },
  { name: 'record: maxLength raised', edit: (d) => (record(d).record.properties.text.maxLength = 3000), kind: 'constraint-loosened', class: 'breaking', sides: ['record'] },
  { name: 'record: required made optional', edit: (d) => (record(d).record.required = ['text']), kind: 'field-made-optional', class: 'breaking', sides: ['record'] },
  { name: 'record: key type changed', edit: (d) => (record(d).key = 'any'), kind: 'record-key-changed', class: 'breaking', sides: ['record'] },
  // a def shared by a request and a response: the stricter verdict
  { name: 'shared def: limit lowered (request breaks)', edit: (d) => (defs(d).shared.properties.name.maxLength = 5), kind: 'constraint-tightened', class: 'breaking', sides: ['request', 'response'], at: 'ex.test.defs#shared name' },
  { name: 'shared def: limit raised (response breaks)', edit: (d) => (defs(d).shared.properties.name.maxLength = 50), kind: 'constraint-loosened', class: 'breaking', sides: ['request', 'response'] },
  { name: 'shared def: optional field added', edit: (d) => (defs(d).shared.properties.extra = { type: 'string' }), kind: 'field-added-optional', class: 'compatible', sides: ['request', 'response'] },
  // defs, tokens and refs
  { name: 'def added', edit: (d) => (defs(d).extra = { type: 'object', properties: { z: { type: 'string' } } }), kind: 'def-added', class: 'compatible', sides: [] },
  { name: 'def removed (unreferenced)', edit: (d) => delete defs(d).spare, kind: 'def-removed', class: 'source', sides: [], at: 'ex.test.defs#spare ' },
  { name: 'def renamed (same schema)', edit: (d) => ((defs(d).spareParts = defs(d).spare), delete defs(d).spare), kind: 'def-renamed', class: 'source', sides: [], also: ['def-added'] },
  { name: 'def moved to another doc (same schema)', edit: (d) => ((d['ex.test.more'] = { lexicon: 1, id: 'ex.test.more', defs: { spare: defs(d).spare } }), delete defs(d).spare), kind: 'def-moved', class: 'source', sides: [], also: ['doc-added'] },
  { name: 'def changes type', edit: (d) => (defs(d).spare = { type: 'string' }), kind: 'def-type-changed', class: 'source', sides: [] },
  { name: 'token added', edit: (d) => (defs(d).flagged = { type: 'token', description: 'Flagged.' }), kind: 'def-added', class: 'compatible', sides: [] },
  { name: 'token removed', edit: (d) => delete defs(d).mark, kind: 'def-removed', class: 'source', sides: [] },
  { name: 'token made an object (now referenced, but old clients never meet it)', edit: (d) => ((defs(d).mark = { type: 'object', properties: {} }), (defs(d).view.properties.mark = { type: 'ref', ref: '#mark' })), kind: 'def-type-changed', class: 'source', sides: [], also: ['field-added-optional'] },
  { name: 'def reached by a request and a response changes type', edit: (d) => (defs(d).shared = { type: 'string' }), kind: 'def-type-changed', class: 'breaking', sides: ['request', 'response'] },
  { name: 'ref moved to an identical def in another doc', edit: (d) => ((d['ex.test.more'] = { lexicon: 1, id: 'ex.test.more', defs: { shared: structuredClone(defs(d).shared) } }), (input(d).properties.shared.ref = 'ex.test.more#shared')), kind: 'ref-object-changed', class: 'source', sides: ['request'], also: ['doc-added'] },
  { name: 'ref retargeted to an identical object def in the same doc (its generated type is another)', edit: (d) => ((defs(d).view2 = structuredClone(defs(d).view)), (output(d).properties.items.items.ref = 'ex.test.defs#view2')), kind: 'ref-object-changed', class: 'source', sides: ['response'], at: 'ex.test.get#main output.items[]', also: ['def-added'] },
  { name: 'ref retargeted away from a def that then changes: nothing sends the old def where it went (the new target is judged at the ref)', edit: (d) => ((defs(d).view2 = structuredClone(defs(d).view)), (output(d).properties.items.items.ref = 'ex.test.defs#view2'), (defs(d).view.properties.text.maxLength = 3000)), kind: 'constraint-loosened', class: 'compatible', sides: [], at: 'ex.test.defs#view text', also: ['ref-object-changed', 'def-added'] },
  { name: 'ref retargeted to a different def', edit: (d) => (input(d).properties.shared.ref = 'ex.test.defs#image'), kind: 'ref-object-changed', class: 'source', sides: ['request'], also: ['field-added-required', 'field-removed-required'] },
  { name: 'inline schema replaced by a ref to the same schema', edit: (d) => ((defs(d).text = { type: 'string', maxLength: 300 }), (defs(d).view.properties.text = { type: 'ref', ref: '#text' })), kind: 'ref-target-changed', class: 'compatible', sides: ['response'], also: ['def-added'] },
  // methods and docs
  { name: 'method added', edit: (d) => (d['ex.test.list'] = { lexicon: 1, id: 'ex.test.list', defs: { main: { type: 'query' } } }), kind: 'method-added', class: 'compatible', sides: ['request'] },
  { name: 'method removed', edit: (d) => delete d['ex.test.act'], kind: 'method-removed', class: 'breaking', sides: ['request'] },
  { name: 'procedure became a query', edit: (d) => (d['ex.test.act']!.defs.main.type = 'query'), kind: 'method-type-changed', class: 'breaking', sides: ['request'] },
  { name: 'doc added', edit: (d) => (d['ex.test.more'] = { lexicon: 1, id: 'ex.test.more', defs: { thing: { type: 'object', properties: {} } } }), kind: 'doc-added', class: 'compatible', sides: [] },
  { name: 'doc removed', edit: (d) => delete d['ex.test.misc'], kind: 'doc-removed', class: 'source', sides: [] },
  // subscriptions: params are the request, messages the response
  { name: 'stream: required param added', edit: (d) => (d['ex.test.stream']!.defs.main.parameters.required = ['cursor']), kind: 'field-made-required', class: 'breaking', sides: ['request'] },
  { name: 'stream message: required field made optional', edit: (d) => (d['ex.test.stream']!.defs.event.required = []), kind: 'field-made-optional', class: 'breaking', sides: ['response'], at: 'ex.test.stream#event seq' },
  { name: 'stream message: union closed', edit: (d) => (d['ex.test.stream']!.defs.main.message.schema.closed = true), kind: 'union-closed', class: 'source', sides: ['response'] },
  { name: 'stream message: union member added', edit: (d) => ((d['ex.test.stream']!.defs.info = { type: 'object', properties: {} }), d['ex.test.stream']!.defs.main.message.schema.refs.push('#info')), kind: 'union-member-added-open', class: 'compatible', sides: ['response'], also: ['def-added'] },
  // text only
  // Names the index exports: `ex.test.find.x` camel-cases as `ex.test.findX` does and sorts first, so it takes its names.
  { name: 'a doc named alike takes a method doc\'s names', base: (d) => (d['ex.test.findX'] = methodDoc('ex.test.findX')), edit: (d) => (d['ex.test.find.x'] = methodDoc('ex.test.find.x')), kind: 'function-rebound', class: 'breaking', sides: ['request'], at: 'ex.test.findX#main ', also: ['method-added', 'export-renamed'] },
  { name: 'a doc named alike takes a defs doc\'s namespace', base: (d) => (d['ex.test.xDefs'] = defsDoc('ex.test.xDefs')), edit: (d) => (d['ex.test.x.defs'] = defsDoc('ex.test.x.defs')), kind: 'export-renamed', class: 'source', sides: [], at: 'ex.test.xDefs#main ', also: ['doc-added'] },
  { name: 'description changed', edit: (d) => (d['ex.test.send']!.defs.main.description = 'Sends a thing, now better.'), kind: 'description-changed', class: 'docs', sides: ['request'] },
  { name: 'field description added', edit: (d) => (defs(d).view.properties.text.description = 'The text.'), kind: 'description-changed', class: 'docs', sides: ['response'] },
  { name: "the doc's own description changed (it heads the module's JSDoc)", edit: (d) => (d['ex.test.defs']!.description = 'Shared defs, described.'), kind: 'doc-description-changed', class: 'docs', sides: ['request', 'response'], at: 'ex.test.defs# ' },
  // order only: the generated code and docs follow it, so a report above their diff must not read "no changes"
  { name: 'fields in another order', edit: (d) => (defs(d).view.properties = Object.fromEntries(Object.entries(defs(d).view.properties).reverse())), kind: 'order-changed', class: 'docs', sides: ['response'], at: 'ex.test.defs#view ' },
  { name: 'union members in another order', edit: (d) => defs(d).view.properties.embed.refs.reverse(), kind: 'order-changed', class: 'docs', sides: ['response'], at: 'ex.test.defs#view embed' },
  { name: 'union members in another order, one written in full', edit: (d) => (defs(d).view.properties.embed.refs = ['ex.test.defs#link', '#image']), kind: 'order-changed', class: 'docs', sides: ['response'], at: 'ex.test.defs#view embed' },
  { name: "a method's errors in another order", base: (d) => d['ex.test.get']!.defs.main.errors.push({ name: 'Gone' }), edit: (d) => d['ex.test.get']!.defs.main.errors.reverse(), kind: 'order-changed', class: 'docs', sides: ['response'], at: 'ex.test.get#main ' },
  { name: 'defs in another order', edit: (d) => (d['ex.test.defs']!.defs = Object.fromEntries(Object.entries(defs(d)).reverse())), kind: 'order-changed', class: 'docs', sides: ['request', 'response'], at: 'ex.test.defs# ' },
]

describe('lexgen diff rules: one minimal edit per row, with its class and side', () => {
  it('the README carries the rule table as the code has it', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
    const table = [
      '| kind | change | request | response | record | why |',
      '| --- | --- | --- | --- | --- | --- |',
      ...Object.entries(RULES).map(([kind, r]) => `| \`${kind}\` | ${r.title} | ${r.request} | ${r.response} | ${r.record} | ${r.why} |`),
    ].join('\n')
    expect(readme).toContain(table)
  })

  it('order that no output follows is no change: a schema\'s own keys, `nullable`, a ref written in full', async () => {
    const report = await compareEdit((d) => {
      const view = defs(d).view
      defs(d).view = Object.fromEntries(Object.entries(view).reverse())
      view.properties.text = Object.fromEntries(Object.entries(view.properties.text).reverse())
      defs(d).view.nullable = [...view.nullable, 'text'].reverse()
      d['ex.test.get']!.defs.main.output.schema.properties.items.items.ref = 'ex.test.defs#view'
    }, { base: (d) => defs(d).view.nullable.push('text') })
    expect(report.changes.filter((c) => c.kind !== 'ref-target-changed' && c.kind !== 'ref-object-changed')).toEqual([])
  })

  it("a key a schema's type does not define is no change: @atproto/lexicon, servers and the generated code ignore it", async () => {
    const report = await compareEdit((d) => {
      const params = d['ex.test.get']!.defs.main.parameters
      params.nullable = ['cursor']
      params.properties.flag.enum = [true]
      params.properties.limit.maxLength = 3
      defs(d).view.properties.text.minimum = 1
    })
    expect(report.changes).toEqual([])
  })

  it('covers every kind of the rule table', () => {
    expect([...new Set(rows.map((row) => row.kind))].sort()).toEqual(Object.keys(RULES).sort())
    expect(rows.length).toBeGreaterThanOrEqual(40)
  })

  it.each(rows)('$name → $kind, $class', async (row) => {
    const report = await compareEdit(row.edit, { base: row.base })
    const relevant = report.changes.filter((c) => row.class === 'docs' || c.class !== 'docs')
    const found = relevant.find((c) => c.kind === row.kind)
    expect(found, `changes: ${JSON.stringify(relevant.map((c) => [c.kind, c.nsid, c.def, c.path]))}`).toBeDefined()
    expect({ kind: found!.kind, class: found!.class, sides: found!.sides }).toEqual({ kind: row.kind, class: row.class, sides: row.sides })
    if (row.at) expect(`${found!.nsid}#${found!.def} ${found!.path}`).toBe(row.at)
    expect(relevant.map((c) => c.kind).sort()).toEqual([row.kind, ...(row.also ?? [])].sort())
  })

  it('a def a ref is retargeted to is judged at the ref, where old readers meet it, not by where the new side reaches it', async () => {
    const report = await compareEdit((d) => ((output(d).properties.items.items.ref = 'ex.test.defs#other'), (defs(d).other.properties.text.maxLength = 3000)), {
      base: (d) => (defs(d).other = structuredClone(defs(d).view)),
    })
    const loosened = report.changes.filter((c) => c.kind === 'constraint-loosened').map((c) => [`${c.nsid}#${c.def} ${c.path}`, c.class, c.sides])
    expect(loosened).toEqual([
      ['ex.test.defs#other text', 'compatible', []],
      ['ex.test.get#main output.items[].text', 'breaking', ['response']],
    ])
  })

  it("a required field's default reached through a ref is judged where the field is required: removed from the def, or lost to a retargeted ref, breaks old senders", async () => {
    // The def compared on its own is no required field: its default changing was called compatible alone.
    const base = (d: Docs) => {
      defs(d).mode = { type: 'string', default: 'x' }
      defs(d).plain = { type: 'string' }
      input(d).properties.m = { type: 'ref', ref: 'ex.test.defs#mode' }
      input(d).required.push('m')
    }
    const edits: [string, (d: Docs) => void, string][] = [
      ['default removed from the def', (d) => delete defs(d).mode.default, 'default-removed-required'],
      ['ref retargeted to a def without one', (d) => (input(d).properties.m.ref = 'ex.test.defs#plain'), 'default-removed-required'],
      ['inline schema with the default put in place of the ref', (d) => (input(d).properties.m = { type: 'string' }), 'default-removed-required'],
    ]
    for (const [name, edit, kind] of edits) {
      const report = await compareEdit(edit, { base })
      expect(report.changes.find((c) => c.path === 'input.m' && c.kind === kind), name).toMatchObject({ class: 'breaking', sides: ['request'] })
    }
    // Added through the ref, on a response: old readers may now miss the field.
    const added = await compareEdit((d) => (defs(d).plain.default = 'y'), { base: (d) => (base(d), (output(d).properties.p = { type: 'ref', ref: 'ex.test.defs#plain' }), output(d).required.push('p')) })
    expect(added.changes.find((c) => c.path === 'output.p')).toMatchObject({ kind: 'default-added-required', class: 'breaking', sides: ['response'] })
  })

  it('inline objects replaced by refs to one def are each compared with it: a limit loosened in the seventeenth, or in a nested one, is found', async () => {
    // The comparisons were keyed by their texts ("inline object ref #item"): the 17th was taken for one done, and a nested one for a cycle.
    const inline = (maxLength: number) => ({ type: 'object', properties: { v: { type: 'string', maxLength } } })
    const base = (d: Docs) => {
      defs(d).item = { type: 'object', properties: { v: { type: 'string', maxLength: 100 }, child: { type: 'ref', ref: '#item' } } }
      for (let i = 0; i < 17; i++) output(d).properties[`a${i}`] = inline(i === 16 ? 5 : 100)
      output(d).properties.tree = { type: 'object', properties: { v: { type: 'string', maxLength: 100 }, child: inline(10) } }
    }
    const report = await compareEdit((d) => {
      for (let i = 0; i < 17; i++) output(d).properties[`a${i}`] = { type: 'ref', ref: 'ex.test.defs#item' }
      output(d).properties.tree = { type: 'ref', ref: 'ex.test.defs#item' }
    }, { base })
    const loosened = report.changes.filter((c) => c.kind === 'constraint-loosened').map((c) => [c.path, c.class])
    expect(loosened).toEqual([['output.a16.v', 'breaking'], ['output.tree.child.v', 'breaking']])
  })

  it('a required field with a default asks nothing of old senders: @atproto/lexicon on the new lexicons takes what they send', async () => {
    const edited = (withDefaults: boolean) => {
      const d = baseDocs()
      if (withDefaults) params(d).properties.flag.default = false
      params(d).required.push('flag')
      input(d).properties.prio = { type: 'integer', ...(withDefaults ? { default: 3 } : {}) }
      input(d).required.push('prio')
      record(d).record.properties.lang = { type: 'string', ...(withDefaults ? { default: 'en' } : {}) }
      record(d).record.required.push('lang')
      return d
    }
    // What old clients send: no flag, no prio, no lang.
    const oldParams = { limit: 50 }
    const oldInput = { text: 'hi', kind: 'a' }
    const oldRecord = { $type: 'ex.test.post', text: 'hi', createdAt: '2025-01-01T00:00:00.000Z' }
    const filled = new Lexicons(Object.values(edited(true)) as LexiconDoc[])
    expect(filled.assertValidXrpcParams('ex.test.get', oldParams)).toMatchObject({ flag: false })
    expect(filled.assertValidXrpcInput('ex.test.send', oldInput)).toMatchObject({ prio: 3 })
    expect(filled.assertValidRecord('ex.test.post', oldRecord)).toMatchObject({ lang: 'en' })
    const report = await compareEdit((d) => Object.assign(d, edited(true)))
    expect(report.changes.filter((c) => c.class !== 'docs').map((c) => [c.kind, c.class]).sort()).toEqual([
      ['default-changed', 'compatible'],
      ['field-added-required-default', 'source'],
      ['field-added-required-default', 'source'],
      ['field-made-required-default', 'source'],
    ])
    // Without the defaults the same requests fail: breaking.
    const strict = new Lexicons(Object.values(edited(false)) as LexiconDoc[])
    expect(() => strict.assertValidXrpcParams('ex.test.get', oldParams)).toThrow(/flag/)
    expect(() => strict.assertValidXrpcInput('ex.test.send', oldInput)).toThrow(/prio/)
    expect(() => strict.assertValidRecord('ex.test.post', oldRecord)).toThrow(/lang/)
    const breaking = await compareEdit((d) => Object.assign(d, edited(false)))
    expect(breaking.changes.filter((c) => c.class !== 'docs').map((c) => [c.kind, c.class]).sort()).toEqual([
      ['field-added-required', 'breaking'],
      ['field-added-required', 'breaking'],
      ['field-made-required', 'breaking'],
    ])
  })

  it('stays bounded on refs built to branch: each retargeted pair is followed at a bounded number of places', async () => {
    // a0 → a1 → … by two fields each, retargeted to a parallel chain b0 → b1 → …: 2^18 places if each were followed.
    const chain = (prefix: string, maxLength: number) =>
      Object.fromEntries(
        Array.from({ length: 18 }, (_, i) => [
          `${prefix}${i}`,
          { type: 'object', properties: i === 17 ? { t: { type: 'string', maxLength } } : { l: { type: 'ref', ref: `#${prefix}${i + 1}` }, r: { type: 'ref', ref: `#${prefix}${i + 1}` } } },
        ]),
      )
    const doc = (root: string) => ({ lexicon: 1, id: 'ex.test.deep', defs: { ...chain('a', 10), ...chain('b', 20), main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'object', properties: { x: { type: 'ref', ref: root } } } } } } })
    const report = await compareLexicons(lexiconSet('before', { 'ex.test.deep': doc('#a0') }), lexiconSet('after', { 'ex.test.deep': doc('#b0') }), { include: ['ex.test.deep'], exclude: [] })
    expect(report.changes.length).toBeLessThan(2_000)
    expect(report.changes.some((c) => c.kind === 'constraint-loosened' && c.class === 'breaking' && c.path.startsWith('output.x.'))).toBe(true)
  })

  it('follows a chain of 1,000 retargeted refs without overflowing the stack (800 did)', async () => {
    const chain = (prefix: string) =>
      Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`${prefix}${i}`, { type: 'object', properties: i === 1_000 ? { s: { type: 'string' } } : { p: { type: 'ref', ref: `#${prefix}${i + 1}` } } }]))
    const doc = (root: string) => ({ lexicon: 1, id: 'ex.test.long', defs: { ...chain('a'), ...chain('b'), main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'object', properties: { x: { type: 'ref', ref: root } } } } } } })
    const report = await compareLexicons(lexiconSet('before', { 'ex.test.long': doc('#a0') }), lexiconSet('after', { 'ex.test.long': doc('#b0') }), { include: ['ex.test.long'], exclude: [] })
    expect(report.changes.some((c) => c.path === 'output.x' && c.kind === 'ref-object-changed')).toBe(true)
  })

  it("keeps each side's verdict on a retargeted pair however often the other side uses it", async () => {
    // 20 request fields retargeted from #old to #new (a limit raised: compatible there) use up a
    // budget shared across sides before the one response field, where the same change breaks old clients.
    const doc = (target: string, withNew: boolean) => {
      const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, { type: 'ref', ref: target }]))
      const def = (maxLength: number) => ({ type: 'object', required: ['s'], properties: { s: { type: 'string', maxLength } } })
      return {
        lexicon: 1,
        id: 'ex.test.many',
        defs: {
          main: {
            type: 'procedure',
            input: { encoding: 'application/json', schema: { type: 'object', properties: fields } },
            output: { encoding: 'application/json', schema: { type: 'object', required: ['r'], properties: { r: { type: 'ref', ref: target } } } },
          },
          old: def(10),
          ...(withNew ? { new: def(1000) } : {}),
        },
      }
    }
    const report = await compareLexicons(lexiconSet('before', { 'ex.test.many': doc('#old', false) }), lexiconSet('after', { 'ex.test.many': doc('#new', true) }), { include: ['ex.test.many'], exclude: [] })
    const raised = report.changes.filter((c) => c.kind === 'constraint-loosened')
    expect(raised.filter((c) => c.path === 'output.r.s')).toMatchObject([{ class: 'breaking', sides: ['response'] }])
    expect(raised.filter((c) => c.path.startsWith('input.')).length).toBeGreaterThan(0)
  })

  it('a def that reappears under another name with a field called `description` changed is no rename', async () => {
    const report = await compareEdit((d) => {
      defs(d).spareParts = { type: 'object', properties: { ...defs(d).spare.properties, description: { type: 'integer' } } }
      delete defs(d).spare
    })
    expect(report.changes.map((c) => c.kind).sort()).toEqual(['def-added', 'def-removed'])
  })

  it('follows the same retargeted ref at every place it is used: each side, each field, gets its own verdict', async () => {
    // ex.test.defs#shared is sent (ex.test.send input.shared) and received (ex.test.get output.shared).
    const report = await compareEdit((d) => {
      defs(d).wider = { ...defs(d).shared, properties: { name: { type: 'string', maxLength: 50 } } }
      input(d).properties.shared = { type: 'ref', ref: 'ex.test.defs#wider' }
      output(d).properties.shared = { type: 'ref', ref: 'ex.test.defs#wider' }
      // Two inline fields moved to one def: each is compared with it.
      defs(d).state = { type: 'string', knownValues: ['open', 'closed'] }
      defs(d).view.properties.status = { type: 'ref', ref: '#state' }
      defs(d).view.properties.home = { type: 'ref', ref: '#state' }
    })
    const at = (kind: string) => report.changes.filter((c) => c.kind === kind).map((c) => [`${c.nsid}#${c.def} ${c.path}`, c.class])
    expect(at('constraint-loosened')).toEqual([
      ['ex.test.get#main output.shared.name', 'breaking'],
      ['ex.test.send#main input.shared.name', 'compatible'],
    ])
    expect(at('enum-removed')).toEqual([['ex.test.defs#view status', 'breaking']])
    expect(at('format-removed')).toEqual([['ex.test.defs#view home', 'breaking']])
  })
})
