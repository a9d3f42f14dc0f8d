/**
 * "Did you mean" for a selection pattern that matches no lexicon: the NSIDs and namespaces
 * (`chat.bsky.convo.*`) it is close to — the same but for case, a namespace without its `.*`, or
 * a small typo. Deterministic: only the closest, sorted by name.
 */
import { compare } from './order.js'

const MAX_SUGGESTIONS = 3

/** The closest suggestions for `pattern` among `nsids` (at most three, by name); none when nothing is close. */
export function suggestPatterns(pattern: string, nsids: readonly string[]): string[] {
  const namespaces = new Set<string>()
  for (const nsid of nsids) {
    const parts = nsid.split('.')
    for (let i = 1; i < parts.length; i++) namespaces.add(`${parts.slice(0, i).join('.')}.*`)
  }
  const lower = pattern.toLowerCase()
  // A namespace written without its `.*` (or with `.` but no `*`).
  const bare = lower.replace(/\.?\*?$/, '')
  const candidates = pattern.includes('*') ? [...namespaces] : [...nsids, ...namespaces]
  const scored: [string, number][] = []
  for (const candidate of candidates) {
    const target = candidate.toLowerCase()
    let score: number | undefined
    if (target === lower) score = 0 // differs in case only
    else if (!pattern.includes('*') && target === `${bare}.*`) score = 0
    else {
      const limit = Math.min(3, Math.max(1, Math.floor(lower.length / 8)))
      const distance = editDistance(lower, target, limit)
      if (distance <= limit) score = distance
      else if (target.endsWith('.*') && !pattern.includes('*') && editDistance(bare, target.slice(0, -2), limit) <= limit) score = limit
    }
    if (score !== undefined && candidate !== pattern) scored.push([candidate, score])
  }
  scored.sort(([a, x], [b, y]) => x - y || compare(a, b))
  // Only the closest: a case slip should not come with every NSID a few edits away.
  return scored.filter(([, score]) => score === scored[0]![1]).slice(0, MAX_SUGGESTIONS).map(([candidate]) => candidate)
}

/**
 * The one candidate `word` is a slip of (case aside, at most `limit` edits), the closest; none
 * when nothing is that close or two are equally close.
 */
export function closestOne(word: string, candidates: Iterable<string>, limit = 2): string | undefined {
  const lower = word.toLowerCase()
  let best: string | undefined
  let bestDistance = limit + 1
  let tied = false
  for (const candidate of candidates) {
    if (candidate === word) continue
    const distance = editDistance(lower, candidate.toLowerCase(), limit)
    if (distance < bestDistance) [best, bestDistance, tied] = [candidate, distance, false]
    else if (distance === bestDistance && candidate !== best) tied = true
  }
  return tied ? undefined : best
}

/** ` (did you mean 'x'?)` after a message, or nothing when nothing was meant. */
export function meantHint(meant: string | undefined): string {
  return meant === undefined ? '' : ` (did you mean '${meant}'?)`
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost)
      best = Math.min(best, row[j]!)
    }
    if (best > limit) return limit + 1
    previous = row
  }
  return previous[b.length]!
}
