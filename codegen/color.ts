/**
 * ANSI colour for what the CLI prints: on a terminal only, never with `NO_COLOR`, always with
 * `FORCE_COLOR` (CI logs that render ANSI). `lexgen diff`'s report and the CLI's own messages
 * (errors, warnings, `check`'s diff) paint with the same styles.
 */
import { escapeControls } from './controls.js'

export type Style = 'breaking' | 'source' | 'compatible' | 'docs' | 'bold' | 'dim' | 'error' | 'warning' | 'ok' | 'added' | 'removed' | 'hunk'

const STYLES: Record<Style, string> = {
  breaking: '\x1b[1;31m',
  source: '\x1b[1;33m',
  compatible: '\x1b[32m',
  docs: '\x1b[2m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  error: '\x1b[1;31m',
  warning: '\x1b[1;33m',
  ok: '\x1b[32m',
  added: '\x1b[32m',
  removed: '\x1b[31m',
  hunk: '\x1b[36m',
}

export type Paint = (style: Style, text: string) => string

/** Paints when `color` is on; the identity otherwise. */
export function painter(color: boolean): Paint {
  return color ? (style, text) => `${STYLES[style]}${text}\x1b[0m` : (_style, text) => text
}

/** Writes the CLI's warning line, `lexgen: warning: <text>`, its word painted when `color` is on. */
export function warner(err: (text: string) => void, color = false): (text: string) => void {
  const paint = painter(color)
  return (text) => err(`lexgen: ${paint('warning', 'warning:')} ${escapeControls(text, { keepLines: true })}\n`)
}

/** Whether to colour what goes to `stream`. */
export function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false
  // 0 or false turns colour off (as Node reads them), any other value forces it.
  if (env.FORCE_COLOR) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  // A terminal that shows no escapes (Emacs's shell).
  return stream.isTTY === true && env.TERM !== 'dumb'
}
