/**
 * `lexgen pull` from a git source: a real git repository on disk stands in for
 * bluesky-social/atproto (no network), pulled through the `git` command into a cache of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, cp, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { main } from '../../codegen/cli.js'
import { lockHeldBy, removeDir, ROOT, runCli, runWhileHeld, snapshotDir, tempDir } from './helpers.js'

const run = promisify(execFile)
const dirs: string[] = []
let upstream: string

const defs = (description: string) => ({
  lexicon: 1,
  id: 'com.example.feed.defs',
  defs: { postView: { type: 'object', description, properties: { uri: { type: 'string', format: 'at-uri' } } } },
})
const getPost = {
  lexicon: 1,
  id: 'com.example.feed.getPost',
  defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.example.feed.defs#postView' } } } },
}
const unrelated = { lexicon: 1, id: 'com.example.admin.purge', defs: { main: { type: 'procedure' } } }

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', ...args], { cwd })
  return stdout.trim()
}

/** Writes files (path → JSON or text) into the upstream repository and commits them; returns the commit. */
async function commit(files: Record<string, unknown>, message: string): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(upstream, path)), { recursive: true })
    await writeFile(join(upstream, path), typeof content === 'string' ? content : `${JSON.stringify(content, null, 4)}\n`)
  }
  await git(upstream, 'add', '-A')
  await git(upstream, 'commit', '-q', '-m', message)
  return git(upstream, 'rev-parse', 'HEAD')
}

/** Runs `test` while upstream's post def says `description` (committed; returns that commit), then puts 'A post.' back. */
async function whileUpstreamDescribes(description: string, test: (commit: string) => Promise<void>): Promise<void> {
  const described = await commit({ 'schemas/feed/defs.json': defs(description) }, 'describe')
  try {
    await test(described)
  } finally {
    await commit({ 'schemas/feed/defs.json': defs('A post.') }, 'revert')
  }
}

beforeAll(async () => {
  upstream = await tempDir('lexgen-upstream-')
  dirs.push(upstream)
  await git(upstream, 'init', '-q', '-b', 'main')
  // The repository's own layout (not the NSID one) and a non-lexicon JSON file, as real repos have.
  await commit(
    { 'schemas/feed/defs.json': defs('A post.'), 'schemas/feed/getPost.json': getPost, 'schemas/admin/purge.json': unrelated, 'schemas/package.json': { name: 'x' }, 'README.md': '# upstream' },
    'first',
  )
})

afterAll(async () => {
  for (const dir of dirs) await removeDir(dir)
})

interface Source {
  url?: string
  ref?: string
  folder?: string
  include?: string[]
}

async function project(source: Source = {}): Promise<string> {
  const dir = await tempDir('lexgen-pullgit-')
  dirs.push(dir)
  const config = { include: ['com.example.feed.*'], pull: { git: [{ url: upstream, ref: 'main', folder: 'schemas', include: ['com.example.feed.getPost'], ...source }] } }
  await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify(config))
  return dir
}

/** Each project gets its own git cache, so every test starts from an empty one. */
const caches = new Map<string, string>()
async function pull(dir: string, ...args: string[]) {
  let cacheDir = caches.get(dir)
  if (!cacheDir) {
    cacheDir = await tempDir('lexgen-gitcache-')
    dirs.push(cacheDir)
    caches.set(dir, cacheDir)
  }
  return runCli(['pull', ...args], dir, { cacheDir })
}

async function lockOf(dir: string) {
  return JSON.parse(await readFile(join(dir, 'lexicons.json'), 'utf8')) as {
    resolutions: object
    git: { url: string; ref: string; folder: string; include: string[]; commit: string; lexicons: Record<string, { path: string; cid: string }> }[]
  }
}

