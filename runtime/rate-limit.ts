/**
 * When a server says to come back: `Retry-After` and the `ratelimit-*` headers. Only what their
 * specs allow is read; anything else is no hint (the retry layer's own backoff applies), never a
 * guess: V8's `new Date()` reads "5, 5" (a repeated header, joined) as May 5, 2001, and a number
 * too large for a Date made an Invalid Date and a wait of NaN, which retried at once. A repeated
 * header (fetch and undici join the values with ", ") counts once: its first value.
 */

export interface RateLimit {
  readonly limit?: number
  readonly remaining?: number
  readonly reset?: Date
  readonly policy?: string
}

/** The `ratelimit-limit/-remaining/-reset/-policy` response headers. */
export function parseRateLimit(headers: Readonly<Record<string, string>>): RateLimit {
  const limit = count(headers['ratelimit-limit'])
  const remaining = count(headers['ratelimit-remaining'])
  const reset = count(headers['ratelimit-reset'])
  const policy = headers['ratelimit-policy']
  return {
    ...(limit === undefined ? {} : { limit }),
    ...(remaining === undefined ? {} : { remaining }),
    // atproto services send epoch seconds; the IETF draft sends seconds from now. Epochs are far larger.
    ...(reset === undefined ? {} : { reset: at(reset > 1e9 ? reset * 1000 : Date.now() + reset * 1000) }),
    ...(policy === undefined ? {} : { policy }),
  }
}

/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined
  const seconds = count(value)
  return seconds === undefined ? httpDate(value) : at(Date.now() + seconds * 1000)
}

/** The first value of `value` as a whole number of digits (delay-seconds), when it is one and finite. */
function count(value: string | undefined): number | undefined {
  const digits = value === undefined ? undefined : /^(\d+)[\t ]*(?:,|$)/.exec(value)?.[1]
  const n = Number(digits)
  return Number.isFinite(n) ? n : undefined
}

/** The latest time a Date holds: a later one is an Invalid Date, and a wait that long is past any `maxWait` anyway. */
const LATEST = 8.64e15

function at(time: number): Date {
  return new Date(Math.min(time, LATEST))
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec'

// The three forms of HTTP-date a recipient must accept (RFC 9110 §5.6.7), case-sensitive as it says.
// The weekday is redundant: only its shape is checked.
// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" and the obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT":
// day, month, year, hour, minute, second.
const FIXDATE = /^[A-Z][a-z]{2,8}, (\d\d)[ -]([A-Z][a-z]{2})[ -](\d{4}|\d\d) (\d\d):(\d\d):(\d\d) GMT[\t ]*(?:,|$)/
// The obsolete asctime "Sun Nov  6 08:49:37 1994": month, day, hour, minute, second, year.
const ASCTIME = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]\d) (\d\d):(\d\d):(\d\d) (\d{4})[\t ]*(?:,|$)/

function httpDate(value: string): Date | undefined {
  const fixdate = FIXDATE.exec(value)
  const asctime = fixdate ? null : ASCTIME.exec(value)
  const parts = fixdate ? fixdate.slice(1) : asctime && [asctime[2], asctime[1], asctime[6], asctime[3], asctime[4], asctime[5]]
  if (!parts) return undefined
  const [day, , , hour, minute, second] = parts.map(Number) as number[]
  const month = MONTHS.indexOf(parts[1]!) / 3
  let year = Number(parts[2])
  // RFC 850's two-digit year: more than 50 years ahead means the last century.
  if (parts[2]!.length === 2) year += year + 2000 > new Date().getUTCFullYear() + 50 ? 1900 : 2000
  const midnight = new Date(Date.UTC(year, month, day!))
  // Date.UTC rolls Feb 30 over into March, and reads years 0–99 as 1900–1999: neither is the date sent. Second 60 is a leap second.
  if (month < 0 || hour! > 23 || minute! > 59 || second! > 60 || midnight.getUTCDate() !== day || midnight.getUTCFullYear() !== year) return undefined
  return new Date(midnight.getTime() + ((hour! * 60 + minute!) * 60 + second!) * 1000)
}
