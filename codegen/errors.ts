/**
 * A user-facing failure: a bad lexicon, a bad flag, a stale output. The CLI prints
 * `message` (never a stack) and exits 1. `file` and `path` locate the problem.
 */
export class LexgenError extends Error {
  readonly file?: string
  /** JSON path inside `file`, e.g. `defs.main.parameters.properties.limit`. */
  readonly path?: string

  constructor(reason: string, where: { file?: string; path?: string } = {}) {
    super(formatLocation(where.file, where.path) + reason)
    this.name = 'LexgenError'
    this.file = where.file
    this.path = where.path
  }
}

function formatLocation(file?: string, path?: string): string {
  if (!file) return ''
  return path ? `${file} at ${path}: ` : `${file}: `
}

/** Renders a JSON path from keys, quoting keys that are not identifiers: `defs.main["odd key"][0]`. */
export function jsonPath(keys: readonly (string | number)[]): string {
  let out = ''
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key
    else out += `[${JSON.stringify(key)}]`
  }
  return out
}
