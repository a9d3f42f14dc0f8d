/**
 * Characters of lexicon text (or of a file name) that lexgen never writes as they are, whether to
 * a terminal, a generated module or a docs page:
 *
 * - C0 controls and DEL: a terminal acts on ESC sequences (colours, a cleared screen, a window
 *   title, the clipboard) and on a carriage return, which overwrites the line; a NUL makes git
 *   call a file binary and hide its diff from review;
 * - C1 controls: U+009B is CSI to a terminal that reads 8-bit controls;
 * - the bidirectional embeddings, overrides and isolates: text shown in another order than it is
 *   stored ("Trojan Source", CVE-2021-42574), which GitHub flags on any file that holds them.
 *
 * Each is written as its escape (`\x1b`, `\u202e`): visible, and the rest of the text unchanged.
 * Tab and line feed are the caller's choice: a message or a comment keeps its lines.
 */

/** The characters above, as ranges for a regular expression's character class. */
export const CONTROL_RANGES = '\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069'

const CONTROLS = new RegExp(`[${CONTROL_RANGES}]`, 'g')

/**
 * `text` with each character above escaped; with `keepLines`, tabs and line feeds stay. With
 * `unicode`, every escape is `\u` and four digits, as JSON and JSON.stringify write them.
 */
export function escapeControls(text: string, { keepLines = false, unicode = false }: { keepLines?: boolean; unicode?: boolean } = {}): string {
  return text.replace(CONTROLS, (char) => (keepLines && (char === '\n' || char === '\t') ? char : escapeOf(char, unicode)))
}

function escapeOf(char: string, unicode: boolean): string {
  const code = char.charCodeAt(0)
  return code < 0x100 && !unicode ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}
