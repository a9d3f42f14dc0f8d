/**
 * Credentials out of wire text. A server (or a debugging proxy) may echo a token anywhere: an
 * error name or message, a header, a cursor, a field that fails validation, an unknown key. Every
 * text that came back passes the request's `redact` before it reaches an error, a hook or a
 * result's headers, and texts kept short are redacted whole first and cut after (`clip`), so a cut
 * never leaves a piece of a token behind. `clip` also escapes what would act on a terminal.
 */
import { formEncode, PLAIN } from './form.js'

/** Removes credentials from text that came back. */
export type Redact = (text: string) => string

const MARK = '[redacted]'

/** Shorter pieces of a token say too little to matter; longer ones at the edge of a text are removed. */
const MIN_FRAGMENT = 12

/** How much wire text an error keeps (a message, an error name, a body): more is cut, after redaction. */
export const KEPT_TEXT = 2048

/**
 * How much of a body a ResponseValidationError keeps: more than KEPT_TEXT, as its issues point into
 * the body and a page of chat results runs to tens of KB; but bounded, as a body up to
 * `maxResponseBytes` (16 MiB) would be held by every such error and printed whole by every log of it.
 */
export const KEPT_BODY = 65_536

/**
 * A redactor for `secret`: every occurrence of it, as sent and as JSON or URL encoding writes it,
 * each also lower-cased, and a piece of it of 12 or more characters at either end of the text
 * (where someone else's cut left it). Built once per token (its forms and probes), then run on
 * every text that comes back.
 */
export function redactor(secret: string): Redact {
  const spellings = PLAIN.test(secret) ? [secret] : [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), formEncode(secret)]
  // Lower-cased too: a header name echoing it arrives so (every transport lower-cases names).
  const forms = [...new Set([...spellings, ...spellings.map((form) => form.toLowerCase())])]
  // The start of every form: no text without one of them can hold a form, or end in a piece of it.
  const probes = [...new Set(forms.map((form) => form.slice(0, MIN_FRAGMENT)))]
  return (text: string): string => {
    if (probes.some((probe) => text.includes(probe))) {
      for (const form of forms) text = text.replaceAll(form, MARK)
      for (const form of forms) text = cutTail(text, form)
    }
    return text.length >= MIN_FRAGMENT && secret.length > MIN_FRAGMENT && secret.includes(text.slice(0, MIN_FRAGMENT)) ? cutHead(text, secret) : text
  }
}

/** `redact` run after `outer`, when there is one. */
export function after(outer: Redact | undefined, redact: Redact): Redact {
  return outer ? (text) => redact(outer(text)) : redact
}

/** `text` with a trailing piece of `form` (its first 12+ characters, not all of it) replaced. */
function cutTail(text: string, form: string): string {
  const probe = form.slice(0, MIN_FRAGMENT)
  for (let at = text.indexOf(probe, Math.max(0, text.length - form.length + 1)); at >= 0; at = text.indexOf(probe, at + 1)) {
    if (form.startsWith(text.slice(at))) return text.slice(0, at) + MARK
  }
  return text
}

/** `text` with a leading piece of `secret` (its last 12+ characters, not all of it) replaced. */
function cutHead(text: string, secret: string): string {
  const probe = text.slice(0, MIN_FRAGMENT)
  for (let at = secret.indexOf(probe, 1); at >= 0; at = secret.indexOf(probe, at + 1)) {
    if (text.startsWith(secret.slice(at))) return MARK + text.slice(secret.length - at)
  }
  return text
}

/**
 * A JWT (an access token, a DPoP proof): `eyJ` at a word's start, then three runs of `[\w-]` joined
 * by dots, and any more after them (a token glued to junk that starts like one, `eyJx-eyJ.<jwt>`,
 * would otherwise end two runs early and leave its signature). The second branch takes in whole a
 * run that holds no JWT: every `eyJ` later in the run ends where it does and fails alike, and
 * trying each one (the first branch alone) took time in the square of the run's length
 * (`eyJ-eyJ-…`, a 1 MB body: two minutes). `i`: a header name that echoes a token arrives lower-cased.
 */
const JWT_OR_RUN = /\beyJ[\w-]*\.[\w-]*\.[\w-]*(?:\.[\w-]*)*|\beyJ[\w-]*/g
const JWT_OR_RUN_ANY_CASE = /*#__PURE__*/ new RegExp(JWT_OR_RUN.source, 'gi')

function withoutJwts(text: string, pattern: RegExp): string {
  return text.replace(pattern, (match) => (match.includes('.') ? MARK : match))
}

/** Whether `text` holds a JWT. */
export function holdsJwt(text: string): boolean {
  JWT_OR_RUN.lastIndex = 0
  for (let match; (match = JWT_OR_RUN.exec(text)); ) {
    if (match[0].includes('.')) return true
  }
  return false
}

/**
 * The token68 of a `Bearer` or `DPoP` authorization value (not an auth-param:
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` stays readable).
 */
const AUTHORIZATION = /\b(Bearer|DPoP)\s+[\w.~+/-]+=*(?![\w.~+/="-]|\s*=)/gi

/**
 * Removes what looks like a credential, for tokens not known by value (a session manager's, or
 * ones an answer issues): authorization values, then JWTs in any case.
 */
export function redactCredentials(text: string): string {
  return withoutJwts(text.replace(AUTHORIZATION, (_match, scheme: string) => `${scheme} ${MARK}`), JWT_OR_RUN_ANY_CASE)
}

/** The values of atproto's token fields (`accessJwt`, `refreshJwt`) as JSON writes them, whatever their shape, a cut one included. */
const ISSUED_TOKENS = /("(?:accessJwt|refreshJwt)"\s*:\s*)"(?:[^"\\]|\\.)*"?/g

/**
 * Removes the tokens an answer issues (createSession, refreshSession, createAccount): nobody knows
 * them by value until the answer is read, and one that fails its checks is kept in the error (its
 * body, its issues). So JWTs, and the token fields' values, go, whoever made the call. (Not
 * `Bearer <word>`: in a server's error message that is more often prose than a credential.)
 */
export function redactIssued(text: string): string {
  return withoutJwts(text, JWT_OR_RUN).replace(ISSUED_TOKENS, `$1"${MARK}"`)
}

const same: Redact = (text) => text

/**
 * What a terminal acts on, or shows in another order than stored, rather than prints: C0 controls
 * but tab and line feed (ESC sequences clear a screen or colour a forged line; a carriage return
 * overwrites one), DEL, C1 (U+009B is CSI), and the bidi embeddings, overrides and isolates
 * ("Trojan Source"). The set codegen/controls.ts keeps out of generated code, here for server text,
 * which ends up in logs: each is written as its `\u` escape.
 */
const CONTROLS = /[\0-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g

function escapeControls(text: string): string {
  return text.replace(CONTROLS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * `text` redacted, its controls escaped, then cut to `max` characters (marked with `…`):
 * redacting first is what keeps a token that straddles the cut out; the cut part is checked again
 * for a piece at its new end. Only what can be kept is escaped: an escape only lengthens, so it
 * lies in the first `max` characters (escaping all of a 16 MB body took seconds and a gigabyte).
 */
export function clip(text: string, redact: Redact = same, max = KEPT_TEXT): string {
  const redacted = redact(text)
  const clean = escapeControls(redacted.length > max ? redacted.slice(0, max) : redacted)
  if (redacted.length <= max && clean.length <= max) return clean
  // Never split a surrogate pair.
  const end = isHighSurrogate(clean.charCodeAt(max - 1)) ? max - 1 : max
  return `${redact(clean.slice(0, end))}…`
}

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
