/**
 * `lexgen pull` without peers: flags, config and lockfile validation, DNS answers, references,
 * progress output, and the repository's own lockfile. (Real PDS: tests/e2e/pull.test.ts; git:
 * pull-git.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { authorityDid, authorityOf } from '../../codegen/pull/dns.js'
import { emptyLockfile, sourceChanges, type GitLock } from '../../codegen/pull/lockfile.js'
import { createProgress } from '../../codegen/pull/progress.js'
import { referencedNsids } from '../../codegen/pull/refs.js'
import { removeDir, runCli, spawnCli, tempDir } from './helpers.js'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await removeDir(dir)
})

async function project(files: Record<string, unknown>): Promise<string> {
  const dir = await tempDir('lexgen-pullcfg-')
  dirs.push(dir)
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  return dir
}

/** A resolver that must not be reached: these cases fail before any lookup. */
const noDns = { network: { resolveTxt: () => Promise.reject(new Error('DNS must not be queried')) } }

describe('lexgen pull: usage and configuration', () => {
  it('this repository’s lexicons/ match its lexicons.json (what CI runs)', async () => {
    const result = await spawnCli(['pull', '--frozen'])
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^lexgen: lexicons matches lexicons.json \(\d+ docs\)\n$/) })
  })

  it('rejects contradictory or unknown flags as usage errors (exit 2)', async () => {
    const dir = await project({})
    expect((await runCli(['pull', '--frozen', '--update'], dir)).code).toBe(2)
    expect((await runCli(['pull', '--frozen', '--dry-run'], dir)).code).toBe(2)
    const failOn = await runCli(['pull', '--fail-on', 'everything'], dir)
    expect(failOn.code).toBe(2)
    expect(failOn.stderr).toContain("Allowed choices are breaking")
    // Command-line values no pull can take: usage errors too, saying why.
    for (const [args, message] of [
      [['pull', 'com.*.feed'], "'com.*.feed' is not an NSID or an '<authority>.*' pattern (network lexicons resolve per authority, so '*' may only replace the last segment)"],
      [['pull', '--remove'], '--remove needs the NSIDs (or <authority>.* patterns) to remove'],
      [['pull', '--frozen', 'com.x.y'], '--frozen takes no NSIDs: it checks the lexicon folder against its lockfile as they are (pull them first, then commit both)'],
      [['pull', '--verify', 'com.x.y'], '--verify takes no NSIDs: it checks the lexicon folder against its lockfile as they are (pull them first, then commit both)'],
    ] as const) {
      expect(await runCli([...args], dir, noDns), args.join(' ')).toMatchObject({ code: 2, stderr: `lexgen: usage error: ${message}\n` })
    }
  })

  it.each([
    [['pull'], {}, "lexgen: error: nothing to pull: name NSIDs (`npx lexgen pull com.example.feed.*`) or configure \"pull\" sources in lexgen.config.json"],
    [['pull', '--frozen'], {}, 'lexgen: error: no lockfile at lexicons.json; run `npx lexgen pull` and commit lexicons.json with lexicons'],
    [['pull'], { 'lexgen.config.json': { pull: { network: ['com.example.*.x'] } } }, /^lexgen: error: \S+lexgen\.config\.json at pull\.network\[0\]: 'com\.example\.\*\.x' is not an NSID/],
    [['pull'], { 'lexgen.config.json': { pull: { sources: [] } } }, /^lexgen: error: \S+ at pull\.sources: unknown key \(expected lockfile, network, git\)$/],
    [['pull'], { 'lexgen.config.json': { pull: { git: [{ url: 'x', folder: '../up' }] } } }, /^lexgen: error: \S+ at pull\.git\[0\]\.folder: must stay inside the repository/],
    [['pull'], { 'lexgen.config.json': { pull: { git: [{ ref: 'main' }] } } }, /^lexgen: error: \S+ at pull\.git\[0\]\.url: must be a non-empty string$/],
    [['pull', 'com.example.feed.post'], { 'lexicons.json': '{"version": 2}' }, /^lexgen: error: \S+lexicons\.json at version: unsupported lockfile version \(expected 1\) \(delete the lockfile/],
    [
      ['pull', 'com.example.feed.post'],
      { 'lexicons.json': { version: 1, lexicons: [], resolutions: { 'com.example.feed.post': { uri: 'https://example.com/x', cid: 'bafyreigh2akiscaildc' } } } },
      /^lexgen: error: \S+ at resolutions\["com\.example\.feed\.post"\]\.uri: must be at:\/\/<did>\/com\.atproto\.lexicon\.schema\/com\.example\.feed\.post/,
    ],
    [['pull', 'com.example.feed.post'], { 'lexicons.json': '{"version": 1,' }, /^lexgen: error: \S+lexicons\.json: lockfile is not valid JSON \(.+ at line 1, column 15\); fix it, or delete it/],
    [
      ['pull', '--frozen'],
      { 'lexicons.json': '{\n  "version": 1,\n<<<<<<< HEAD\n  "lexicons": ["a.b.c"]\n=======\n  "lexicons": ["a.b.d"]\n>>>>>>> theirs\n}\n' },
      /^lexgen: error: \S+lexicons\.json: the lockfile holds git merge conflict markers \(<<<<<<<, >>>>>>>\): take one side's version rather than merging the pins \(`git checkout --theirs -- lexicons\.json`, or --ours\), then run `npx lexgen pull`, which pins what the config asks for$/,
    ],
    // A bad merge: null where a value was, or a git source that lost every pin.
    [['pull', 'com.example.feed.post'], { 'lexicons.json': { version: 1, resolutions: null } }, /^lexgen: error: \S+ at resolutions: must be an object \(delete the lockfile/],
    ...[null, {}].map((pins) => [
      ['pull', 'com.example.feed.post'],
      { 'lexicons.json': { version: 1, git: [{ url: 'x', ref: 'main', folder: '', include: ['*'], exclude: [], commit: 'a'.repeat(40), lexicons: pins }] } },
      pins === null ? /^lexgen: error: \S+ at git\[0\]\.lexicons: must be an object / : /^lexgen: error: \S+ at git\[0\]\.lexicons: pins no doc, though a git source always gives some /,
    ] as const),
  ] as const)('%j with %j fails with one line, before any network', async (args, files, message) => {
    const dir = await project(files)
    const result = await runCli([...args], dir, noDns)
    expect(result.code).toBe(1)
    expect(result.stderr.trimEnd().split('\n')).toEqual([typeof message === 'string' ? message : expect.stringMatching(message)])
  })
})

