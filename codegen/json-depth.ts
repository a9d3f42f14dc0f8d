/**
 * How deep a lexicon doc may nest. The deepest upstream doc nests 9 levels (objects and arrays);
 * every stage after reading (validation, selection, the emitters, the structured clone to the
 * check worker, a CID) walks docs recursively, and a hostile one 10,000 levels deep exhausted the
 * stack, the clone, or left a worker hanging. So a doc deeper than this is refused as it is read.
 */
const MAX_LEXICON_DEPTH = 64

/** Why `value` cannot be a lexicon doc by its depth, or undefined. Walks without recursing. */
export function depthProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const pending: [object, number][] = [[value, 1]]
  while (pending.length) {
    const [node, depth] = pending.pop()!
    if (depth > MAX_LEXICON_DEPTH) return `nested more than ${MAX_LEXICON_DEPTH} levels deep (lexicons nest a handful): refused, as reading it could exhaust the stack`
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) pending.push([child, depth + 1])
  }
  return undefined
}
