/**
 * TreeWatcher (codegen/watcher.ts) on its own: what `generate --watch` relies on when it stops.
 * The binary's behaviour is in watch.test.ts.
 */
import { watch } from 'node:fs'
import { mkdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, expect, it, vi } from 'vitest'
import { TreeWatcher } from '../../codegen/watcher.js'
import { scratchDirs } from './helpers.js'

// stat is wrapped so a test can act in the middle of sync(), where it waits for a directory's inode.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>()
  return { ...actual, stat: vi.fn(actual.stat) }
})

// watch is wrapped so a test can make one folder's watch fail as an unreadable folder's does.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>()
  return { ...actual, watch: vi.fn(actual.watch) }
})

const { scratch } = scratchDirs()
afterEach(() => {
  vi.mocked(stat).mockReset()
  vi.mocked(watch).mockReset()
  vi.useRealTimers()
})

/** A scratch folder holding `a/b`: three folders to watch. */
async function tree(): Promise<string> {
  const root = await scratch()
  await mkdir(join(root, 'a/b'), { recursive: true })
  return root
}

/** fs.watch handles open in this process. */
const watches = () => process.getActiveResourcesInfo().filter((name) => name === 'FSEventWrap').length

/** Past one loop iteration's close phase, where a closed handle is released. */
const released = async () => {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve))
}

