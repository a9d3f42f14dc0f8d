/**
 * Where a broken JSON file goes wrong, checked against V8's own parser: the scan agrees with
 * JSON.parse on what is JSON, and lands on the character V8 names.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { describeJsonError, syntaxErrorOffset } from '../../codegen/json-text.js'
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