describe('lexgen pull from a git source', () => {
  it('takes the included docs and what they reference, at the ref’s commit, into the NSID layout, byte for byte', async () => {
    const dir = await project()
    const head = await git(upstream, 'rev-parse', 'HEAD')
    const result = await pull(dir)
    expect(result.code, result.stderr).toBe(0)
    // Against an empty folder, everything is new: the count alone, not a line per new doc.
    expect(result.stdout).toContain('lexgen: lexicon changes: a first pull, so all new: the client takes the 2 docs pulled, 1 method among them\n')
    expect(result.stdout).not.toContain('new query')
    expect(result.stdout).toContain('pulled 2 docs (2 read from git) into lexicons')
    expect(await readFile(join(dir, 'lexicons/com/example/feed/defs.json'), 'utf8')).toBe(await readFile(join(upstream, 'schemas/feed/defs.json'), 'utf8'))
    expect(await readFile(join(dir, 'lexicons/com/example/feed/getPost.json'), 'utf8')).toBe(await readFile(join(upstream, 'schemas/feed/getPost.json'), 'utf8'))
    expect([...(await snapshotDir(join(dir, 'lexicons'))).keys()]).toEqual(['com/example/feed/defs.json', 'com/example/feed/getPost.json'])

    const lock = await lockOf(dir)
    expect(lock.resolutions).toEqual({})
    expect(lock.git).toEqual([
      {
        url: upstream,
        ref: 'main',
        folder: 'schemas',
        include: ['com.example.feed.getPost'],
        exclude: [],
        commit: head,
        lexicons: {
          'com.example.feed.defs': { path: 'feed/defs.json', cid: expect.stringMatching(/^bafyrei/) },
          'com.example.feed.getPost': { path: 'feed/getPost.json', cid: expect.stringMatching(/^bafyrei/) },
        },
      },
    ])
    expect((await runCli(['pull', '--frozen'], dir)).code).toBe(0)
  })

  it('says how many of the docs a first pull brings the client takes, when its selection is narrower than the pull', async () => {
    // Pulled: com.example.admin.purge too, which the generator's include (com.example.feed.*) leaves out.
    const result = await pull(await project({ include: ['com.example.*'] }))
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('lexgen: lexicon changes: a first pull, so all new: the client takes 2 of the 3 docs pulled, 1 method among them (its include and exclude leave out 1)\n')
    expect(result.stdout).toContain('pulled 3 docs (3 read from git) into lexicons')
  })

  it('stays on the locked commit until --update, which reports the change and pins the new commit', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const first = (await lockOf(dir)).git[0]!.commit
    const before = await snapshotDir(dir)
    await whileUpstreamDescribes('A post, described anew.', async (second) => {
      const plain = await pull(dir)
      expect(plain.code, plain.stderr).toBe(0)
      expect(plain.stdout).toContain('2 already in lexicons')
      expect(await snapshotDir(dir)).toEqual(before)

      // A deleted doc comes back from the locked commit, not from the branch's new head.
      await rm(join(dir, 'lexicons/com/example/feed/defs.json'))
      const restored = await pull(dir)
      expect(restored.code, restored.stderr).toBe(0)
      expect(await snapshotDir(dir)).toEqual(before)

      const dry = await pull(dir, '--update', '--dry-run')
      expect(dry.stdout).toContain('would change 1 file in lexicons and lexicons.json; nothing written\n')
      // A dry run writes nothing either way: it says what a pull would do.
      const gated = await pull(dir, '--update', '--dry-run', '--fail-on', 'any')
      expect(gated.code).toBe(1)
      expect(gated.stderr).toContain('lexgen: resolving 1 doc and what they reference\n')
      expect(gated.stderr).toMatch(/\nlexgen: error: dry run: a pull would refuse to write: the update changes lexicons \(--fail-on any\); lexicons and lexicons.json are unchanged \(to take it once reviewed: `npx lexgen pull --update`\)\n$/)

      const update = await pull(dir, '--update')
      expect(update.code, update.stderr).toBe(0)
      // Classified as `lexgen diff` does: a description change is a docs change.
      expect(update.stdout).toContain('lexgen: lexicon changes: 0 breaking, 0 source, 0 compatible, 1 docs\n  com.example.feed.defs\n')
      expect(update.stdout).toContain('      docs        description of the def\n')
      expect(update.stdout).toContain(`lexgen: where the lexicons come from changed:\n  git source ${upstream} (schemas/): main ${first.slice(0, 12)} → ${second.slice(0, 12)}\n`)
      expect((await lockOf(dir)).git[0]!.commit).toBe(second)
      expect(second).not.toBe(first)
      expect(JSON.parse(await readFile(join(dir, 'lexicons/com/example/feed/defs.json'), 'utf8')).defs.postView.description).toBe('A post, described anew.')
    })
  })

  it('a pull during another pull\'s swap waits for it, saying so: the folder and the lockfile end at one pull, nothing left behind', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const cacheDir = caches.get(dir)!
    await whileUpstreamDescribes('A post, pulled while another pull waited.', async () => {
      // `pull --update` held at its 3rd rename: the lexicon folder moved aside, the new one not yet in place.
      const held = { killAt: 'rename:3', args: ['pull', '--update'], env: { LEXGEN_CACHE_DIR: cacheDir } }
      const { heldPid, heldCode, code, stderr } = await runWhileHeld(held, ['pull'], dir, { cacheDir })
      expect({ heldCode, code }).toEqual({ heldCode: 0, code: 0 })
      expect(stderr).toContain(`lexgen: warning: waiting for another lexgen (pid ${heldPid}), which is writing lexicons\n`)
      expect((await runCli(['pull', '--frozen'], dir)).code).toBe(0)
      expect(JSON.parse(await readFile(join(dir, 'lexicons/com/example/feed/defs.json'), 'utf8')).defs.postView.description).toBe('A post, pulled while another pull waited.')
      expect((await readdir(dir)).filter((name) => name.startsWith('.lexgen-'))).toEqual([])
    })
  })

  it("waits while another lexgen fetches into the shared git cache (another project's pull), saying so", async () => {
    const dir = await project()
    const cacheDir = await tempDir('lexgen-gitcache-')
    dirs.push(cacheDir)
    caches.set(dir, cacheDir)
    // The lock another pull holds while it fetches, naming a live process (a child that waits).
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    const key = createHash('sha256').update(upstream).digest('hex').slice(0, 16)
    const lock = join(cacheDir, 'git', `.lexgen-${key}.git-lock`)
    await mkdir(dirname(lock), { recursive: true })
    await writeFile(lock, lockHeldBy(other.pid!))
    let stderr = ''
    const err = (text: string) => {
      stderr += text
      if (text.includes('waiting for another lexgen')) void rm(lock)
    }
    try {
      expect(await main(['pull'], { out: () => {}, err, cwd: dir, cacheDir })).toBe(0)
    } finally {
      other.kill()
    }
    expect(stderr).toMatch(new RegExp(`lexgen: warning: waiting for another lexgen \\(pid ${other.pid}\\), which is writing \\S+/git/${key}\\.git\\n`))
    expect((await runCli(['pull', '--frozen'], dir)).code).toBe(0)
  })

  it('a generate during a pull\'s swap waits for it, then generates from the folder the pull wrote', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const cacheDir = caches.get(dir)!
    await whileUpstreamDescribes('A post, generated after the pull.', async () => {
      const held = { killAt: 'rename:3', args: ['pull', '--update'], env: { LEXGEN_CACHE_DIR: cacheDir } }
      const { heldPid, heldCode, code, stderr } = await runWhileHeld(held, ['generate', '--no-docs'], dir)
      expect({ heldCode, code }).toEqual({ heldCode: 0, code: 0 })
      expect(stderr).toBe(`lexgen: warning: waiting for another lexgen (pid ${heldPid}), which is writing lexicons\n`)
      expect(await readFile(join(dir, 'generated/com/example/feed/defs.ts'), 'utf8')).toContain('A post, generated after the pull.')
    })
  })

  it('a diff during a pull\'s swap waits for it, then compares HEAD with the folder the pull wrote', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    await git(dir, 'init', '-q')
    await git(dir, 'add', '-A')
    await git(dir, 'commit', '-q', '-m', 'pulled')
    const cacheDir = caches.get(dir)!
    await whileUpstreamDescribes('A post, compared after the pull.', async () => {
      // Held with the folder moved aside: read then, the new side would be missing, and the old side's git would run in no folder.
      const held = { killAt: 'rename:3', args: ['pull', '--update'], env: { LEXGEN_CACHE_DIR: cacheDir } }
      const { heldPid, heldCode, code, stderr } = await runWhileHeld(held, ['diff', '--no-compiler-check', '--fail-on', 'any'], dir)
      // Exit 1 for --fail-on any: the description the pull brought is the one change.
      expect({ heldCode, code }).toEqual({ heldCode: 0, code: 1 })
      expect(stderr).toBe(`lexgen: warning: waiting for another lexgen (pid ${heldPid}), which is writing lexicons\nlexgen: exit 1 (--fail-on any): 1 docs change\n`)
    })
  })

  // A pull's renames: its journal into place (the commit point), the old folder aside, the new one
  // in, the lockfile over the old one. Killed before each (SIGKILL: a crash, an OOM kill, a CI job
  // cancelled at its timeout), the folder and the lockfile still end at one pull, whichever command
  // comes next: a CI's `pull --frozen`, `generate`, or `diff`.
  it.each([
    ...[1, 2, 3, 4].flatMap((rename) => [
      { rename, next: ['pull', '--frozen'] },
      { rename, next: ['generate', '--no-docs'] },
      { rename, next: ['diff', '--no-compiler-check', '--fail-on', 'none'] },
    ]),
  ])('a pull killed before rename $rename: `$next.0` finds the folder and the lockfile at one pull, and nothing left behind', async ({ rename, next }) => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    await git(dir, 'init', '-q')
    await git(dir, 'add', '-A')
    await git(dir, 'commit', '-q', '-m', 'pulled') // for diff, which compares with HEAD
    const cacheDir = caches.get(dir)!
    await whileUpstreamDescribes('A post, pulled by a killed pull.', async () => {
      const killed = await run(process.execPath, [join(ROOT, 'tests/codegen/support/die-at.mjs'), 'pull', '--update'], {
        cwd: dir,
        env: { ...process.env, KILL_AT: `rename:${rename}`, LEXGEN_CACHE_DIR: cacheDir },
      }).then(
        () => ({ signal: null }),
        (error: { signal?: string }) => error,
      )
      expect(killed.signal).toBe('SIGKILL')
      const after = await runCli(next, dir, { cacheDir })
      expect(after.code, after.stderr).toBe(0)
      expect((await runCli(['pull', '--frozen'], dir)).stdout).toBe('lexgen: lexicons matches lexicons.json (2 docs)\n')
      // Before its journal was in place the pull had changed nothing; after, its swap is completed.
      const description = JSON.parse(await readFile(join(dir, 'lexicons/com/example/feed/defs.json'), 'utf8')).defs.postView.description
      expect(description).toBe(rename === 1 ? 'A post.' : 'A post, pulled by a killed pull.')
      expect((await readdir(dir)).filter((name) => name.startsWith('.lexgen-lexicons') || name.startsWith('.lexicons.json.'))).toEqual([])
    })
  })

  it("fetches an update's changes only, not the upstream's whole tree again: the cache keeps a ref its fetches offer the server", async () => {
    const big = await tempDir('lexgen-bigtree-')
    dirs.push(big)
    await git(big, 'clone', '-q', upstream, '.')
    // A monorepo: far more outside the lexicon folder than in it (random, so it does not compress),
    // in more objects than git unpacks (100), so what a fetch brings stays a pack of its own.
    await mkdir(join(big, 'packages'))
    for (let i = 0; i < 128; i++) await writeFile(join(big, `packages/${i}.bin`), randomBytes(32 << 10))
    await git(big, 'add', '-A')
    await git(big, 'commit', '-q', '-m', 'a big tree')
    // Through git's transport, as from a server (a plain path copies objects the local way).
    const dir = await project({ url: `file://${big}` })
    expect((await pull(dir)).code).toBe(0)
    const cache = caches.get(dir)!
    // Packed or loose (a local upstream is copied object by object): the bytes of every object.
    const packed = async () => {
      const objects = (await readdir(cache, { recursive: true })).filter((path) => path.includes('/objects/'))
      const sizes = await Promise.all(objects.map(async (path) => ((await stat(join(cache, path))).isFile() ? (await stat(join(cache, path))).size : 0)))
      return sizes.reduce((sum, size) => sum + size, 0)
    }
    const first = await packed()
    expect(first).toBeGreaterThan(4 << 20)
    await writeFile(join(big, 'schemas/feed/defs.json'), `${JSON.stringify(defs('A post, updated in a big tree.'))}\n`)
    await git(big, 'commit', '-q', '-am', 'a one-file change')
    expect((await pull(dir, '--update')).code).toBe(0)
    // Without a ref the fetch offered nothing it had, and got the whole tree again.
    expect(await packed()).toBeLessThan(first + (1 << 20))
  })

  it("leaves the user's own repository alone when GIT_DIR points at it (a hook git runs in a linked worktree sets it)", async () => {
    const dir = await project()
    const own = await tempDir('lexgen-own-repo-')
    dirs.push(own)
    await git(own, 'init', '-q')
    const before = process.env['GIT_DIR']
    process.env['GIT_DIR'] = join(own, '.git')
    try {
      expect((await pull(dir)).code).toBe(0)
    } finally {
      if (before === undefined) delete process.env['GIT_DIR']
      else process.env['GIT_DIR'] = before
    }
    // It made it bare and shallow, holding the upstream's objects.
    expect((await git(own, 'config', '--get', 'core.bare')).trim()).toBe('false')
    expect(existsSync(join(own, '.git/shallow'))).toBe(false)
    expect((await lockOf(dir)).git[0]!.commit).toMatch(/^[0-9a-f]{40}$/)
  })

  it('writes a lockfile into a folder that does not exist yet, with the lexicons', async () => {
    const dir = await project()
    const result = await pull(dir, '--lockfile', 'pins/lexicons.json')
    expect(result.code, result.stderr).toBe(0)
    expect((await lockOf(join(dir, 'pins'))).git[0]!.lexicons).toHaveProperty(['com.example.feed.getPost'])
    expect((await runCli(['pull', '--frozen', '--lockfile', 'pins/lexicons.json'], dir)).code).toBe(0)
  })

  it('follows a tag, and re-selects at the locked commit when the include patterns change', async () => {
    await git(upstream, 'tag', '-f', 'v1')
    const tagged = await git(upstream, 'rev-parse', 'v1^{commit}')
    const dir = await project({ ref: 'v1' })
    expect((await pull(dir)).code).toBe(0)
    expect((await lockOf(dir)).git[0]).toMatchObject({ ref: 'v1', commit: tagged })

    await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify({ pull: { git: [{ url: upstream, ref: 'v1', folder: 'schemas', include: ['com.example.*'] }] } }))
    const frozen = await runCli(['pull', '--frozen'], dir)
    expect(frozen.code).toBe(1)
    expect(frozen.stderr).toContain(`git source ${upstream}: include or exclude patterns changed in the config since the lockfile was written`)
    expect(frozen.stderr).toContain("lexgen: run `npx lexgen pull` and commit the result")
    const result = await pull(dir)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('  com.example.admin.purge\n    main\n      compatible  new procedure (request)\n')
    expect((await lockOf(dir)).git[0]).toMatchObject({ commit: tagged, include: ['com.example.*'] })
  })

  it('takes an abbreviated commit id as the ref, and pins the full one', async () => {
    const first = await git(upstream, 'rev-list', '--max-parents=0', 'HEAD')
    const side = await commit({ 'schemas/feed/defs.json': defs('On a side branch.') }, 'side')
    await git(upstream, 'branch', '-f', 'side', side)
    await git(upstream, 'reset', '-q', '--hard', 'HEAD~1') // the commit is on the side branch only
    try {
      for (const [ref, full] of [[first.slice(0, 7), first], [side.slice(0, 10).toUpperCase(), side]] as const) {
        const dir = await project({ ref, include: ['com.example.feed.*'] })
        const result = await pull(dir)
        expect(result.code, result.stderr).toBe(0)
        expect((await lockOf(dir)).git[0]).toMatchObject({ ref, commit: full })
        expect(JSON.parse(await readFile(join(dir, 'lexicons/com/example/feed/defs.json'), 'utf8')).defs.postView.description).toBe(full === side ? 'On a side branch.' : 'A post.')
        expect((await runCli(['pull', '--frozen'], dir)).code).toBe(0)
      }
    } finally {
      await git(upstream, 'branch', '-D', 'side')
    }
  })

  it('redraws one progress line on a terminal instead of printing a line per step', async () => {
    const dir = await project()
    const cacheDir = await tempDir('lexgen-gitcache-')
    dirs.push(cacheDir)
    const result = await runCli(['pull'], dir, { cacheDir, tty: true })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr.startsWith('\r\x1b[2Klexgen: fetching main of git source')).toBe(true)
    expect(result.stderr.endsWith('\r\x1b[2K')).toBe(true) // cleared before the report
    expect(result.stderr).not.toContain('\n')
  })

  it('a url relative to the config file is kept as written in the lockfile', async () => {
    const dir = await project()
    const relativeUrl = join('..', upstream.split('/').at(-1)!)
    await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify({ pull: { git: [{ url: relativeUrl, folder: 'schemas/', include: ['com.example.admin.*'] }] } }))
    const result = await pull(dir)
    expect(result.code, result.stderr).toBe(0)
    expect((await lockOf(dir)).git[0]).toMatchObject({ url: relativeUrl, ref: 'HEAD', folder: 'schemas' })
  })

  it('reads no hidden file, and leaves out a file that is not JSON, saying where it stops being JSON', async () => {
    // What a repository holding its lexicons at its root also holds: `tsc --init`'s commented
    // tsconfig.json, an editor's settings (JSON with comments too).
    const comments = '{\n  // Visit https://aka.ms/tsconfig\n  "compilerOptions": {}\n}\n'
    await commit({ 'schemas/tsconfig.json': comments, 'schemas/.vscode/settings.json': comments }, 'tooling')
    try {
      const dir = await project()
      const result = await pull(dir)
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr.split('\n').filter((line) => line.startsWith('lexgen: warning:'))).toEqual([
        expect.stringMatching(/^lexgen: warning: git source \S+ \(schemas\/\) at [0-9a-f]{12}: tsconfig\.json is not valid JSON \(Expected property name or '}' at line 2, column 3\): skipped$/),
      ])
      expect(Object.keys((await lockOf(dir)).git[0]!.lexicons).length).toBeGreaterThan(0)

      // On a terminal the word is painted, as generate's and diff's warnings are.
      const painted = await runCli(['pull'], await project(), { cacheDir: caches.get(dir)!, color: { out: false, err: true } })
      expect(painted.stderr).toContain('lexgen: \x1b[1;33mwarning:\x1b[0m git source ')
    } finally {
      await rm(join(upstream, 'schemas/tsconfig.json'))
      await rm(join(upstream, 'schemas/.vscode'), { recursive: true })
      await commit({}, 'no tooling')
    }
  })
})

