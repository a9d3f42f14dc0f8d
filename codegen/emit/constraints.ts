/** The constraints a lexicon field states, in the order the JSDoc tags and the docs tables list them. */
const KEYS = ['format', 'minLength', 'maxLength', 'minGraphemes', 'maxGraphemes', 'minimum', 'maximum', 'default', 'accept', 'maxSize'] as const

type ConstraintKey = (typeof KEYS)[number]

/** Each constraint the schema sets, as `[key, value]`. */
export function constraintEntries(schema: { readonly [key: string]: unknown }): [ConstraintKey, unknown][] {
  return KEYS.flatMap((key) => (schema[key] === undefined ? [] : [[key, schema[key]] as [ConstraintKey, unknown]]))
}