it('a close() that comes while sync() waits on the file system leaves no watch open (it would keep the process alive)', async () => {
  const root = await tree()
  const before = watches()
  const watcher = new TreeWatcher(() => {})
  const real = (await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises')).stat
  // The first inode lookup of sync() is where `generate --watch` can be stopped (Ctrl-C after a run).
  vi.mocked(stat).mockImplementationOnce(async (path) => {
    watcher.close()
    return real(path)
  })
  expect(await watcher.sync([root], [])).toBe(false)
  await released()
  expect(watches()).toBe(before)
})

it('watches every folder of a tree, and close() releases them all', async () => {
  const root = await tree()
  const before = watches()
  const watcher = new TreeWatcher(() => {})
  expect(await watcher.sync([root], [])).toBe(true)
  // root, a, a/b, and root's parent (for a root swapped in whole).
  expect(watches() - before).toBe(4)
  watcher.close()
  await released()
  expect(watches()).toBe(before)
})

it.each([
  ['unreadable: EACCES, which the run reading it reports', 'EACCES', []],
  ['over the limit of watches: ENOSPC, said once, as nothing else would', 'ENOSPC', ['cannot watch <b> (ENOSPC: the system allows no more watches (raise fs.inotify.max_user_watches)); changes there go unseen until the next run started by another change']],
])('a folder that cannot be watched (%s) is left unwatched, not a change that starts run after run', async (_label, code, said) => {
  const root = await tree()
  const actual = await vi.importActual<typeof import('node:fs')>('node:fs')
  vi.mocked(watch).mockImplementation(((dir: string, listener: never) => {
    if (dir.endsWith('/a/b')) throw Object.assign(new Error(`${code}: watch '${dir}'`), { code })
    return actual.watch(dir, listener)
  }) as never)
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  const onChange = vi.fn()
  const warnings: string[] = []
  const watcher = new TreeWatcher(onChange, (text) => warnings.push(text.replace(join(root, 'a/b'), '<b>')))
  expect(await watcher.sync([root], [])).toBe(true)
  await watcher.sync([root], [])
  vi.runAllTimers()
  expect(onChange).not.toHaveBeenCalled()
  expect(warnings).toEqual(said)
  watcher.close()
})

it("ignores an output folder inside the tree: neither watched nor its swap seen, so a run's own write does not start the next", async () => {
  const root = await tree()
  const before = watches()
  let calls = 0
  const watcher = new TreeWatcher(() => calls++)
  await watcher.sync([root], [], [join(root, 'a')])
  // root and its parent; not a and a/b.
  expect(watches() - before).toBe(2)
  // A second watcher on the same tree, armed after the first, is the barrier: libuv hands a
  // folder's events to its watchers in the order they were armed, and both wait the same debounce,
  // so by the time it fires, the first has fired too if it was going to.
  let barrier!: () => void
  const seen = new Promise<void>((resolve) => (barrier = resolve))
  const witness = new TreeWatcher(() => barrier())
  await witness.sync([root], [])
  try {
    // A run's swap of `a` (write.ts): its staging folder made, the old one moved aside, the new one in.
    await mkdir(join(root, '.lexgen-a-1-abcdef'))
    await rename(join(root, 'a'), join(root, '.lexgen-a-1-abcdef-previous'))
    await rename(join(root, '.lexgen-a-1-abcdef'), join(root, 'a'))
    await seen
    expect(calls).toBe(0)
    // Anything else in the tree still counts.
    const changed = new Promise<void>((resolve) => (barrier = resolve))
    await writeFile(join(root, 'new.json'), '{}')
    await changed
    expect(calls).toBe(1)
  } finally {
    watcher.close()
    witness.close()
  }
})

it('a folder deleted and made again between two syncs is watched afresh, even when it gets the same inode number back', async () => {
  const root = await tree()
  const a = join(root, 'a')
  const { ino } = await stat(a)
  let changed!: () => void
  const watcher = new TreeWatcher(() => changed())
  await watcher.sync([root], [])
  let barrier!: () => void
  const witness = new TreeWatcher(() => barrier())
  try {
    // `rm -rf a && mkdir a`, seen as one change.
    const seen = new Promise<void>((resolve) => (changed = resolve))
    await rm(a, { recursive: true })
    await mkdir(a)
    await seen
    // ext4 often hands the freed inode number to the new folder; here it always does.
    const real = (await vi.importActual<typeof import('node:fs/promises')>('node:fs/promises')).stat
    vi.mocked(stat).mockImplementation(async (path) => (path === a ? { ...(await real(path)), ino } : real(path)) as Awaited<ReturnType<typeof real>>)
    await watcher.sync([root], [])
    // The witness, armed after it on the new folder, is the barrier (see above).
    await witness.sync([root], [])
    let calls = 0
    changed = () => calls++
    const written = new Promise<void>((resolve) => (barrier = resolve))
    await writeFile(join(a, 'new.json'), '{}')
    await written
    expect(calls).toBeGreaterThan(0)
  } finally {
    watcher.close()
    witness.close()
  }
})

it('a lexicon folder whose parent does not exist yet is seen when it is made (a repository cloned after the watch started)', async () => {
  const root = await scratch()
  const lexicons = join(root, 'vendor/atproto/lexicons')
  let calls = 0
  const watcher = new TreeWatcher(() => calls++)
  await watcher.sync([lexicons], [])
  let barrier!: () => void
  const witness = new TreeWatcher(() => barrier())
  await witness.sync([root], [])
  try {
    // The witness watches root too, armed after: the barrier (see above).
    let seen = new Promise<void>((resolve) => (barrier = resolve))
    await mkdir(join(root, 'vendor'))
    await seen
    expect(calls).toBe(1)
    // The run that follows re-arms: one step closer, until the folder itself is there.
    await watcher.sync([lexicons], [])
    await witness.sync([root], [])
    seen = new Promise<void>((resolve) => (barrier = resolve))
    await mkdir(lexicons, { recursive: true })
    await seen
    expect(calls).toBe(2)
  } finally {
    watcher.close()
    witness.close()
  }
})

it("sees no change in an editor's swap, backup and temp files beside a lexicon, but does in a folder or a link made or removed there", async () => {
  const root = await tree()
  const a = join(root, 'a')
  let calls = 0
  const watcher = new TreeWatcher(() => calls++)
  await watcher.sync([root], [])
  // The witness watches the same folder for the names used here, armed after: the barrier (see above).
  const names = ['.defs.json.swp', 'defs.json~', '4913', 'defs.json___jb_tmp___', 'c', 'link', '.#defs.json', '.git'].map((name) => join(a, name))
  let barrier!: () => void
  const witness = new TreeWatcher(() => barrier())
  await witness.sync([], names)
  const step = async (act: () => Promise<unknown>) => {
    const seen = new Promise<void>((resolve) => (barrier = resolve))
    await act()
    await seen
    return calls
  }
  try {
    // vim opening a file (its swap file, written again as you type, and vim's test of the folder), and closing it unsaved.
    expect(
      await step(async () => {
        await writeFile(names[0]!, 'swap')
        await writeFile(names[0]!, 'swap, typed into')
        await writeFile(names[2]!, '')
        await rm(names[2]!)
        await rm(names[0]!)
      }),
    ).toBe(0)
    // A backup left beside the file, and a safe write's temp file (renamed over the original in a real save).
    expect(await step(() => Promise.all([writeFile(names[1]!, '{}'), writeFile(names[3]!, '{}')]))).toBe(0)
    // Emacs's lock while a buffer has unsaved changes (a link to nowhere), and a `.git` folder: hidden, never read.
    expect(await step(() => Promise.all([symlink('me@host.4242:1764900000', names[6]!), mkdir(names[7]!)]))).toBe(0)
    expect(await step(() => rm(names[6]!))).toBe(0)
    // A folder made, and a symbolic link made and (after a sync, as a run does) removed: each changes what generate reads.
    expect(await step(() => mkdir(names[4]!))).toBe(1)
    expect(await step(() => symlink('b', names[5]!))).toBe(2)
    await watcher.sync([root], [])
    await witness.sync([], names)
    expect(await step(() => rm(names[5]!))).toBe(3)
  } finally {
    watcher.close()
    witness.close()
  }
})

it('sees a linked file (a config shared through a symbolic link) edited where it lives', async () => {
  const root = await tree()
  const shared = join(root, 'a/b/lexgen.config.json')
  await writeFile(shared, '{}')
  await symlink('a/b/lexgen.config.json', join(root, 'lexgen.config.json'))
  let calls = 0
  const watcher = new TreeWatcher(() => calls++)
  await watcher.sync([], [join(root, 'lexgen.config.json')])
  let barrier!: () => void
  const witness = new TreeWatcher(() => barrier())
  await witness.sync([], [shared])
  try {
    const seen = new Promise<void>((resolve) => (barrier = resolve))
    await writeFile(shared, '{ "include": ["*"] }')
    await seen
    expect(calls).toBe(1)
  } finally {
    watcher.close()
    witness.close()
  }
})
