/**
 * What a contributor can commit next to the folders lexgen replaces, for CI (or a maintainer) to
 * run lexgen on: a swap journal, or a lock that is no file. Recovery reads journals before anything
 * else, and a wait for a lock never ends by itself: neither may write, remove or hang.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LEXICONS, removeDir, runCli, tempDir } from './helpers.js'

let root: string
const small = ['--lexicons', LEXICONS, '--include', 'chat.bsky.convo.getLog']

beforeAll(async () => {
  root = await tempDir('lexgen-committed-')
})
afterAll(async () => {
  await removeDir(root)
})

async function project(name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir, { recursive: true })
  expect((await runCli(['generate', ...small, '--out', join(dir, 'out')], dir)).code).toBe(0)
  return dir
}

describe('committed next to the output', () => {
  it('a swap journal naming paths outside its swap is refused whole: nothing written, nothing removed', async () => {
    const dir = await project('journal')
    await mkdir(join(root, 'victim'), { recursive: true })
    await writeFile(join(root, 'victim/important'), 'keep me')
    const journal = { swaps: [], journals: ['.lexgen-out-99999-abcdef.swap', '../victim/important'], files: [{ path: '../pwned.txt', content: 'written by journal\n' }] }
    await writeFile(join(dir, '.lexgen-out-99999-abcdef.swap'), JSON.stringify(journal))
    const check = await runCli(['check', ...small, '--out', join(dir, 'out')], dir)
    expect(check.code).toBe(1)
    expect(check.stderr).toMatch(/\.lexgen-out-99999-abcdef\.swap: journal "\.\.\/victim\/important": not a journal lexgen wrote; delete it \(nothing was done\)/)
    expect(await readFile(join(root, 'victim/important'), 'utf8')).toBe('keep me')
    await expect(readFile(join(root, 'pwned.txt'))).rejects.toThrow(/ENOENT/)
  })

  it('a lock that is a folder (or a link) is an error, not a wait that spins forever', async () => {
    const dir = await project('lock')
    await mkdir(join(dir, '.lexgen-out-lock'))
    const check = await runCli(['check', ...small, '--out', join(dir, 'out')], dir)
    expect(check.code).toBe(1)
    expect(check.stderr).toMatch(/\.lexgen-out-lock: no lock lexgen wrote \(a folder or a link\): delete it\n$/)
  })
})
