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
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const MONTH = '(?<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
// Second 60 is a leap second.
const TIME = '(?<hour>[01]\\d|2[0-3]):(?<minute>[0-5]\\d):(?<second>[0-5]\\d|60)'
const END = '[\\t ]*(?:,|$)'

/** The three forms of HTTP-date a recipient must accept (RFC 9110 §5.6.7), case-sensitive as it says. */
const HTTP_DATES = [
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  new RegExp(`^${DAY}, (?<day>\\d\\d) ${MONTH} (?<year>\\d{4}) ${TIME} GMT${END}`),
  // RFC 850 (obsolete): Sunday, 06-Nov-94 08:49:37 GMT
  new RegExp(`^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (?<day>\\d\\d)-${MONTH}-(?<year>\\d\\d) ${TIME} GMT${END}`),
  // asctime (obsolete): Sun Nov  6 08:49:37 1994
  new RegExp(`^${DAY} ${MONTH} (?<day>[ \\d]\\d) ${TIME} (?<year>\\d{4})${END}`),
]

function httpDate(value: string): Date | undefined {
  const parts = HTTP_DATES.map((form) => form.exec(value)?.groups).find((groups) => groups !== undefined)
  if (!parts) return undefined
  let year = Number(parts.year)
  // A two-digit year more than 50 years ahead is the last century's (RFC 9110 §5.6.7).
  if (parts.year!.length === 2) year += year + 2000 > new Date().getUTCFullYear() + 50 ? 1900 : 2000
  const day = Number(parts.day)
  const midnight = new Date(Date.UTC(year, MONTHS.indexOf(parts.month!) / 3, day))
  // Date.UTC rolls Feb 30 over into March, and reads years 0–99 as 1900–1999: neither is the date sent.
  if (midnight.getUTCDate() !== day || midnight.getUTCFullYear() !== year) return undefined
  return new Date(midnight.getTime() + ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000)
}
