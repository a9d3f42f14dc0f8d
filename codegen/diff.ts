import type { OutputFiles } from './emit.js'
import { compare } from './order.js'
import { BANNER_PREFIX } from './emit/writer.js'

/** How an output directory differs from what generation produces now. */
export interface OutputDiff {
  /** Generated files whose content would change. */
  readonly changed: string[]
  /** Files generation would add. */
  readonly added: string[]
  /** Generated files generation would no longer produce. */
  readonly removed: string[]
  /** Files without the generated banner: hand-written, never ours to overwrite or delete. */
  readonly stray: string[]
}

export function diffOutput(current: ReadonlyMap<string, string>, next: OutputFiles): OutputDiff {
  const result: OutputDiff = { changed: [], added: [], removed: [], stray: [] }
  for (const [path, content] of current) {
    if (!content.startsWith(BANNER_PREFIX)) result.stray.push(path)
    else if (!next.has(path)) result.removed.push(path)
    else if (next.get(path) !== content) result.changed.push(path)
  }
  for (const path of next.keys()) if (!current.has(path)) result.added.push(path)
  for (const list of Object.values(result)) list.sort(compare)
  return result
}

export function isClean(diff: OutputDiff): boolean {
  return !diff.changed.length && !diff.added.length && !diff.removed.length && !diff.stray.length
}

/** A file list plus unified diffs, cut off after `maxLines` so a big drift stays readable. */
export async function formatDiff(
  diff: OutputDiff,
  current: ReadonlyMap<string, string>,
  next: OutputFiles,
  maxLines = 400,
): Promise<string> {
  // Loaded only when there is a difference to show.
  const { createTwoFilesPatch } = await import('diff')
  const out: string[] = []
  const list = (label: string, paths: string[]) => paths.forEach((path) => out.push(`  ${label} ${path}`))
  list('changed:', diff.changed)
  list('added:  ', diff.added)
  list('removed:', diff.removed)
  list('stray:  ', diff.stray)
  if (diff.stray.length) out.push('  (stray files have no generated banner; move them out of the output directory)')

  const patches: string[] = []
  for (const path of [...diff.changed, ...diff.added, ...diff.removed].sort(compare)) {
    const before = current.get(path) ?? ''
    const after = next.get(path) ?? ''
    const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context: 3 })
    patches.push(...patch.split('\n').slice(1).filter((line, i, all) => i < all.length - 1 || line !== ''))
  }
  if (patches.length > maxLines) {
    const hidden = patches.length - maxLines
    patches.length = maxLines
    patches.push(`... diff truncated: ${hidden} more lines`)
  }
  return [...out, '', ...patches].join('\n')
}
