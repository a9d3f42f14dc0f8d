/**
 * Line layout: generated lines are kept within MAX_LINE and broken the way a formatter would
 * break them, so the output needs no formatter. Everything here rests on one scan of a line
 * that skips string literals and tracks bracket depth: it splits long unions (writer.ts) and
 * long calls and conditions (the validator emitter).
 */

/** Generated lines are kept within this width, as a formatter would. */
export const MAX_LINE = 110

/** Brackets of code, and of types (where `<…>` nests too; in code `<` and `>` compare). */
const CODE_BRACKETS = { open: '([{', close: ')]}' }
const TYPE_BRACKETS = { open: '([{<', close: ')]}>' }
type Brackets = typeof CODE_BRACKETS

/**
 * Walks `text` from `start`, skipping the inside of '…' and `…` literals, and calls `visit` with
 * each other character's index and the bracket depth before it (relative to `start`); `visit`
 * returning true stops the walk. Returns where it stopped, or -1.
 */
function scan(text: string, start: number, brackets: Brackets, visit: (i: number, depth: number) => boolean): number {
  let depth = 0
  for (let i = start; i < text.length; i++) {
    const c = text[i]!
    if (c === "'" || c === '`') {
      i = endOfLiteral(text, i)
      continue
    }
    if (visit(i, depth)) return i
    if (brackets.open.includes(c)) depth++
    else if (brackets.close.includes(c)) depth--
  }
  return -1
}

function endOfLiteral(text: string, start: number): number {
  let i = start + 1
  while (i < text.length && text[i] !== text[start]) i += text[i] === '\\' ? 2 : 1
  return i
}

/** The parts of `text` between top-level occurrences of `separator`. */
function splitTopLevel(text: string, separator: string, brackets: Brackets): string[] {
  const parts: string[] = []
  let from = 0
  scan(text, 0, brackets, (i, depth) => {
    if (depth === 0 && i >= from && text.startsWith(separator, i)) {
      parts.push(text.slice(from, i))
      from = i + separator.length
    }
    return false
  })
  parts.push(text.slice(from))
  return parts
}

/** The members of a top-level `|` union type; nesting in brackets and quotes is respected. */
export function unionMembers(type: string): string[] {
  return splitTopLevel(type, ' | ', TYPE_BRACKETS)
}

/** The index of the bracket closing the one at `open`, or -1. */
function closing(text: string, open: number): number {
  return scan(text, open, CODE_BRACKETS, (i, depth) => depth === 1 && CODE_BRACKETS.close.includes(text[i]!))
}

/** Top-level comma-separated parts of an argument or item list. */
function splitArgs(text: string): string[] {
  return splitTopLevel(text, ',', CODE_BRACKETS).map((part) => part.trim())
}

/**
 * Breaks a line of code that would pass the width (`base` is the indentation it will get) as a
 * formatter would: an `if`'s or an `else`'s statement onto the next line, then a call's arguments
 * one per line, then an array argument's items one per line.
 */
export function fit(line: string, base: number): string[] {
  if (base + line.length <= MAX_LINE) return [line]
  const pad = /^ */.exec(line)![0]
  const text = line.slice(pad.length)
  const condition = /^(?:else )?if \(/.exec(text)
  if (condition) {
    const close = closing(text, condition[0].length - 1)
    const statement = text.slice(close + 1).trim()
    if (statement !== '' && !statement.endsWith('{')) return [pad + text.slice(0, close + 1), ...fit(`${pad}  ${statement}`, base)]
  }
  if (text.startsWith('else ') && !condition) return [`${pad}else`, ...fit(`${pad}  ${text.slice(5)}`, base)]
  const open = text.indexOf('(')
  if (open > 0 && /^[\w$.]+$/.test(text.slice(0, open)) && closing(text, open) === text.length - 1) {
    const list = splitArgs(text.slice(open + 1, -1))
    const last = list.at(-1)!
    const hugged = `${pad}${text.slice(0, open + 1)}${list.slice(0, -1).join(', ')}, [`
    if (last.startsWith('[') && last.endsWith(']') && base + hugged.length <= MAX_LINE) {
      return [hugged, ...splitArgs(last.slice(1, -1)).map((item) => `${pad}  ${item},`), `${pad}])`]
    }
    const args = list.map((arg) => `${pad}  ${arg},`)
    const broken = args.flatMap((arg) => {
      if (base + arg.length <= MAX_LINE || !arg.trimStart().startsWith('[')) return [arg]
      const items = splitArgs(arg.trim().slice(1, -2)).map((item) => `${pad}    ${item},`)
      return [`${pad}  [`, ...items, `${pad}  ],`]
    })
    return [pad + text.slice(0, open + 1), ...broken, `${pad})`]
  }
  return [line]
}