describe('lexgen pull with a doc of its own that no longer fits the pulled ones', () => {
  it('names the docs it keeps unpinned, and what to do, instead of failing on the comparison alone', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    // A hand-written draft next to the pulled docs, using a def upstream is about to rename.
    const draft = { lexicon: 1, id: 'com.example.feed.draft', defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.example.feed.defs#postView' } } } } }
    await writeFile(join(dir, 'lexicons/com/example/feed/draft.json'), JSON.stringify(draft))
    const renamed = { ...defs('A post.'), defs: { postViewV2: defs('A post.').defs.postView } }
    const getPostV2 = { ...getPost, defs: { main: { ...getPost.defs.main, output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.example.feed.defs#postViewV2' } } } } }
    await commit({ 'schemas/feed/defs.json': renamed, 'schemas/feed/getPost.json': getPostV2 }, 'rename')
    try {
      const before = await snapshotDir(dir)
      const result = await pull(dir, '--update')
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/names def 'postView', which 'com\.example\.feed\.defs' does not define/)
      expect(result.stderr).toContain(
        'lexicons keeps, as they are, the docs lexicons.json does not pin: com/example/feed/draft.json. Fix the one named above, or delete it if an earlier pull wrote it (its pin is gone: a lockfile changed without the folder), then pull again; lexicons and lexicons.json are unchanged\n',
      )
      expect(await snapshotDir(dir)).toEqual(before)
    } finally {
      await commit({ 'schemas/feed/defs.json': defs('A post.'), 'schemas/feed/getPost.json': getPost }, 'revert')
    }
  })
})

describe('lexgen pull --verify', () => {
  it('passes a lockfile a pull wrote; catches a merged one that --frozen and a plain pull take (a doc pinned from another commit than its source\'s)', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const oldDefs = await readFile(join(dir, 'lexicons/com/example/feed/defs.json'), 'utf8')
    const oldCid = (await lockOf(dir)).git[0]!.lexicons['com.example.feed.defs']!.cid
    const verified = await pull(dir, '--verify')
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout).toMatch(/^lexgen: lexicons\.json matches its sources: 2 docs fetched again and verified \(git [0-9a-f]{12}\)\n$/)
    await whileUpstreamDescribes('A post, on one branch.', async () => {
      expect((await pull(dir, '--update')).code).toBe(0)
      // What a text merge of two branches can leave: the new commit, with the other branch's doc and its CID.
      const lockText = await readFile(join(dir, 'lexicons.json'), 'utf8')
      const newCid = (await lockOf(dir)).git[0]!.lexicons['com.example.feed.defs']!.cid
      await writeFile(join(dir, 'lexicons.json'), lockText.replace(newCid, oldCid))
      await writeFile(join(dir, 'lexicons/com/example/feed/defs.json'), oldDefs)
      expect((await runCli(['pull', '--frozen'], dir)).code).toBe(0)
      expect((await pull(dir)).stdout).toContain('0 files changed')
      const before = await snapshotDir(dir)
      const caught = await pull(dir, '--verify')
      expect(caught.code).toBe(1)
      expect(caught.stderr).toMatch(/lexgen: error: com\.example\.feed\.defs: CID mismatch: git source \S+ at [0-9a-f]{12}: feed\/defs\.json has \S+ but lexicons\.json locks \S+; run `npx lexgen pull --update`/)
      expect(await snapshotDir(dir)).toEqual(before)
    })
  })

  it('lists a reference the lockfile lost the pin of (a bad merge)', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const lock = JSON.parse(await readFile(join(dir, 'lexicons.json'), 'utf8')) as { git: { lexicons: Record<string, object> }[] }
    delete lock.git[0]!.lexicons['com.example.feed.defs']
    await writeFile(join(dir, 'lexicons.json'), JSON.stringify(lock, null, 2))
    const result = await pull(dir, '--verify')
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /lexgen: lexicons\.json is not what a pull from its sources writes \(1 difference\):\n  com\.example\.feed\.defs: not pinned, but git source \S+ at [0-9a-f]{12}: feed\/defs\.json is referenced by what is\nlexgen: run `npx lexgen pull` /,
    )
  })
})

