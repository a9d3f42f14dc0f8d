/** Where in a text something went wrong, as a person jumps to it: a line and a column. */

/** `line 3, column 7` for the position right after `before`. */
export function lineAndColumn(before: string): string {
  return `line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`
}

/** A JSON.parse error as its reason and the line and column it names (V8 says "at position N"). */
export function describeJsonError(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message)
  const reason = error.message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '')
  if (!position) return reason
  return `${reason} at ${lineAndColumn(text.slice(0, Number(position[1])))}`
}
