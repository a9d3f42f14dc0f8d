/** Where in a text something went wrong, as a person jumps to it: a line and a column. */

/** `line 3, column 7` for the position right after `before`. */
export function lineAndColumn(before: string): string {
  return `line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`
}

/**
 * A JSON.parse error as its reason and the line and column it names. V8 says "at position N" for
 * most errors, but for an unexpected token (a bare word, a stray comma: a save in the middle of
 * typing) it quotes the text around it instead, line breaks included; that quote is dropped and
 * the position found by {@link syntaxErrorOffset}.
 */
export function describeJsonError(text: string, error: Error): string {
  const reason = error.message
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/^JSON\.parse: /, '')
    .replace(/^(Unexpected token '.*?'), .* is not valid JSON$/s, '$1')
  const position = Number(/position (\d+)/.exec(error.message)?.[1] ?? syntaxErrorOffset(text))
  if (Number.isNaN(position)) return reason
  return `${reason} at ${lineAndColumn(text.slice(0, position))}`
}

const SPACE = /[ \t\n\r]*/y
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const LITERAL = /true|false|null/y

/**
 * The offset of the first character that keeps `text` from being JSON (its length when the text
 * ends too early), or undefined when it is JSON. A scan without recursion: a deeply nested file
 * cannot overflow the stack.
 */
export function syntaxErrorOffset(text: string): number | undefined {
  let at = 0
  const skip = (pattern: RegExp) => {
    pattern.lastIndex = at
    if (!pattern.test(text)) return false
    at = pattern.lastIndex
    return true
  }
  // The open objects and arrays, innermost last; then what may come next.
  const open: ('{' | '[')[] = []
  let expect: 'value' | 'first value' | 'key' | 'first key' | 'after value' = 'value'
  for (;;) {
    skip(SPACE)
    const char = text[at]
    if (expect === 'after value') {
      if (open.length === 0) return char === undefined ? undefined : at
      if (char === ',') expect = open.at(-1) === '{' ? 'key' : 'value'
      else if (char === (open.at(-1) === '{' ? '}' : ']')) open.pop()
      else return at
      at++
    } else if (expect === 'key' || expect === 'first key') {
      if (expect === 'first key' && char === '}') {
        open.pop()
        at++
        expect = 'after value'
        continue
      }
      if (!skip(STRING)) return at
      skip(SPACE)
      if (text[at] !== ':') return at
      at++
      expect = 'value'
    } else if (expect === 'first value' && char === ']') {
      open.pop()
      at++
      expect = 'after value'
    } else if (char === '{' || char === '[') {
      open.push(char)
      at++
      expect = char === '{' ? 'first key' : 'first value'
    } else if (skip(STRING) || skip(NUMBER) || skip(LITERAL)) {
      expect = 'after value'
    } else {
      // A word that starts as a literal goes wrong where it stops being one (`nmae`: at the `m`), as V8 says.
      const literal = ['true', 'false', 'null'].find((word) => word[0] === char)
      let end = at
      if (literal) while (text[end] === literal[end - at]) end++
      return end
    }
  }
}

/**
 * What git holds for a file stored with Git LFS: what `lexgen diff --base` and a pull read from a
 * commit, and what a checkout without git-lfs has on disk.
 */
export function isLfsPointer(text: string): boolean {
  return text.startsWith('version https://git-lfs.github.com/spec/')
}

export const LFS_POINTER = 'a Git LFS pointer, not the lexicon'
