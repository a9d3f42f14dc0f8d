/**
 * Constraints of one schema that contradict each other: no value can pass them, or the value the
 * lexicon itself names (its `const`, its `default`) fails them. @atproto/lexicon 0.6 accepts all
 * of these, and the generated validator would then refuse every value of the field, or the
 * default a caller leaves out, at run time; the Go reference (indigo) refuses the inverted ranges
 * too. So each is refused where it is written. A `default` equal to the `const` says the same
 * thing twice: it passes.
 *
 * A string `const` or `default` is also held to its `format`, as the generated validator checks it.
 *
 * Runs on a doc @atproto/lexicon has accepted, so every constraint has its type (integers for
 * bounds, a string or number for a value of that type).
 */
import { hasFormat } from './string-formats.js'

export interface Contradiction {
  /** Where, from the schema: `['maximum']`, `['nullable', 2]`. */
  readonly path: readonly (string | number)[]
  readonly message: string
}

type Schema = Readonly<Record<string, unknown>>

export function contradictions(schema: Schema): Contradiction[] {
  const found: Contradiction[] = []
  const say = (path: (string | number)[], message: string) => found.push({ path, message })
  switch (schema.type) {
    case 'integer':
      inverted(schema, 'minimum', 'maximum', say)
      noEnumValueFits(schema, (value) => typeof value === 'number' && integerBoundsMiss(schema, value) !== undefined, say)
      for (const key of VALUE_KEYS) if (typeof schema[key] === 'number') valueFits(key, schema[key], integerMisses(schema, schema[key]), say)
      break
    case 'string':
      inverted(schema, 'minLength', 'maxLength', say)
      inverted(schema, 'minGraphemes', 'maxGraphemes', say)
      belowZero(schema, 'maxLength', say)
      belowZero(schema, 'maxGraphemes', say)
      if (isNumber(schema.minGraphemes) && isNumber(schema.maxLength) && schema.minGraphemes > schema.maxLength) {
        say(['minGraphemes'], `minGraphemes ${schema.minGraphemes} is above maxLength ${schema.maxLength}: a grapheme takes at least one UTF-8 byte, so no value can pass`)
      }
      noEnumValueFits(schema, (value) => typeof value === 'string' && (stringBoundsMiss(schema, value) ?? formatMiss(schema, value)) !== undefined, say)
      for (const key of VALUE_KEYS) if (typeof schema[key] === 'string') valueFits(key, schema[key], stringMisses(schema, schema[key]), say)
      break
    case 'bytes':
    case 'array':
      inverted(schema, 'minLength', 'maxLength', say)
      belowZero(schema, 'maxLength', say)
      break
    case 'blob':
      belowZero(schema, 'maxSize', say)
      break
    case 'object':
      if (Array.isArray(schema.nullable) && isRecord(schema.properties)) {
        const properties = schema.properties
        schema.nullable.forEach((name: unknown, i) => {
          if (typeof name === 'string' && !Object.hasOwn(properties, name)) say(['nullable', i], `nullable field ${shown(name)} not defined`)
        })
      }
      inheritedRequired(schema, say)
      break
    case 'params':
      inheritedRequired(schema, say)
      break
  }
  if (TYPES_WITH_VALUES.has(schema.type) && schema.default !== undefined && schema.const !== undefined && schema.default !== schema.const) {
    say(['default'], `default ${shown(schema.default)} differs from const ${shown(schema.const)}, the only value the field takes`)
  }
  return found
}

/**
 * A `required` field named like an `Object.prototype` member (`toString`) that `properties` does not
 * define: @atproto/lexicon finds it there through the prototype, and passes it, where it refuses
 * any other name `properties` lacks. Said as it says those (parse.ts).
 */
function inheritedRequired(schema: Schema, say: Say): void {
  if (!Array.isArray(schema.required) || !isRecord(schema.properties)) return
  const properties = schema.properties
  schema.required.forEach((name: unknown, i) => {
    if (typeof name === 'string' && name in properties && !Object.hasOwn(properties, name)) say(['required', i], `required field ${shown(name)} not defined`)
  })
}

const VALUE_KEYS = ['const', 'default'] as const
const TYPES_WITH_VALUES = new Set<unknown>(['boolean', 'integer', 'string'])