describe('lexgen pull --frozen', () => {
  it('lists every problem in one run: a pinned doc that moved (pull puts it back), and each .json file the lockfile does not pin (pull keeps it)', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const lexicons = join(dir, 'lexicons')
    const vendor = await tempDir('lexgen-vendor-')
    dirs.push(vendor)
    await writeFile(join(vendor, 'purge.json'), JSON.stringify(unrelated))
    await symlink(vendor, join(lexicons, 'vendor')) // generate follows links, so frozen does too
    await mkdir(join(lexicons, 'backup'))
    await cp(join(lexicons, 'com/example/feed/getPost.json'), join(lexicons, 'backup/getPost.json'))
    await mkdir(join(lexicons, 'moved'))
    await rename(join(lexicons, 'com/example/feed/defs.json'), join(lexicons, 'moved/defs.json'))
    await writeFile(join(lexicons, 'com/example/feed/sneaky.json'), JSON.stringify({ lexicon: 1, id: 'com.example.feed.sneaky', defs: { main: { type: 'token' } } }))
    await writeFile(join(lexicons, 'notes\u001b[2J.json'), '{ "todo": [] }') // its name shown with the control character escaped
    await writeFile(join(lexicons, 'README.md'), 'Not JSON: generate does not read it, so neither does frozen.\n')

    const frozen = await runCli(['pull', '--frozen'], dir)
    expect(frozen.code).toBe(1)
    expect(frozen.stdout).toBe('')
    expect(frozen.stderr.split('\n')).toEqual([
      'lexgen: lexicons does not match lexicons.json (5 problems):',
      '  com.example.feed.defs: at moved/defs.json, not com/example/feed/defs.json',
      '  backup/getPost.json: a second copy of com.example.feed.getPost (pinned at com/example/feed/getPost.json)',
      '  com/example/feed/sneaky.json: com.example.feed.sneaky is not pinned',
      '  notes\\x1b[2J.json: not a lexicon doc (no "id")',
      '  vendor/purge.json: com.example.admin.purge is not pinned',
      'lexgen: run `npx lexgen pull` and commit the result',
      'lexgen: pull keeps what lexicons.json does not pin as it is, and generate reads it: delete those files, or pull them so that lexicons.json pins them',
      '',
    ])

    expect((await pull(dir)).code).toBe(0)
    expect(existsSync(join(lexicons, 'moved'))).toBe(false) // the moved doc went back, and its folder with it
    const after = await runCli(['pull', '--frozen'], dir)
    expect(after.stderr).not.toContain('com.example.feed.defs')
    expect(after.stderr).toContain('(4 problems)')
    for (const path of ['vendor', 'backup', 'com/example/feed/sneaky.json', 'notes\u001b[2J.json']) await rm(join(lexicons, path), { recursive: true })
    expect(await runCli(['pull', '--frozen'], dir)).toMatchObject({ code: 0, stdout: 'lexgen: lexicons matches lexicons.json (2 docs)\n' })
  })
})

