/**
 * Keys a schema's type does not define (codegen/ignored-keys.ts) are dropped by @atproto/lexicon
 * unread; the generated validators ignore them too, so the verdicts stay the reference's: a
 * boolean's `enum` and params' `nullable` were enforced, refusing what servers accept.
 */
import { Lexicons } from '@atproto/lexicon'
import { afterAll, describe, expect, it } from 'vitest'
import { lexiconDir, removeDir } from '../codegen/helpers.js'
import { IGNORED_KEYS_DOC } from '../codegen/support/ignored-keys-doc.js'
import { importGenerated, ourVerdict, referenceVerdict } from './support.js'

const doc = IGNORED_KEYS_DOC
const dir = await lexiconDir({ 'com/example/get.json': doc })
afterAll(() => removeDir(dir))
const { validators } = (await importGenerated(dir, ['com.example.get'])).get('com/example/get.ts')!
const lex = new Lexicons([structuredClone(doc)])

describe('keys a schema type does not define', () => {
  it.each([
    ['params', { p: null }],
    ['output', { b: false }],
  ] as const)('are not enforced (%s), as @atproto/lexicon does not', (kind, value) => {
    const reference = referenceVerdict(lex, { kind, nsid: 'com.example.get' }, value)
    expect(ourVerdict(validators[kind], value).valid).toBe(reference.valid)
    expect(reference.valid).toBe(kind === 'output')
  })
})
