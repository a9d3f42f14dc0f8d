/**
 * How deep a value the generated validators follow (runtime/validate.ts MAX_DEPTH), on the
 * deepest answer a real lexicon allows: app.bsky.feed.getPostThread with its maximum of 1,000
 * parents (parentHeight) or 1,000 levels of replies (depth). @atproto/lexicon passes both, and so
 * must we; a thread deeper than the limit is an issue, not a stack overflow.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importGenerated, ourVerdict, referenceLexicons, referenceVerdict, ROOT } from './support.js'

const lex = await referenceLexicons()
const modules = await importGenerated(join(ROOT, 'lexicons'), ['app.bsky.feed.getPostThread'])
const output = modules.get('app/bsky/feed/getPostThread.ts')!.validators.output
const target = { kind: 'output', nsid: 'app.bsky.feed.getPostThread' } as const

const post = (i: number) => ({
  uri: `at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3jzfcijpj2z${i}`,
  cid: 'bafyreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe',
  author: { did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz', handle: 'alice.bsky.social' },
  record: { $type: 'app.bsky.feed.post', text: 'hi', createdAt: '2024-01-15T10:30:00.000Z' },
  indexedAt: '2024-01-15T10:30:00.000Z',
})
const THREAD = 'app.bsky.feed.defs#threadViewPost'

/** A thread of `levels` posts, each the parent of the one below, or each the only reply of the one above. */
function thread(levels: number, direction: 'parent' | 'replies') {
  let node: Record<string, unknown> = { $type: THREAD, post: post(0) }
  for (let i = 1; i < levels; i++) node = { $type: THREAD, post: post(i), ...(direction === 'parent' ? { parent: node } : { replies: [node] }) }
  return { thread: node }
}

describe('getPostThread at the depths its lexicon allows', () => {
  it.each(['parent', 'replies'] as const)('1,000 levels of %s pass, as @atproto/lexicon passes them', (direction) => {
    const value = thread(1000, direction)
    expect(referenceVerdict(lex, target, value)).toEqual({ valid: true })
    expect(ourVerdict(output, value).issues).toEqual([])
  })

  it('deeper than the limit is one issue, not a stack overflow', () => {
    const { issues } = ourVerdict(output, thread(20_000, 'parent'))
    expect(issues).toHaveLength(1)
    expect(issues[0]!.message).toBe('is nested more than 1500 objects deep')
  })
})