describe('lexgen pull never loses what it did not put there', () => {
  it('refuses to overwrite a pinned doc edited since, or a doc it never pinned; --frozen names the fix of each kind; --force replaces them', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const lexicons = join(dir, 'lexicons')
    const getPostPath = join(lexicons, 'com/example/feed/getPost.json')
    await writeFile(getPostPath, JSON.stringify({ ...getPost, description: 'My local edit.' }))
    // Only reformatted: the same CID, so not an edit (pull may rewrite it).
    await writeFile(join(lexicons, 'com/example/feed/defs.json'), JSON.stringify(defs('A post.')))
    const config = JSON.parse(await readFile(join(dir, 'lexgen.config.json'), 'utf8'))
    config.pull.git[0].ref = 'v1'
    await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify(config))

    const frozen = await runCli(['pull', '--frozen'], dir)
    expect(frozen.stderr.split('\n')).toEqual([
      'lexgen: lexicons does not match lexicons.json (2 problems):',
      `  git source ${upstream}: the config asks for ref 'v1', the lockfile pins 'main'`,
      expect.stringMatching(/^  com\.example\.feed\.getPost: com\/example\/feed\/getPost\.json has CID \w+, the lockfile pins \w+$/),
      'lexgen: a new ref is an update: run `npx lexgen pull --update`, review its report, and commit the result',
      'lexgen: pinned docs were edited: `npx lexgen pull --force` puts back what lexicons.json pins (the edits are lost)',
      '',
    ])
    config.pull.git[0].ref = 'main'
    await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify(config))

    const before = await snapshotDir(dir)
    for (const args of [[], ['--dry-run'], ['--update']]) {
      const refused = await pull(dir, ...args)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(
        /lexgen: error: refusing to write: the pull would overwrite or remove 1 doc it did not put there:\n  com\/example\/feed\/getPost\.json: com\.example\.feed\.getPost, edited since it was pulled \(CID \w+; lexicons\.json pins \w+\)\nKeep your version outside lexicons \(or undo the edit\), or add --force to replace it; lexicons and lexicons\.json are unchanged\n$/,
      )
      expect(await snapshotDir(dir)).toEqual(before)
    }
    expect((await pull(dir, '--force')).code).toBe(0)
    expect(JSON.parse(await readFile(getPostPath, 'utf8'))).toEqual(getPost)
    expect((await runCli(['pull', '--frozen'], dir)).code).toBe(0)

    // A doc written by hand where upstream's (now selected) doc goes.
    const purgePath = join(lexicons, 'com/example/admin/purge.json')
    await mkdir(dirname(purgePath), { recursive: true })
    await writeFile(purgePath, JSON.stringify({ ...unrelated, description: 'My draft.' }))
    config.pull.git[0].include.push('com.example.admin.purge')
    await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify(config))
    const unpinned = await pull(dir)
    expect(unpinned.code).toBe(1)
    expect(unpinned.stderr).toContain('  com/example/admin/purge.json: com.example.admin.purge, which lexicons.json does not pin (written by hand, or copied in)\n')
    expect(JSON.parse(await readFile(purgePath, 'utf8')).description).toBe('My draft.')
    expect((await pull(dir, '--force')).code).toBe(0)
    expect(JSON.parse(await readFile(purgePath, 'utf8'))).toEqual(unrelated)
  })
})

