/**
 * `Retry-After` and the `ratelimit-*` headers, read as their specs allow and nothing more: a value
 * that is not one is no hint, never an Invalid Date or a guess (rate-limit.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { parseRateLimit, parseRetryAfter } from '../../runtime/rate-limit.js'

const NOW = Date.UTC(2026, 11, 3, 8, 0, 0)
/** The latest time a Date holds. */
const LATEST = '+275760-09-13T00:00:00.000Z'
const retryAt = (value: string) => parseRetryAfter(value)?.toISOString()

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('Retry-After', () => {
  it('delay-seconds: that many seconds from now; later than a Date can hold, the latest Date (over any maxWait), not an Invalid Date', () => {
    expect(retryAt('0')).toBe('2026-12-03T08:00:00.000Z')
    expect(retryAt('120')).toBe('2026-12-03T08:02:00.000Z')
    expect(retryAt('99999999999999')).toBe(LATEST)
  })

  it('an HTTP-date in each form RFC 9110 has recipients accept, a leap second included', () => {
    for (const value of ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994']) {
      expect(retryAt(value), value).toBe('1994-11-06T08:49:37.000Z')
    }
    expect(retryAt('Thu, 31 Dec 2026 23:59:60 GMT')).toBe('2027-01-01T00:00:00.000Z')
  })

  it("an RFC 850 two-digit year more than 50 years ahead is the last century's", () => {
    expect(retryAt('Wednesday, 01-Jan-76 00:00:00 GMT')).toBe('2076-01-01T00:00:00.000Z')
    expect(retryAt('Friday, 01-Jan-77 00:00:00 GMT')).toBe('1977-01-01T00:00:00.000Z')
  })

  it('a repeated header, joined with ", ": its first value', () => {
    // V8's Date parser read "5, 5" as May 5, 2001: the retry went at once.
    expect(retryAt('5, 5')).toBe('2026-12-03T08:00:05.000Z')
    expect(retryAt('Thu, 03 Dec 2026 08:00:30 GMT, Thu, 03 Dec 2026 09:00:00 GMT')).toBe('2026-12-03T08:00:30.000Z')
    expect(retryAt('soon, 5')).toBeUndefined()
  })

  it('anything else is no hint: signs, fractions, exponents, hex, too many digits, ISO dates, wrong case, no such day or hour', () => {
    const malformed = [
      '', ' ', '-1', '+5', '1.5', '1e3', '0x10', 'Infinity', '9'.repeat(400), 'soon', '2026-12-03', '2026-12-03T08:00:30Z',
      'sun, 06 Nov 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 UTC', 'Sun, 6 Nov 1994 08:49:37 GMT', 'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 24:00:00 GMT', 'Sun, 06 Nov 0094 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 GMT trailing',
    ]
    expect(malformed.filter((value) => parseRetryAfter(value) !== undefined)).toEqual([])
  })
})

describe('ratelimit-*', () => {
  it('whole numbers; a reset in epoch seconds or in seconds from now, and later than a Date can hold, the latest Date', () => {
    const headers = { 'ratelimit-limit': '100', 'ratelimit-remaining': '0', 'ratelimit-reset': '1796284800', 'ratelimit-policy': '100;w=300' }
    expect(parseRateLimit(headers)).toEqual({ limit: 100, remaining: 0, reset: new Date(1796284800_000), policy: '100;w=300' })
    expect(parseRateLimit({ 'ratelimit-reset': '30' }).reset?.toISOString()).toBe('2026-12-03T08:00:30.000Z')
    expect(parseRateLimit({ 'ratelimit-reset': '9999999999999' }).reset?.toISOString()).toBe(LATEST)
  })

  it('a list (a repeated header, or the draft form "10, 10;w=1"): its first value', () => {
    expect(parseRateLimit({ 'ratelimit-limit': '10, 10;w=1', 'ratelimit-reset': '30, 30' })).toEqual({ limit: 10, reset: new Date(NOW + 30_000) })
  })

  it('anything but whole numbers is left out', () => {
    for (const value of ['', '-1', '1.5', '1e3', 'x', '9'.repeat(400)]) {
      expect(parseRateLimit({ 'ratelimit-limit': value, 'ratelimit-remaining': value, 'ratelimit-reset': value }), value.slice(0, 8)).toEqual({})
    }
  })
})
