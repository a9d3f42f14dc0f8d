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

/**
 * The keys of a JSON path as {@link jsonPath} renders it (`defs.main["odd key"][0]`), as far as it
 * reads as one: a path written otherwise gives the keys before the first part that does not.
 */
export function pathKeys(path: string): (string | number)[] {
  const keys: (string | number)[] = []
  const PART = /\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y
  for (let match; PART.lastIndex < path.length && (match = PART.exec(path)); ) {
    if (match[1] !== undefined) keys.push(match[1])
    else if (match[2] !== undefined) keys.push(Number(match[2]))
    else keys.push(JSON.parse(match[3]!) as string)
  }
  return keys
}

/**
 * Where the value at `keys` starts in a JSON text, `12:5` (line and column, from 1), as an editor
 * jumps to it; a key that is not there stops the walk at the value holding it. Of duplicate keys
 * the last counts, as JSON.parse keeps it. Text that is no longer JSON (the file changed since it
 * was read) stops the walk where it goes wrong: this runs on the way to an error message, and
 * must never throw itself. No recursion: any depth is walked.
 */
export function lineColumnOf(text: string, keys: readonly (string | number)[]): string {
  let at = skipSpace(text, 0)
  for (const key of keys) {
    const found = typeof key === 'number' ? elementStart(text, at, key) : memberStart(text, at, key)
    if (found === undefined) break
    at = found
  }
  const before = text.slice(0, at)
  return `${before.split('\n').length}:${before.length - before.lastIndexOf('\n')}`
}

function skipSpace(text: string, at: number): number {
  SPACE.lastIndex = at
  SPACE.test(text)
  return SPACE.lastIndex
}

/** The start of the value of member `key` of the object at `at`, the last one if it repeats. */
function memberStart(text: string, at: number, key: string): number | undefined {
  if (text[at] !== '{') return undefined
  let found: number | undefined
  at = skipSpace(text, at + 1)
  while (text[at] === '"') {
    STRING.lastIndex = at
    if (!STRING.test(text)) return found
    const name = JSON.parse(text.slice(at, STRING.lastIndex)) as string
    at = skipSpace(text, STRING.lastIndex)
    if (text[at] !== ':') return found
    const start = skipSpace(text, at + 1)
    if (name === key) found = start
    const end = valueEnd(text, start)
    if (end === undefined) return found
    at = skipSpace(text, end)
    if (text[at] !== ',') break
    at = skipSpace(text, at + 1)
  }
  return found
}

/** The start of element `index` of the array at `at`. */
function elementStart(text: string, at: number, index: number): number | undefined {
  if (text[at] !== '[') return undefined
  at = skipSpace(text, at + 1)
  for (let i = 0; text[at] !== ']' && at < text.length; i++) {
    if (i === index) return at
    const end = valueEnd(text, at)
    if (end === undefined) return undefined
    at = skipSpace(text, end)
    if (text[at] !== ',') return undefined
    at = skipSpace(text, at + 1)
  }
  return undefined
}

/** Where the value starting at `at` ends: brackets counted, strings skipped whole. */
function valueEnd(text: string, at: number): number | undefined {
  let depth = 0
  do {
    const char = text[at]
    if (char === '"') {
      STRING.lastIndex = at
      if (!STRING.test(text)) return undefined
      at = STRING.lastIndex
      continue
    }
    if (char === '{' || char === '[') depth++
    else if (char === '}' || char === ']') depth--
    else if (depth === 0) {
      NUMBER.lastIndex = LITERAL.lastIndex = at
      if (NUMBER.test(text)) return NUMBER.lastIndex
      return LITERAL.test(text) ? LITERAL.lastIndex : undefined
    }
    if (depth < 0 || char === undefined) return undefined
    at++
  } while (depth > 0)
  return at
}