describe('lexgen pull repairs a lockfile that lost a pin', () => {
  it('pins again, at the locked commit, a doc the patterns select that a bad merge dropped from the lockfile', async () => {
    const dir = await project({ include: ['com.example.feed.*'] })
    expect((await pull(dir)).code).toBe(0)
    const lockPath = join(dir, 'lexicons.json')
    const whole = await readFile(lockPath, 'utf8')
    const lock = JSON.parse(whole)
    delete lock.git[0].lexicons['com.example.feed.getPost']
    await writeFile(lockPath, JSON.stringify(lock, null, 2))
    const frozen = await runCli(['pull', '--frozen'], dir)
    expect(frozen.stderr).toContain('com/example/feed/getPost.json: com.example.feed.getPost is not pinned')
    // Upstream moved on meanwhile: the pin comes back from the locked commit, not the new one.
    await commit({ 'schemas/feed/getPost.json': { ...getPost, description: 'Moved on.' } }, 'moved on')
    try {
      const result = await pull(dir)
      expect(result.code, result.stderr).toBe(0)
      expect(await readFile(lockPath, 'utf8')).toBe(whole)
      expect(await runCli(['pull', '--frozen'], dir)).toMatchObject({ code: 0 })
    } finally {
      await commit({ 'schemas/feed/getPost.json': getPost }, 'revert')
    }
  })
})

