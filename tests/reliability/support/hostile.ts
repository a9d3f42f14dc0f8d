/**
 * Lexicon text meant to break out of whatever the generator puts it in: a JSDoc comment, a
 * string literal, a template literal, an identifier, an object key, a file path. Every piece
 * that could escape carries the canary `lexgenPwned`, which must never show up as code. And the
 * names a server may use to reach through a prototype.
 */
import fc from 'fast-check'

export const CANARY = 'lexgenPwned'
/** The canary as a standalone identifier: what an escape would leave in the code. */
export const CANARY_IN_CODE = /(?<![\w$])lexgenPwned(?![\w$])/

/** Names every object inherits: looked up on a plain object, each finds something (a server may send any of them). */
export const PROTOTYPE_NAMES = ['toString', 'hasOwnProperty', 'valueOf', '__proto__', 'constructor', 'isPrototypeOf', '__defineGetter__', 'toLocaleString'] as const

export const BREAKOUTS = [
  `*/ ${CANARY}(); /*`,
  `*/\n${CANARY}();\n/**`,
  `'; ${CANARY}(); '`,
  `"); ${CANARY}(); ("`,
  `\`; ${CANARY}(); \``,
  `\${${CANARY}()}`,
  `\\'; ${CANARY}(); //`,
  `\n${CANARY}();\n`,
  `\r${CANARY}();\r`,
  `\u2028${CANARY}();\u2029`,
  `// ${CANARY}()`,
  `</script><script>${CANARY}()</script>`,
  `{@link ${CANARY}}`,
  `@deprecated */ ${CANARY}(); /**`,
  // Aimed at whoever reads the output: a terminal (clear the screen, set the title), or a reviewer (bidi overrides).
  `\u001b[2J\u001b]0;${CANARY}\u0007\u009b2J`,
  `\u202e${CANARY}\u2066\u0000`,
] as const

/**
 * What must never reach a generated file, a docs page or the terminal as it is (codegen/controls.ts):
 * C0 controls but tab and line feed, DEL, C1 controls, bidi embeddings, overrides and isolates.
 */
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

const pieces = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BREAKOUTS) },
  { weight: 2, arbitrary: fc.constantFrom('*/', '/*', '`', '${', '}', "'", '"', '\\', '\n', '\r\n', '\t', '\0', '\u2028', '\u2029', '\ufeff', '\u001b', '\u009b', '\u202e', 'é', '😀', '\ud800', ' ', '#', '.', '-', '$') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
)

/** Free text: descriptions, knownValues, enum and const values, error descriptions. */
export const hostileText = fc.array(pieces, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''))

/**
 * A name (property, def, error) that may contain anything but is never exactly the canary or a
 * bare identifier ending in it, so the canary only appears in code if something escaped.
 */
export const hostileName = fc.tuple(fc.constantFrom('x', 'a-', 'p ', "q'", '0', '$', '_'), hostileText, fc.constantFrom('', 'z', '-1', '"', ' ')).map(([a, b, c]) => `${a}${b}${c}`)
