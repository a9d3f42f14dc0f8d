import { literalKey, quote } from '../writer.js'
import { FROM_ENVIRONMENT } from './values.js'

/**
 * A JSON-like value as a TypeScript expression, the way a person would format it: on one line
 * when it fits in `width` columns (it starts `start` columns into a line indented by `indent`
 * spaces), else one entry per line.
 */
export function literal(value: unknown, indent = 0, start = 0, width = 100): string {
  const flat = oneLine(value)
  if (indent + start + flat.length <= width || !isContainer(value)) return flat
  const inner = indent + 2
  const entries = Array.isArray(value)
    ? value.map((item) => literal(item, inner, 0, width))
    : Object.entries(value as object).map(([key, item]) => `${literalKey(key)}: ${literal(item, inner, literalKey(key).length + 2, width)}`)
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}']
  return `${open}\n${entries.map((entry) => `${' '.repeat(inner)}${entry},\n`).join('')}${' '.repeat(indent)}${close}`
}

function oneLine(value: unknown): string {
  if (typeof value === 'string') return FROM_ENVIRONMENT.get(value) ?? quote(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`
  const entries = Object.entries(value as object)
  return entries.length ? `{ ${entries.map(([key, item]) => `${literalKey(key)}: ${oneLine(item)}`).join(', ')} }` : '{}'
}

function isContainer(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0)
}
