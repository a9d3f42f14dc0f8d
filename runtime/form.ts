/**
 * application/x-www-form-urlencoded, as URLSearchParams writes it: how query strings are built
 * (request.ts), and one of the spellings of a token that redaction looks for (redact.ts).
 */

/** Characters encodeURIComponent leaves alone but application/x-www-form-urlencoded (URLSearchParams) encodes, and the space. */
const FORM_EXTRA = /[!'()~]|%20/g
/** Characters every encoding (JSON, percent- and form-encoding) keeps as they are. */
export const PLAIN = /^[A-Za-z0-9*._-]*$/

/** Exactly URLSearchParams' encoding of one name or value. */
export function formEncode(text: string): string {
  if (PLAIN.test(text)) return text
  let encoded: string
  try {
    encoded = encodeURIComponent(text)
  } catch {
    // A lone surrogate: URLSearchParams sends U+FFFD in its place.
    return new URLSearchParams([['', text]]).toString().slice(1)
  }
  return encoded.replace(FORM_EXTRA, (c) => (c === '%20' ? '+' : `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
}