describe('lexgen pull keeps what it does not manage as it is', () => {
  /** A pulled project whose folder pull then rewrites: defs.json is deleted, so the pull restores it. */
  async function pullAgain(prepare: (lexicons: string) => Promise<void>): Promise<string> {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const lexicons = join(dir, 'lexicons')
    await prepare(lexicons)
    await rm(join(lexicons, 'com/example/feed/defs.json'))
    const result = await pull(dir)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('1 file changed')
    return lexicons
  }

  it('files byte for byte with their mode (an unchanged doc too), and folders with theirs, empty ones too', async () => {
    // A PNG signature, then bytes that are not UTF-8: decoded as text and written back, they would grow.
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28])
    const lexicons = await pullAgain(async (lexicons) => {
      await writeFile(join(lexicons, 'diagram.png'), png)
      await mkdir(join(lexicons, 'tools'), { mode: 0o750 })
      await writeFile(join(lexicons, 'tools/update.sh'), '#!/bin/sh\n')
      await chmod(join(lexicons, 'tools/update.sh'), 0o755)
      await chmod(join(lexicons, 'com/example/feed/getPost.json'), 0o600)
      await mkdir(join(lexicons, 'drafts'))
      await chmod(join(lexicons, 'drafts'), 0o700)
    })
    expect(await readFile(join(lexicons, 'diagram.png'))).toEqual(png)
    expect((await stat(join(lexicons, 'tools/update.sh'))).mode & 0o7777).toBe(0o755)
    expect((await stat(join(lexicons, 'tools'))).mode & 0o7777).toBe(0o750)
    expect((await stat(join(lexicons, 'com/example/feed/getPost.json'))).mode & 0o7777).toBe(0o600)
    expect((await stat(join(lexicons, 'drafts'))).mode & 0o7777).toBe(0o700)
    expect(await readFile(join(lexicons, 'com/example/feed/defs.json'), 'utf8')).toBe(await readFile(join(upstream, 'schemas/feed/defs.json'), 'utf8'))
  })

  it('symbolic links as links, to the same target, never followed', async () => {
    const lexicons = await pullAgain(async (lexicons) => {
      await symlink('com/example/feed', join(lexicons, 'feed'))
      await symlink('/nonexistent/lexgen-notes.md', join(lexicons, 'notes.md'))
    })
    for (const [link, target] of [['feed', 'com/example/feed'], ['notes.md', '/nonexistent/lexgen-notes.md']] as const) {
      expect((await lstat(join(lexicons, link))).isSymbolicLink()).toBe(true)
      expect(await readlink(join(lexicons, link))).toBe(target)
    }
  })
})

describe('lexgen pull in a Windows checkout (git with core.autocrlf=true: the files have CRLF line endings)', () => {
  it('finds nothing changed when nothing did, and an upstream change rewrites only its doc and the lockfile', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    await git(dir, 'init', '-q', '-b', 'main')
    await git(dir, 'add', '-A')
    await git(dir, 'commit', '-q', '-m', 'pulled')
    const checkout = join(await tempDir('lexgen-crlf-'), 'checkout')
    dirs.push(dirname(checkout))
    await git(dir, '-c', 'core.autocrlf=true', 'clone', '-q', dir, checkout)
    await git(checkout, 'config', 'core.autocrlf', 'true')
    const getPostFile = join(checkout, 'lexicons/com/example/feed/getPost.json')
    expect(await readFile(getPostFile, 'utf8')).toContain('\r\n')

    expect((await pull(checkout, '--frozen')).code).toBe(0)
    // A plain pull reuses the folder's docs; --update reads them all again, and finds them the same.
    for (const [args, came] of [[[], 'already in lexicons'], [['--update'], 'read from git']] as const) {
      const same = await pull(checkout, ...args)
      expect(same.code, same.stderr).toBe(0)
      expect(same.stdout).toMatch(new RegExp(`pulled (\\d+) docs \\(\\1 ${came}\\) into lexicons: 0 files changed, lexicons.json unchanged`))
      expect(await git(checkout, 'status', '--porcelain')).toBe('')
    }
    await whileUpstreamDescribes('A post, seen from Windows.', async () => {
      const changed = await pull(checkout, '--update')
      expect(changed.code, changed.stderr).toBe(0)
      expect(changed.stdout).toContain('into lexicons: 1 file changed, lexicons.json updated')
      const status = (await git(checkout, 'status', '--porcelain')).split('\n').map((line) => line.trim())
      expect(status).toEqual(['M lexicons.json', 'M lexicons/com/example/feed/defs.json'])
      expect(await readFile(getPostFile, 'utf8')).toContain('\r\n')
    })
  })
})

