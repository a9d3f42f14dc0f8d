/**
 * How a wrong option value is quoted in a TypeError: by what it is when its type is the mistake
 * (`the string "5000"`, `an AbortController`), which `String(value)` hides, and never a token: a
 * token passed in the wrong place (service and auth swapped) would otherwise be printed whole.
 */
import { holdsJwt } from './redact.js'

export function shown(value: unknown): string {
  switch (typeof value) {
    case 'string':
      if (holdsJwt(value)) return 'a string that looks like a token (not shown)'
      return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`
    case 'object': {
      if (value === null) return 'null'
      if (Array.isArray(value)) return 'an array'
      const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name
      return typeof name === 'string' && name !== 'Object' ? `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}` : 'an object'
    }
    case 'function':
      return 'a function'
    default:
      return String(value)
  }
}
