/**
 * Just enough of a TypeScript lexer to tell code from text: `codeOnly` blanks out comments and
 * the contents of string and template literals (keeping `${…}` substitutions, which are code),
 * and throws on an unterminated comment, string or template. Generated code has no regular
 * expression literals, so `/` is only ever a comment start or a division.
 *
 * A lexicon string that escaped its literal or comment shows up in what is left: a canary
 * identifier planted in lexicon text must never appear in `codeOnly(source)`.
 */
export function codeOnly(source: string): string {
  const scanner = new Scanner(source)
  const out = scanner.code(undefined)
  if (scanner.i < source.length) throw new Error(`unbalanced '}' at offset ${scanner.i}`)
  return out
}

/** ECMAScript line terminators: a `//` comment ends at any of them, and a '…' string must not contain CR or LF. */
const LINE_END = /[\n\r\u2028\u2029]/

class Scanner {
  i = 0
  constructor(private readonly s: string) {}

  /** Code up to the `}` that closes a substitution (when `closing` is '}'), or the end. */
  code(closing: '}' | undefined): string {
    const { s } = this
    let out = ''
    let depth = 0
    while (this.i < s.length) {
      const c = s[this.i]!
      const n = s[this.i + 1]
      if (c === '/' && n === '/') {
        while (this.i < s.length && !LINE_END.test(s[this.i]!)) this.i++
        out += ' '
      } else if (c === '/' && n === '*') {
        const end = s.indexOf('*/', this.i + 2)
        if (end < 0) throw new Error(`unterminated comment at offset ${this.i}`)
        this.i = end + 2
        out += ' '
      } else if (c === "'" || c === '"') {
        this.string(c)
        out += c + c
      } else if (c === '`') {
        out += this.template()
      } else {
        if (c === '{') depth++
        if (c === '}') {
          if (depth === 0 && closing === '}') return out
          depth--
          if (depth < 0) return out
        }
        out += c
        this.i++
      }
    }
    if (closing) throw new Error('unterminated template substitution')
    return out
  }

  private string(quote: string): void {
    const { s } = this
    const start = this.i++
    while (this.i < s.length) {
      const c = s[this.i]!
      if (c === '\\') this.i += 2
      else if (c === quote) {
        this.i++
        return
      } else if (c === '\n' || c === '\r') throw new Error(`line break inside a string literal at offset ${this.i}`)
      else this.i++
    }
    throw new Error(`unterminated string literal at offset ${start}`)
  }

  /** Returns the template's substitutions (code), blanking its text. */
  private template(): string {
    const { s } = this
    const start = this.i++
    let out = '``'
    while (this.i < s.length) {
      const c = s[this.i]!
      if (c === '\\') this.i += 2
      else if (c === '`') {
        this.i++
        return out
      } else if (c === '$' && s[this.i + 1] === '{') {
        this.i += 2
        out += ` ${this.code('}')} `
        this.i++ // the closing }
      } else this.i++
    }
    throw new Error(`unterminated template literal at offset ${start}`)
  }
}
