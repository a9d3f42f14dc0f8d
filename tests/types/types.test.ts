import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { ROOT, makeTypecheckable, provideRuntime, removeDir, runCli, tempDir, typecheck } from '../codegen/helpers.js'
import { USER_COMPILER_OPTIONS } from '../docs/support.js'

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

/**
 * A lexicon `unknown` the client sends (createRecord's and putRecord's `record`, applyWrites'
 * `value`) takes any object, generated interfaces included, which the index signature of
 * `UnknownObject` (what the client receives) never accepts from an interface. Compiled against the
 * runtime's declarations as installed, under the strictest options users set, and without
 * exactOptionalPropertyTypes.
 */
it('generated records and defs pass where the lexicon says unknown; a received unknown narrows with the guards', async () => {
  const out = await tempDir()
  dirs.push(out)
  const include = ['--include', 'com.atproto.repo.*', '--include', 'app.bsky.feed.post']
  expect((await runCli(['generate', '--out', join(out, 'generated'), '--no-docs', ...include])).code).toBe(0)
  await provideRuntime(out)
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n')
  await writeFile(join(out, 'probe.ts'), `
import type { $Typed, UnknownObject } from '@lexgen/runtime'
import { comAtprotoRepoApplyWrites, comAtprotoRepoCreateRecord, comAtprotoRepoGetRecord, comAtprotoRepoListRecords, comAtprotoRepoPutRecord, type Core } from './generated/index.js'
import { AppBskyFeedDefs, AppBskyFeedPost, ComAtprotoRepoStrongRef } from './generated/index.js'

declare const core: Core
declare const post: AppBskyFeedPost.Record
declare const typed: $Typed<AppBskyFeedPost.Record>
declare const ref: ComAtprotoRepoStrongRef.Main
declare const view: AppBskyFeedDefs.PostView
const repo = 'did:plc:alice'
const collection = 'app.bsky.feed.post'

export async function send(): Promise<void> {
  await comAtprotoRepoCreateRecord(core, { repo, collection, record: post })
  await comAtprotoRepoCreateRecord(core, { repo, collection, record: typed })
  await comAtprotoRepoCreateRecord(core, { repo, collection, record: ref })
  await comAtprotoRepoCreateRecord(core, { repo, collection, record: { $type: collection, text: 'hi', createdAt: '2024-01-01T00:00:00Z' } })
  await comAtprotoRepoCreateRecord(core, { repo, collection, record: view.record })
  await comAtprotoRepoPutRecord(core, { repo, collection, rkey: 'self', record: post })
  await comAtprotoRepoApplyWrites(core, {
    repo,
    writes: [
      { $type: 'com.atproto.repo.applyWrites#create', collection, value: post },
      { $type: 'com.atproto.repo.applyWrites#update', collection, rkey: 'self', value: typed },
    ],
  })
  // @ts-expect-error an array is no lexicon object
  await comAtprotoRepoCreateRecord(core, { repo, collection, record: [post] })
  // @ts-expect-error nor is a string
  await comAtprotoRepoCreateRecord(core, { repo, collection, record: 'post' })
}

export async function receive(): Promise<void> {
  const got = await comAtprotoRepoGetRecord(core, { repo, collection, rkey: 'self' })
  if (!got.ok) return
  const value: UnknownObject = got.value.value
  const field: unknown = value['text']
  // @ts-expect-error a field read without narrowing is unknown, not any
  const text: string = value['text']
  if (AppBskyFeedPost.isRecord(value)) {
    const narrowed: string = value.text
    const type: 'app.bsky.feed.post' = value.$type
    await comAtprotoRepoPutRecord(core, { repo, collection, rkey: 'self', record: value })
    await comAtprotoRepoPutRecord(core, { repo, collection, rkey: 'self', record: { ...value, text: narrowed + '!' } })
    void [field, text, type]
  }
  const page = await comAtprotoRepoListRecords(core, { repo, collection })
  if (page.ok) for (const record of page.value.records) if (AppBskyFeedPost.isRecord(record.value)) void record.value.createdAt
  if (AppBskyFeedPost.isRecord(view.record)) void view.record.text
}
`)
  // A strict user's project (tests/docs/support.ts), without Node's types: the probe needs none.
  const compilerOptions = { ...USER_COMPILER_OPTIONS, verbatimModuleSyntax: true, types: [] }
  for (const exactOptionalPropertyTypes of [true, false]) {
    await writeFile(join(out, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, exactOptionalPropertyTypes }, include: ['**/*.ts'], exclude: ['node_modules'] }))
    const result = await typecheck(join(out, 'tsconfig.json'))
    expect(result.output, `exactOptionalPropertyTypes: ${exactOptionalPropertyTypes}`).toBe('')
    expect(result.code).toBe(0)
  }
})
