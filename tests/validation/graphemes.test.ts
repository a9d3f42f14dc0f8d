/**
 * Grapheme counting in chunks (runtime/validate.ts graphemeCount) against Intl.Segmenter given
 * the whole text, on texts made of what Unicode's rules join (combining marks, ZWJ sequences,
 * regional indicator pairs, Hangul jamo, Indic conjuncts, CR LF, lone surrogates), long enough to
 * cross many chunk ends, with runs longer than a chunk. And the segmenter is never given a long
 * text whole: that took time in proportion to its square (a 400 KB string: 30 s).
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { graphemeCount, maxGraphemes, minGraphemes, type ValidationContext } from '../../runtime/validate.js'
import { runs, SEED } from '../reliability/support/seed.js'

const PIECES = ['a', 'é', 'e\u0301', '\u0301', '\r', '\n', '\r\n', '👍', '👍🏽', '👨‍👩‍👧', '\u200d', '🇧', '🇷', '각', '\u1100', '\u1161', '\u11a8', '\u0915\u094d', '\u0937', '\u0600', '\ud83d', '\udc4d', '\u0903']

const wholeCount = (text: string) => [...new Intl.Segmenter().segment(text)].length

/** A text of runs of pieces: a run of 700 regional indicators or combining marks crosses a chunk's end. */
const texts = fc.array(fc.tuple(fc.constantFrom(...PIECES), fc.integer({ min: 1, max: 700 })), { minLength: 1, maxLength: 12 }).map((runs) => runs.map(([piece, n]) => piece.repeat(n)).join(''))

afterEach(() => {
  vi.restoreAllMocks()
})

describe('graphemeCount', () => {
  it('counts as Intl.Segmenter does given the whole text, up to one past enough', () => {
    fc.assert(
      fc.property(texts, fc.nat({ max: 6000 }), (text, enough) => {
        expect(graphemeCount(text, enough)).toBe(Math.min(wholeCount(text), enough + 1))
      }),
      { seed: SEED, numRuns: runs(300) },
    )
  })

  it('gives the segmenter chunks, never a long text whole, and stops once the count is past enough', () => {
    // Each step of the segmenter costs time in proportion to the text it was given: the work is that, summed over the steps.
    let steps = 0
    const segment = Intl.Segmenter.prototype.segment
    vi.spyOn(Intl.Segmenter.prototype, 'segment').mockImplementation(function (this: Intl.Segmenter, text: string) {
      const segments = segment.call(this, text)
      return Object.assign(Object.create(segments) as Intl.Segments, {
        *[Symbol.iterator]() {
          for (const part of segments) {
            steps += text.length
            yield part
          }
        },
      })
    })
    const work = (text: string, enough: number, expected: number) => {
      steps = 0
      expect(graphemeCount(text, enough)).toBe(expected)
      return steps
    }
    expect(work('é'.repeat(2_000_000), 1000, 1001)).toBeLessThanOrEqual(1100 * 1024)
    // One cluster of a million code units: chunks double until it ends, never one per character.
    const long = `e${'\u0301'.repeat(1_000_000)}`
    expect(work(`${long}é`, 5, 2)).toBeLessThanOrEqual(4 * long.length)
    // Then many short ones: the grown chunk is left where the long cluster ends, not segmented on.
    expect(work(`${long}${'é'.repeat(1_000_000)}`, 300, 301)).toBeLessThanOrEqual(4 * long.length)
  })

  it('says a text over maxGraphemes is, without a count it did not make; one under minGraphemes with its count', () => {
    const issues = (check: (ctx: ValidationContext) => void) => {
      const ctx: ValidationContext = { issues: [], strict: false, blobLimits: false, depthLeft: 1 }
      check(ctx)
      return ctx.issues.map((issue) => issue.message)
    }
    expect(issues((ctx) => maxGraphemes(ctx, 'text', 'é'.repeat(400_000), 1000))).toEqual(['more than 1000 graphemes (maxGraphemes 1000)'])
    expect(issues((ctx) => maxGraphemes(ctx, 'text', 'é'.repeat(1000), 1000))).toEqual([])
    expect(issues((ctx) => minGraphemes(ctx, 'text', '👨‍👩‍👧👍🏽', 3))).toEqual(['2 graphemes < minGraphemes 3'])
  })
})
