/**
 * Strict mode's own checks (the differential test covers lenient mode only): a field the lexicon
 * does not declare, and a `$type` that names another def — a main def's may be spelled `nsid` or
 * `nsid#main`, nothing else.
 */
import { describe, expect, it } from 'vitest'
import { validate } from '../../runtime/validation.js'
import { loadFixture } from './support.js'

const fixture = await loadFixture()
const strict = (validator: any, value: unknown) => validate(validator, value, true).map((i) => `${i.path}: ${i.message}`)

describe('strict mode', () => {
  it("a main def's $type: nsid or nsid#main", () => {
    const main = fixture.other.validateMain
    for (const type of [undefined, 'test.validation.other', 'test.validation.other#main']) expect(strict(main, { $type: type, flag: false }), type).toEqual([])
    for (const type of ['test.validation.other#mainx', 'test.validation.otherx#main', 'test.validation.other#main#main', 'lex:test.validation.other', 'test.validation.oth#main', '#main', 42]) {
      expect(strict(main, { $type: type, flag: false }), String(type)).toEqual([`$type: ${JSON.stringify(type)} is not test.validation.other`])
    }
  })

  it('a $type that is an object or array is named by its kind, however deeply it nests', () => {
    // Written out as JSON, a $type nested 20,000 deep overflowed the stack (a RangeError, not an issue).
    const deep = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`)
    const main = fixture.other.validateMain
    expect(strict(main, { $type: deep, flag: false })).toEqual(['$type: an array is not test.validation.other'])
    expect(strict(main, { $type: { $type: 'test.validation.other' }, flag: false })).toEqual(['$type: an object is not test.validation.other'])
  })

  it("another def's $type: exactly nsid#name", () => {
    const a = fixture.kinds.validateA
    expect(strict(a, { $type: 'test.validation.kinds#a', n: 1 })).toEqual([])
    for (const type of ['test.validation.kinds#a#main', 'test.validation.kinds#b', 'test.validation.kinds']) {
      expect(strict(a, { $type: type, n: 1 }), type).toEqual([`$type: ${JSON.stringify(type)} is not test.validation.kinds#a`])
    }
  })

  it('undeclared fields, each reported once, inherited names included', () => {
    const a = fixture.kinds.validateA
    expect(strict(a, { n: 1 })).toEqual([])
    expect(strict(a, JSON.parse('{"n": 1, "m": 2, "constructor": 3, "__proto__": 4, "odd key": 5}'))).toEqual([
      'm: is not a field in the lexicon',
      'constructor: is not a field in the lexicon',
      '__proto__: is not a field in the lexicon',
      '["odd key"]: is not a field in the lexicon',
    ])
  })
})
