/**
 * What a one-call program carries: bench/entries/ours.js (a Core and getConvo, as a browser app
 * writes it) bundled as the bench bundles it, from the built package. Code only other programs use
 * must not come along: a module-level side effect (a class member keyed by a call, a registry
 * filled at import) keeps it in every bundle, and the bench's size row would only say "bigger".
 */
import { describe, expect, it } from 'vitest'
import { buildBrowserBundle } from '../../bench/suites/bundle.js'

describe('a one-call browser bundle', () => {
  it('holds no session, pagination or validation code', async () => {
    const built = await buildBrowserBundle('ours', 'http://127.0.0.1:1')
    const code = built.outputFiles[0]!.text
    // Texts only each of those modules has (identifiers are minified away; strings stay).
    const strangers = {
      'session.ts': 'refreshTimeout must be a positive number',
      'session.ts (inspect)': 'nodejs.util.inspect.custom',
      'paginate.ts': 'this method has no single items array to iterate',
      'errors.ts (validation)': 'ResponseValidationError',
    }
    expect(Object.entries(strangers).filter(([, text]) => code.includes(text)).map(([module]) => module)).toEqual([])
  })
})
