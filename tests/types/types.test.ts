import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { ROOT, makeTypecheckable, removeDir, runCli, tempDir, typecheck } from '../codegen/helpers.js'

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map(removeDir))
})

it('the generated client holds its type-level contract (tests/types/client.types.ts)', async () => {
  const result = await typecheck(join(ROOT, 'tests/types/tsconfig.json'))
  expect(result.output).toBe('')
  expect(result.code).toBe(0)
})

/** Generates `include` into a temp folder and typechecks `probe` (a module beside the client) against it. */
async function typecheckProbe(include: string, probe: string): Promise<{ code: number; output: string }> {
  const out = await tempDir()
  dirs.push(out)
  expect((await runCli(['generate', '--out', out, '--include', include])).code).toBe(0)
  await writeFile(join(out, 'probe.ts'), probe)
  return typecheck(await makeTypecheckable(out))
}

it('closed union members narrow by comparing $type', async () => {
  const result = await typecheckProbe('com.atproto.repo.applyWrites', `
import type { Input } from './com/atproto/repo/applyWrites.js'
declare const input: Input
for (const write of input.writes) {
  switch (write.$type) {
    case 'com.atproto.repo.applyWrites#create': {
      const value: { [key: string]: unknown } = write.value
      break
    }
    case 'com.atproto.repo.applyWrites#delete': {
      // @ts-expect-error a delete carries no value
      write.value
      break
    }
    case 'com.atproto.repo.applyWrites#update':
      break
    default: {
      const exhaustive: never = write
    }
  }
}
`)
  expect(result.output).toBe('')
  expect(result.code).toBe(0)
})

it('declared errors are named types: after instanceof, and in compiler messages, as `ConvoLockedError`', async () => {
  const result = await typecheckProbe('chat.bsky.convo.sendMessage', `
import { ConvoLockedError, InvalidConvoError, type Errors } from './chat/bsky/convo/sendMessage.js'
declare const error: Errors
if (error instanceof ConvoLockedError) {
  const locked: ConvoLockedError = error
  const name: 'ConvoLocked' = locked.error
  const other: InvalidConvoError = locked
}
`)
  // The one error, naming both types rather than their expanded intersections.
  expect(result.output).toMatch(/probe\.ts\(7,9\): error TS2322: Type 'ConvoLockedError' is not assignable to type 'InvalidConvoError'\./)
  expect(result.output.match(/error TS/g)).toHaveLength(1)
})
