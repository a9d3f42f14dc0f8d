/** Keys a schema's type does not define (codegen/ignored-keys.ts): each found once, where it is written, and taken out. */
import type { LexiconDoc } from '@atproto/lexicon'
import { describe, expect, it } from 'vitest'
import { ignoredKeys, withoutIgnoredKeys } from '../../codegen/ignored-keys.js'
import { IGNORED_KEYS_DOC } from './support/ignored-keys-doc.js'

const doc = IGNORED_KEYS_DOC

describe('ignored keys', () => {
  it('are each said once where they are written (none inside one), with the type as English says it', () => {
    expect(ignoredKeys({ file: 'com/example/get.json', doc }).map((p) => `${p.path}: ${p.message.replace(/:.*/, '')}`)).toEqual([
      'defs.main.input: "input" is not a key of a query schema',
      'defs.main.parameters.nullable: "nullable" is not a key of a params schema',
      'defs.main.output.schema.properties.b.enum: "enum" is not a key of a boolean schema',
      'defs.main.output.schema.properties.u.title: "title" is not a key of a union schema',
      'defs.thing.properties.n.$comment: "$comment" is not a key of an integer schema',
    ])
  })

  it('are taken out of a copy; a doc without any is returned as it is', () => {
    const parsed = { file: 'com/example/get.json', doc }
    const read = withoutIgnoredKeys(parsed).doc.defs as Record<string, Record<string, unknown>>
    expect(read.main!.input).toBeUndefined()
    expect((read.thing!.properties as Record<string, object>).n).toEqual({ type: 'integer', minimum: 0 })
    expect((doc.defs.main as unknown as Record<string, unknown>).input).toBeDefined()
    const clean = { file: 'x.json', doc: { lexicon: 1, id: 'com.example.x', defs: { main: { type: 'token' } } } as unknown as LexiconDoc }
    expect(withoutIgnoredKeys(clean)).toBe(clean)
  })
})
