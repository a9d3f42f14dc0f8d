/**
 * Where a broken JSON file goes wrong, checked against V8's own parser: the scan agrees with
 * JSON.parse on what is JSON, and lands on the character V8 names. Where a JSON path's value
 * starts, checked against JSON.stringify's text of it.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonPath } from '../../codegen/errors.js'
import { describeJsonError, JsonLocator, pathKeys, syntaxErrorOffset } from '../../codegen/json-text.js'
import { runs, SEED } from '../reliability/support/seed.js'
import { LEXICONS } from './helpers.js'

/** What JSON.parse makes of `text`: fine, or its message. */
function parsed(text: string): string | undefined {
  try {
    JSON.parse(text)
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

/** The text with one edit at `at`: a character deleted, or one typed in. */
const edited = (text: string, at: number, typed: string) => text.slice(0, at) + typed + text.slice(at + (typed ? 0 : 1))

describe('syntaxErrorOffset', () => {
  it('agrees with JSON.parse on what is JSON, and finds the character V8 names, on real lexicons edited by one keystroke', async () => {
    const text = await readFile(join(LEXICONS, 'chat/bsky/convo/defs.json'), 'utf8')
    let unexpectedTokens = 0
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.constantFrom('', ',', ':', '{', '}', '[', ']', '"', 's', '1', '-', '\\', ' '), (at, typed) => {
        const broken = edited(text, at, typed)
        const message = parsed(broken)
        const offset = syntaxErrorOffset(broken)
        expect(offset === undefined, `${message} at ${offset}`).toBe(message === undefined)
        const token = /^Unexpected token '(.)'/.exec(message ?? '')
        if (token) {
          unexpectedTokens++
          expect(broken[offset!]).toBe(token[1])
        }
        // Inside a string or a number V8 names the bad character, the scan where that token starts.
        const position = /at position (\d+)/.exec(message ?? '')
        if (position && !/string|escape|number/i.test(message!)) expect(offset).toBe(Number(position[1]))
      }),
      { seed: SEED, numRuns: runs(2000) },
    )
    // About one case in twenty gets V8's "Unexpected token" (a few fewer on Node 24's V8, which
    // words more of them as "Expected … at position N"): the check above ran on enough of them.
    expect(unexpectedTokens).toBeGreaterThan(runs(2000) / 40)
  })

  it('finds the end of a text that stops early, and nothing in one that is JSON, however deeply nested', () => {
    expect(syntaxErrorOffset('{"a": [1, 2')).toBe(11)
    expect(syntaxErrorOffset('')).toBe(0)
    const deep = '['.repeat(100_000) + ']'.repeat(100_000)
    expect(syntaxErrorOffset(deep)).toBe(undefined)
    expect(syntaxErrorOffset(`${deep} x`)).toBe(200_001)
  })
})

describe('describeJsonError', () => {
  it('names the line and column of an unexpected token, on one line, without V8\'s quote of the text around it', () => {
    const text = '{\n  "include": [\n    "chat.bsky.*",\n  }\n}\n'
    const message = parsed(text)!
    expect(message).toMatch(/^Unexpected token '\}', /)
    expect(describeJsonError(text, new Error(message))).toBe("Unexpected token '}' at line 4, column 3")
  })
})

/** Where the value at `keys` starts, one lookup in a locator of its own. */
const lineColumnOf = (text: string, keys: readonly (string | number)[]) => new JsonLocator(text).lineColumn(keys)

/** The offset a `line:column` names. */
function offsetOf(text: string, place: string): number {
  const [line, column] = place.split(':').map(Number) as [number, number]
  return text.split('\n').slice(0, line - 1).reduce((sum, row) => sum + row.length + 1, 0) + column - 1
}

/** Every path into a JSON value, with the value there. */
function* paths(value: unknown, keys: (string | number)[] = []): Generator<[(string | number)[], unknown]> {
  yield [keys, value]
  if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* paths(item, [...keys, i])
  else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) yield* paths(item, [...keys, key])
}

describe('JsonLocator', () => {
  it("lands on the start of every value's text, whatever the keys and the layout; pathKeys reads what jsonPath writes", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(0, 2, '\t', '\r\n  '), (value, indent) => {
        // A layout with CRLF line ends: JSON.stringify has none, so they are put in its line breaks.
        const text = indent === '\r\n  ' ? JSON.stringify(value, null, 2).replaceAll('\n', '\r\n') : JSON.stringify(value, null, indent)
        for (const [keys, at] of paths(JSON.parse(text))) {
          expect(pathKeys(jsonPath(keys))).toEqual(keys)
          const offset = offsetOf(text.replaceAll('\r\n', '\n'), lineColumnOf(text.replaceAll('\r\n', '\n'), keys))
          const start = text.replaceAll('\r\n', '\n').slice(offset)
          if (typeof at === 'object' && at !== null) expect(start[0]).toBe(Array.isArray(at) ? '[' : '{')
          else expect(start.startsWith(JSON.stringify(at))).toBe(true)
        }
      }),
      { seed: SEED, numRuns: runs(300) },
    )
  })

  it("takes the last of duplicate keys, as JSON.parse does; stops at the value holding a key that is not there; never throws on text that is no longer JSON", () => {
    const text = '{\n  "a": 1,\n  "b": { "c": [10, 20] },\n  "a": 2\n}'
    expect(lineColumnOf(text, ['a'])).toBe('4:8')
    expect(lineColumnOf(text, ['b', 'c', 1])).toBe('3:20')
    expect(lineColumnOf(text, ['b', 'missing', 'deeper'])).toBe('3:8')
    expect(lineColumnOf(text, ['b', 'c', 5])).toBe('3:15')
    expect(lineColumnOf('{"a": {"b": tru', ['a', 'b'])).toBe('1:13')
    expect(lineColumnOf('{"a": [1, 2', ['a', 7])).toBe('1:7')
    expect(lineColumnOf('', ['a'])).toBe('1:1')
    expect(pathKeys('defs.main (a note)')).toEqual(['defs', 'main'])
    const deep = `{"x": ${'['.repeat(100_000)}${']'.repeat(100_000)}, "y": 1}`
    expect(lineColumnOf(deep, ['y'])).toBe(`1:${deep.length - 1}`)
  })
})
