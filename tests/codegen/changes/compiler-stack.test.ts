/**
 * The compiler check's one failure that is no finding: TypeScript follows imports recursively, so a
 * chain of thousands of docs, each referring to the next, exhausts the stack (2,000 did on Node 20).
 * Building such a chain would make the test depend on the machine's stack, so the check is made to
 * fail as it does there.
 */
import { describe, expect, it, vi } from 'vitest'
import { compareLexicons } from '../../../codegen/changes/index.js'
import { baseDocs, lexiconSet } from './support.js'

vi.mock('../../../codegen/changes/compiler.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../codegen/changes/compiler.js')>()),
  checkSourceCompatibility: () => Promise.reject(new RangeError('Maximum call stack size exceeded')),
}))

describe('the compiler check out of stack', () => {
  it('is an error saying what to do (--no-compiler-check), not an internal error', async () => {
    const after = baseDocs()
    after['ex.test.send']!.defs.main.input.schema.properties.text.maxGraphemes = 10
    const compared = compareLexicons(lexiconSet('before', baseDocs()), lexiconSet('after', after), { include: ['ex.test.*'], exclude: [] }, { compilerCheck: true })
    await expect(compared).rejects.toThrow(/^the TypeScript compiler ran out of stack on \d+ docs \(a long chain of references between them\): run diff with --no-compiler-check/)
  })
})