type Say = (path: (string | number)[], message: string) => void

/** A lower bound above its upper bound. */
function inverted(schema: Schema, min: string, max: string, say: Say): void {
  const [low, high] = [schema[min], schema[max]]
  if (isNumber(low) && isNumber(high) && low > high) say([max], `${max} ${high} is below ${min} ${low}: no value can pass`)
}

/** An upper bound on a length or a count, which is never negative. */
function belowZero(schema: Schema, max: string, say: Say): void {
  const high = schema[max]
  if (isNumber(high) && high < 0) say([max], `${max} ${high} is below zero: no value can pass`)
}

/** An enum none of whose values passes the schema's other constraints (`fails`): the field takes nothing. */
function noEnumValueFits(schema: Schema, fails: (value: unknown) => boolean, say: Say): void {
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every(fails)) {
    say(['enum'], `no value of enum ${shown(schema.enum)} passes the field's other constraints: no value can pass`)
  }
}

/** The const or default `value` against the rest of the schema: `misses` says how it fails them, if it does. */
function valueFits(key: (typeof VALUE_KEYS)[number], value: unknown, misses: string | undefined, say: Say): void {
  // A const is the only value the field allows; a default, the one it stands for when none is given.
  if (misses !== undefined) say([key], `${key} ${shown(value)} ${misses}: ${key === 'const' ? 'no value can pass' : 'the field refuses its own default'}`)
}

function integerMisses(schema: Schema, value: number): string | undefined {
  return integerBoundsMiss(schema, value) ?? enumMiss(schema, value)
}

function stringMisses(schema: Schema, value: string): string | undefined {
  return enumMiss(schema, value) ?? stringBoundsMiss(schema, value) ?? formatMiss(schema, value)
}

function formatMiss(schema: Schema, value: string): string | undefined {
  return typeof schema.format === 'string' && !hasFormat(schema.format, value) ? `is not a valid ${schema.format}` : undefined
}

function enumMiss(schema: Schema, value: unknown): string | undefined {
  return Array.isArray(schema.enum) && !schema.enum.includes(value) ? `is not in enum ${shown(schema.enum)}` : undefined
}

function integerBoundsMiss(schema: Schema, value: number): string | undefined {
  if (isNumber(schema.minimum) && value < schema.minimum) return `is below minimum ${schema.minimum}`
  if (isNumber(schema.maximum) && value > schema.maximum) return `is above maximum ${schema.maximum}`
  return undefined
}

function stringBoundsMiss(schema: Schema, value: string): string | undefined {
  if (isNumber(schema.minLength) || isNumber(schema.maxLength)) {
    const bytes = Buffer.byteLength(value)
    if (isNumber(schema.minLength) && bytes < schema.minLength) return `is ${bytes} UTF-8 bytes, below minLength ${schema.minLength}`
    if (isNumber(schema.maxLength) && bytes > schema.maxLength) return `is ${bytes} UTF-8 bytes, above maxLength ${schema.maxLength}`
  }
  if (isNumber(schema.minGraphemes) || isNumber(schema.maxGraphemes)) {
    const count = graphemes(value)
    if (isNumber(schema.minGraphemes) && count < schema.minGraphemes) return `is ${count} graphemes, below minGraphemes ${schema.minGraphemes}`
    if (isNumber(schema.maxGraphemes) && count > schema.maxGraphemes) return `is ${count} graphemes, above maxGraphemes ${schema.maxGraphemes}`
  }
  return undefined
}

let segmenter: Intl.Segmenter | undefined

function graphemes(text: string): number {
  segmenter ??= new Intl.Segmenter()
  let count = 0
  for (const _ of segmenter.segment(text)) count++
  return count
}

/** A value as the lexicon writes it, cut short: a message names it, it does not reprint it. */
function shown(value: unknown): string {
  const json = Array.isArray(value) ? `[${value.map((item) => JSON.stringify(item)).join(', ')}]` : JSON.stringify(value)
  if (json.length <= 60) return json
  // Not between the two halves of a surrogate pair (an emoji): that would print U+FFFD.
  const end = /[\ud800-\udbff]/.test(json[58]!) ? 58 : 59
  return `${json.slice(0, end)}…`
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
