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
 * Where the values of a JSON text start, found in one pass: `line:column` (from 1) of the value
 * at some keys, as an editor jumps to it; a key that is not there gives the value holding it. Of
 * duplicate keys the last counts, as JSON.parse keeps it. Text that is no longer JSON (the file
 * changed since it was read) is indexed up to where it goes wrong: this runs on the way to an
 * error message, and must never throw itself. No recursion: any depth is read. Built once per
 * file, so a thousand problems in one file cost one read of it.
 */
export class JsonLocator {
  /** Where each value starts, by its id: the whole text's value is 0. */
  private readonly offsets: number[] = []
  /** A value's id by its parent's id and its own key (`<parent id> <s|n><key>`): one short entry per value. */
  private readonly children = new Map<string, number>()
  /** The offset each line starts at. */
  private readonly lineStarts = [0]

  constructor(text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.lineStarts.push(at + 1)
    indexValues(text, (parent, key, at) => {
      const id = this.offsets.push(at) - 1
      if (parent !== undefined) this.children.set(childKey(parent, key!), id)
      return id
    })
  }

  lineColumn(keys: readonly (string | number)[]): string {
    // The deepest value on the way that is there (none but an empty text has no root).
    let id = 0
    for (const key of keys) {
      const child = this.children.get(childKey(id, key))
      if (child === undefined) break
      id = child
    }
    const offset = this.offsets[id] ?? 0
    // The last line starting at or before the offset.
    let [low, high] = [0, this.lineStarts.length - 1]
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if (this.lineStarts[mid]! <= offset) low = mid
      else high = mid - 1
    }
    return `${low + 1}:${offset - this.lineStarts[low]! + 1}`
  }
}

function childKey(parent: number, key: string | number): string {
  return `${parent} ${typeof key === 'number' ? `n${key}` : `s${key}`}`
}

function skipSpace(text: string, at: number): number {
  SPACE.lastIndex = at
  SPACE.test(text)
  return SPACE.lastIndex
}

const MAX_INDEXED_DEPTH = 128

/** Where the object or array at `at` ends: brackets counted, strings skipped whole. */
function containerEnd(text: string, at: number): number | undefined {
  for (let depth = 0; at < text.length; ) {
    const char = text[at]
    if (char === '"') {
      STRING.lastIndex = at
      if (!STRING.test(text)) return undefined
      at = STRING.lastIndex
      continue
    }
    if (char === '{' || char === '[') depth++
    else if ((char === '}' || char === ']') && --depth === 0) return at + 1
    at++
  }
  return undefined
}

/** The object or array being read: its id, and the index of its element being read. */
interface Open {
  readonly close: '}' | ']'
  readonly id: number
  index: number
}

/**
 * Reports each value of the text as it starts, with its parent's id and its key there (none for
 * the whole text's), and takes the id `found` gives it. A duplicate key's later value is reported
 * again under the same key, and so replaces the earlier one.
 */
function indexValues(text: string, found: (parent: number | undefined, key: string | number | undefined, at: number) => number): void {
  const open: Open[] = []
  let parent: number | undefined
  let key: string | number | undefined
  let at = skipSpace(text, 0)
  /** Reads `"name":` at `at` as the key of the object's next value; false when it is not there. */
  const member = (object: Open): boolean => {
    STRING.lastIndex = at
    if (text[at] !== '"' || !STRING.test(text)) return false
    key = JSON.parse(text.slice(at, STRING.lastIndex)) as string
    parent = object.id
    at = skipSpace(text, STRING.lastIndex)
    if (text[at] !== ':') return false
    at = skipSpace(text, at + 1)
    return true
  }
  for (;;) {
    // A value starts at `at`, under `parent` at `key`.
    const id = found(parent, key, at)
    const char = text[at]
    if ((char === '{' || char === '[') && open.length >= MAX_INDEXED_DEPTH) {
      // Deeper than any lexicon nests (load.ts refuses past 64): skipped whole, not indexed.
      const end = containerEnd(text, at)
      if (end === undefined) return
      at = end
    } else if (char === '{' || char === '[') {
      const container: Open = { close: char === '{' ? '}' : ']', id, index: 0 }
      at = skipSpace(text, at + 1)
      if (text[at] !== container.close) {
        open.push(container)
        if (char === '[') [parent, key] = [id, 0]
        else if (!member(container)) return
        continue
      }
      at++
    } else {
      STRING.lastIndex = NUMBER.lastIndex = LITERAL.lastIndex = at
      if (STRING.test(text)) at = STRING.lastIndex
      else if (NUMBER.test(text)) at = NUMBER.lastIndex
      else if (LITERAL.test(text)) at = LITERAL.lastIndex
      else return
    }
    // After a value: the next one of the innermost open object or array, or its end.
    for (;;) {
      const inner = open.at(-1)
      if (!inner) return
      at = skipSpace(text, at)
      if (text[at] === ',') {
        at = skipSpace(text, at + 1)
        if (inner.close === ']') [parent, key] = [inner.id, ++inner.index]
        else if (!member(inner)) return
        break
      }
      if (text[at] !== inner.close) return
      open.pop()
      at++
    }
  }
}
