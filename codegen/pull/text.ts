import { escapeControls } from '../controls.js'

/** Text from the wire or a DNS record, safe for a one-line message: control characters escaped, bounded. */
export function printable(value: string, max = 120): string {
  const clean = escapeControls(value)
  return clean.length > max ? `${clean.slice(0, max)}…` : clean
}
