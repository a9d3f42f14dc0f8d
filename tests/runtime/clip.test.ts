/**
 * `clip` escapes only the characters it can keep (escaping all of a 16 MB body took seconds and a
 * gigabyte). It must give what escaping the whole redacted text and then cutting it gives, for
 * every text, limit and redaction: that definition is the oracle here.
 */
import { describe, expect, it } from 'vitest'
import { clip, isHighSurrogate, redactIssued, redactor, type Redact } from '../../runtime/redact.js'

const CONTROLS = /[\0-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g
const escaped = (text: string) => text.replace(CONTROLS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)

function defined(text: string, redact: Redact, max: number): string {
  const clean = escaped(redact(text))
  if (clean.length <= max) return clean
  const end = isHighSurrogate(clean.charCodeAt(max - 1)) ? max - 1 : max
  return `${redact(clean.slice(0, end))}…`
}

describe('clip', () => {
  it('gives what escaping the whole redacted text, then cutting it, gives', () => {
    const pieces = ['a', 'bc', '\u001b', '\u009b', '\u202e', '\n', '\t', 'é', '😀', 'eyJ', '.', '-', 'secret-token-', '123456789']
    const redacts: Redact[] = [(text) => text, redactIssued, redactor('secret-token-123456789')]
    let seed = 20261206
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
    const differences: string[] = []
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: next(24) }, () => pieces[next(pieces.length)]).join('')
      const redact = redacts[next(redacts.length)]!
      const max = 1 + next(40)
      const ours = clip(text, redact, max)
      if (ours !== defined(text, redact, max)) differences.push(`${JSON.stringify(text)} max ${max}: ${JSON.stringify(ours)}`)
    }
    expect(differences.slice(0, 5)).toEqual([])
  })
})