describe('lexgen pull from a git source refuses, with one line, and writes nothing', () => {
  async function expectRefused(dir: string, message: RegExp, ...args: string[]) {
    const before = await snapshotDir(dir)
    const result = await pull(dir, ...args)
    expect(result.code).toBe(1)
    expect(result.stderr.split('\n').filter((line) => line.startsWith('lexgen: error:'))).toEqual([expect.stringMatching(message)])
    expect(await snapshotDir(dir)).toEqual(before)
  }

  it('when the repository does not exist', async () => {
    const dir = await project({ url: join(upstream, 'nope') })
    await expectRefused(dir, /^lexgen: error: git source \S+\/nope: fetching main failed: .*(does not appear to be a git repository|not found|No such)/)
  })

  it('when the ref does not exist', async () => {
    const dir = await project({ ref: 'no-such-branch' })
    await expectRefused(dir, /^lexgen: error: git source \S+: fetching no-such-branch failed: couldn't find remote ref no-such-branch$/)
  })

  /** A project that pulled from an upstream whose history was then rewritten: the locked commit is gone there. */
  async function pulledThenRewritten(): Promise<string> {
    const rewritten = await tempDir('lexgen-rewritten-')
    dirs.push(rewritten)
    await git(rewritten, 'clone', '-q', upstream, '.')
    await writeFile(join(rewritten, 'schemas/feed/defs.json'), `${JSON.stringify(defs('A post, soon rewritten away.'))}\n`)
    await git(rewritten, 'commit', '-q', '-am', 'to be rewritten')
    const dir = await project({ url: rewritten })
    expect((await pull(dir)).code).toBe(0)
    await git(rewritten, 'reset', '-q', '--hard', 'HEAD~1')
    await git(rewritten, 'reflog', 'expire', '--expire=now', '--all')
    await git(rewritten, 'gc', '-q', '--prune=now')
    return dir
  }

  it('when the locked commit is gone upstream (history rewritten): says so, and what to run', async () => {
    const dir = await pulledThenRewritten()
    // Nothing cached, and a doc to fetch again: the locked commit must come from the source.
    await rm(caches.get(dir)!, { recursive: true })
    await rm(join(dir, 'lexicons/com/example/feed/defs.json'))
    await expectRefused(dir, /^lexgen: error: git source \S+: the locked commit [0-9a-f]{12} is not there any more \(its history was rewritten, or its branch deleted\): run `npx lexgen pull --update` to pin what the ref names now, and review its report$/)
  })

  it('--verify asks the source for the locked commit even when the cache holds it: a warm cache hid a rewritten upstream', async () => {
    const dir = await pulledThenRewritten()
    // The cache still holds the commit: a plain pull reads it from there, as it should offline.
    expect((await pull(dir)).code).toBe(0)
    const verify = await pull(dir, '--verify')
    expect(verify.code).toBe(1)
    expect(verify.stderr).toMatch(/lexgen: error: git source \S+: the locked commit [0-9a-f]{12} is not there any more/)
  })

  it('when the folder is a git submodule in the source, or holds only one: names it, and to make its repository the source', async () => {
    for (const at of ['schemas', 'schemas/vendor']) {
      const sub = await tempDir('lexgen-submodule-source-')
      dirs.push(sub)
      await git(sub, 'clone', '-q', upstream, '.')
      const head = await git(sub, 'rev-parse', 'HEAD')
      await git(sub, 'rm', '-r', '-q', 'schemas')
      await git(sub, 'update-index', '--add', '--cacheinfo', `160000,${head},${at}`)
      await git(sub, 'commit', '-q', '-m', 'the schemas as a submodule')
      const dir = await project({ url: sub })
      const named = at.replace('/', '\\/')
      await expectRefused(dir, new RegExp(`^lexgen: error: git source \\S+: no \\*\\.json files under 'schemas' at commit [0-9a-f]{40}: '${named}' is a git submodule there, whose files are in another repository \\(make that the source\\)$`))
    }
  })

  it('when the docs are Git LFS pointers: says that is what it read, not only that the include matches nothing', async () => {
    const lfs = await tempDir('lexgen-lfs-')
    dirs.push(lfs)
    await git(lfs, 'clone', '-q', upstream, '.')
    const pointer = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1234\n'
    for (const file of ['schemas/feed/defs.json', 'schemas/feed/getPost.json']) await writeFile(join(lfs, file), pointer)
    await git(lfs, 'commit', '-q', '-am', 'move the lexicons to LFS')
    const dir = await project({ url: lfs })
    await expectRefused(dir, /^lexgen: error: git source \S+ \(schemas\/\): include 'com\.example\.feed\.getPost' matches no lexicon at [0-9a-f]{12}; 2 files could not be read: feed\/defs\.json is a Git LFS pointer, not the lexicon; feed\/getPost\.json is a Git LFS pointer, not the lexicon$/)
  })

  it('when a referenced doc is in no git source and has no authority: names who references it', async () => {
    const repo = await tempDir('lexgen-missing-ref-')
    dirs.push(repo)
    await git(repo, 'clone', '-q', upstream, '.')
    const broken = { lexicon: 1, id: 'com.example.feed.getBroken', defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.missing.thing.defs#x' } } } } }
    await writeFile(join(repo, 'schemas/feed/getBroken.json'), JSON.stringify(broken))
    await git(repo, 'add', '-A')
    await git(repo, 'commit', '-q', '-m', 'broken')
    const dir = await project({ url: repo, include: ['com.example.feed.getBroken'] })
    const noDns = { resolveTxt: () => Promise.reject(Object.assign(new Error('nodata'), { code: 'ENODATA' })) }
    const cacheDir = await tempDir('lexgen-gitcache-')
    dirs.push(cacheDir)
    const result = await runCli(['pull'], dir, { cacheDir, network: noDns })
    expect(result.code).toBe(1)
    expect(result.stderr.split('\n').filter((line) => line.startsWith('lexgen: error:'))).toEqual([
      'lexgen: error: com.missing.thing.defs: no lexicon authority: DNS has no TXT record at _lexicon.thing.missing.com (com.missing.thing.defs is referenced by com.example.feed.getBroken; no git source has it, so it was looked for on the network)',
    ])
  })

  it('when the ref looks like a commit id that no commit on a branch starts with', async () => {
    const dir = await project({ ref: 'deadbeef' })
    await expectRefused(dir, /^lexgen: error: git source \S+: ref 'deadbeef' is no branch or tag, and no commit on a branch starts with it$/)
  })

  it('when the config names another ref than the lockfile pins', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const config = JSON.parse(await readFile(join(dir, 'lexgen.config.json'), 'utf8'))
    config.pull.git[0].ref = 'v1'
    await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify(config))
    await expectRefused(dir, /^lexgen: error: git source \S+ \(schemas\/\): the config asks for ref 'v1' but lexicons\.json pins 'main' \([0-9a-f]{40}\); run `npx lexgen pull --update`$/)
  })

  it('when a selected doc is not a valid lexicon', async () => {
    const broken = await commit({ 'schemas/feed/getPost.json': { ...getPost, defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'ref' } } } } } }, 'break')
    try {
      const dir = await project()
      await expectRefused(dir, new RegExp(`^lexgen: error: git source \\S+ at ${broken.slice(0, 12)}: feed/getPost\\.json at defs\\.main\\.output\\.schema`))
    } finally {
      await commit({ 'schemas/feed/getPost.json': getPost }, 'fix')
    }
  })

  it('when a doc it writes would go through a symbolic link', async () => {
    const dir = await project()
    expect((await pull(dir)).code).toBe(0)
    const elsewhere = await tempDir('lexgen-elsewhere-')
    dirs.push(elsewhere)
    await rename(join(dir, 'lexicons/com/example/feed'), join(elsewhere, 'feed'))
    await symlink(join(elsewhere, 'feed'), join(dir, 'lexicons/com/example/feed'))
    await rm(join(elsewhere, 'feed/defs.json'))
    await expectRefused(dir, /^lexgen: error: \S+lexicons: com\/example\/feed is a symbolic link, and pull would write com\/example\/feed\/defs\.json inside it; make it a folder$/)
  })

  it('when the include patterns match nothing', async () => {
    const dir = await project({ include: ['org.nothing.*'] })
    await expectRefused(dir, /^lexgen: error: git source \S+ \(schemas\/\): include 'org\.nothing\.\*' matches no lexicon at [0-9a-f]{12}$/)
  })
})