describe('lexgen pull: authority lookup', () => {
  const answering = (records: string[][] | NodeJS.ErrnoException) => (name: string) => {
    expect(name).toBe('_lexicon.feed.example.com')
    return records instanceof Error ? Promise.reject(records) : Promise.resolve(records)
  }

  it('maps an NSID or pattern to its authority domain', () => {
    expect(authorityOf('com.example.feed.post')).toBe('feed.example.com')
    expect(authorityOf('com.example.feed.*')).toBe('feed.example.com')
    expect(authorityOf('COM.Example.Feed.post')).toBe('feed.example.com')
  })

  it('reads did= from the TXT records, joining chunks and ignoring other records', async () => {
    expect(await authorityDid('feed.example.com', 'x', answering([['v=spf1'], ['did=did:plc:', 'abc123']]))).toBe('did:plc:abc123')
  })

  it.each([
    [[], 'x: no lexicon authority: no "did=" TXT record at _lexicon.feed.example.com'],
    [[['did=did:plc:a'], ['did=did:plc:b']], 'x: 2 "did=" TXT records at _lexicon.feed.example.com; exactly one must name the authority'],
    [[['did=not a did\u0007']], "x: TXT _lexicon.feed.example.com names 'not a did\\x07', which is not a DID"],
    [Object.assign(new Error('timeout'), { code: 'ETIMEOUT' }), 'x: DNS lookup of TXT _lexicon.feed.example.com failed (ETIMEOUT)'],
    [Object.assign(new Error('nodata'), { code: 'ENODATA' }), 'x: no lexicon authority: DNS has no TXT record at _lexicon.feed.example.com'],
  ] as const)('refuses %j', async (records, message) => {
    await expect(authorityDid('feed.example.com', 'x', answering(records as unknown as string[][]))).rejects.toThrow(message)
  })
})

describe('lexgen pull: references it follows', () => {
  it('refs, union members and knownValues tokens; not permission-set scopes, not itself', () => {
    const doc = {
      id: 'com.example.feed.post',
      defs: {
        main: { type: 'object', properties: { a: { type: 'ref', ref: 'com.example.actor.defs#profile' }, b: { type: 'union', refs: ['#local', 'org.other.embed.image'] } } },
        reason: { type: 'string', knownValues: ['com.example.moderation.defs#spam', 'plain', 'not-an-nsid#x'] },
        scope: { type: 'permission-set', permissions: [{ type: 'permission', resource: 'rpc', lxm: ['com.example.admin.purge'] }] },
      },
    }
    expect(referencedNsids(doc)).toEqual(['com.example.actor.defs', 'com.example.moderation.defs', 'org.other.embed.image'])
  })
})

describe('lexgen pull: where the lexicons come from', () => {
  it('names each commit with the ref it came from when the config moved the ref (v1 → v2), and once when it did not', () => {
    const source: GitLock = { url: 'https://example.com/schemas.git', ref: 'v1', folder: '', include: ['*'], exclude: [], commit: 'a'.repeat(40), docs: new Map() }
    const lock = (git: GitLock) => ({ ...emptyLockfile, git: [git] })
    expect(sourceChanges(lock(source), lock({ ...source, ref: 'v2', commit: 'b'.repeat(40) }))).toEqual([`git source https://example.com/schemas.git: v1 ${'a'.repeat(12)} → v2 ${'b'.repeat(12)}`])
    expect(sourceChanges(lock(source), lock({ ...source, commit: 'b'.repeat(40) }))).toEqual([`git source https://example.com/schemas.git: v1 ${'a'.repeat(12)} → ${'b'.repeat(12)}`])
  })
})

describe('lexgen pull: progress', () => {
  const record = (tty: boolean) => {
    let text = ''
    const progress = createProgress((chunk) => void (text += chunk), tty)
    progress.phase('listing com.example.feed.*')
    progress.item(1, 2, 'com.example.feed.post from did:plc:x')
    progress.end()
    return text
  }

  it('redraws one line on a terminal and clears it at the end', () => {
    expect(record(true)).toBe('\r\x1b[2Klexgen: listing com.example.feed.*…\r\x1b[2Klexgen: fetching 1 of 2: com.example.feed.post from did:plc:x\r\x1b[2K')
  })

  it('prints plain lines when piped', () => {
    expect(record(false)).toBe('lexgen: listing com.example.feed.*\nlexgen: [1/2] com.example.feed.post from did:plc:x\n')
  })
})
