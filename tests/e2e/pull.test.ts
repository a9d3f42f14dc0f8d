/**
 * `lexgen pull` against real peers: schema records published into accounts on the real
 * `@atproto/pds` of the e2e harness (a did:plc account in its in-memory PLC directory, and a
 * did:web account whose DID document a local host serves), `_lexicon` TXT records served by the
 * injectable DNS resolver, and a loopback proxy that alters what the PDS sends.
 *
 * Authorities: `feed.example.com` → the did:plc account, `actor.other.org` → the did:web one;
 * `com.example.feed.post` references `org.other.actor.defs`, so every pull crosses authorities.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Secp256k1Keypair } from '@atproto/crypto'
import { blocksToCarFile, readCarWithRoot } from '@atproto/repo'
import { removeDir, ROOT, runCli, snapshotDir, tempDir } from '../codegen/helpers.js'
import { closeServer, listen } from '../helpers/listen.js'
import {
  createAccount,
  createDidWebAccount,
  publishLexicon,
  startDidWebHost,
  startE2e,
  unpublishLexicon,
  type Account,
  type DidWebHost,
  type E2e,
} from './harness.js'

let e2e: E2e
let feed: Account
let actor: Account & { host: DidWebHost }
let empty: Account
const hosts: DidWebHost[] = []
const dirs: string[] = []

/** `_lexicon.<authority>` TXT records, as a DNS zone would hold them. */
const zone = new Map<string, string[][]>()
const resolveTxt = async (name: string): Promise<string[][]> => {
  const records = zone.get(name)
  if (!records) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' })
  return records
}

const post = (description: string, extra: Record<string, unknown> = {}) => ({
  lexicon: 1,
  id: 'com.example.feed.post',
  defs: {
    main: {
      type: 'record',
      key: 'tid',
      description,
      record: { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 300 }, author: { type: 'ref', ref: 'org.other.actor.defs#profile' } } },
    },
    ...extra,
  },
})
const like = {
  lexicon: 1,
  id: 'com.example.feed.like',
  defs: { main: { type: 'record', key: 'tid', record: { type: 'object', properties: { subject: { type: 'string', format: 'at-uri' } } } } },
}
const actorDefs = {
  lexicon: 1,
  id: 'org.other.actor.defs',
  defs: { profile: { type: 'object', properties: { name: { type: 'string', description: 'ORIGINAL' } } } },
}

beforeAll(async () => {
  e2e = await startE2e()
  feed = await createAccount(e2e.pds.url, 'feedpub.test')
  actor = await createDidWebAccount(e2e.pds, 'actorpub.test')
  hosts.push(actor.host)
  empty = await createAccount(e2e.pds.url, 'nolex.test')
  zone.set('_lexicon.feed.example.com', [['did=', feed.did]]) // TXT strings arrive in chunks
  zone.set('_lexicon.actor.other.org', [['v=spf1 -all'], [`did=${actor.did}`]])
  await publishLexicon(e2e.pds.url, feed, post('A post.'))
  await publishLexicon(e2e.pds.url, feed, like)
  await publishLexicon(e2e.pds.url, actor, actorDefs)
}, 60_000)

afterAll(async () => {
  for (const host of hosts) await host.close()
  await e2e?.close()
  for (const dir of dirs) await removeDir(dir)
})

/** A fresh project folder; `config` becomes its lexgen.config.json. */
async function project(config?: unknown): Promise<string> {
  const dir = await tempDir('lexgen-pull-')
  dirs.push(dir)
  if (config) await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify(config))
  return dir
}

function pull(dir: string, ...args: string[]) {
  return runCli(['pull', ...args], dir, { network: { resolveTxt, plcUrl: e2e.plc.url, timeoutMs: 5_000 } })
}

/** Everything under the project folder, to show a failed pull wrote nothing. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  return snapshotDir(dir)
}

async function lockOf(dir: string) {
  return JSON.parse(await readFile(join(dir, 'lexicons.json'), 'utf8')) as {
    version: number
    lexicons: string[]
    resolutions: Record<string, { uri: string; cid: string }>
  }
}

/** A project that has pulled `com.example.feed.*` once. */
async function pulledProject(): Promise<string> {
  const dir = await project({ include: ['com.example.feed.*'], pull: { network: ['com.example.feed.*'] } })
  const result = await pull(dir)
  expect(result.code, result.stderr).toBe(0)
  return dir
}

/** Expects one `lexgen: error:` line, exit 1, and the project exactly as before. */
async function expectRefused(dir: string, run: () => ReturnType<typeof pull>, message: RegExp): Promise<string> {
  const before = await snapshot(dir)
  const result = await run()
  expect(result.code).toBe(1)
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('lexgen: error:'))
  expect(errors, result.stderr).toHaveLength(1)
  expect(errors[0]).toMatch(message)
  expect(await snapshot(dir)).toEqual(before)
  return errors[0]!
}

describe('lexgen pull from the network', () => {
  it('resolves a pattern through DNS, PLC and the PDS, following a reference to another authority (a did:web repo)', async () => {
    const dir = await project({ include: ['com.example.feed.*'], pull: { network: ['com.example.feed.*'] } })
    const result = await pull(dir)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('lexgen: lexicon changes: a first pull, so all new: the client takes the 3 docs pulled\n')
    expect(result.stdout).toMatch(/pulled 3 docs \(3 fetched from the network\) into lexicons: 3 files changed, lexicons.json updated/)
    // Piped: one plain line per fetched doc, naming the repository it came from.
    expect(result.stderr).toMatch(new RegExp(`^lexgen: \\[\\d/3\\] org\\.other\\.actor\\.defs from ${actor.did.replace(/[.%]/g, '\\$&')}$`, 'm'))
    expect(result.stderr).not.toContain('\x1b[')

    const files = await snapshot(dir)
    expect([...files.keys()].sort()).toEqual(['lexgen.config.json', 'lexicons.json', 'lexicons/com/example/feed/like.json', 'lexicons/com/example/feed/post.json', 'lexicons/org/other/actor/defs.json'])
    expect(JSON.parse(files.get('lexicons/org/other/actor/defs.json')!)).toEqual({ $type: 'com.atproto.lexicon.schema', ...actorDefs })

    // The lockfile pins each record by its at-uri and the CID the PDS itself reports for it.
    const lock = await lockOf(dir)
    expect(lock.version).toBe(1)
    expect(lock.lexicons).toEqual(['com.example.feed.like', 'com.example.feed.post'])
    const records = await listRecords(feed.did)
    expect(lock.resolutions['com.example.feed.post']).toEqual(records.get('com.example.feed.post'))
    expect(lock.resolutions['com.example.feed.like']).toEqual(records.get('com.example.feed.like'))
    expect(lock.resolutions['org.other.actor.defs']).toEqual((await listRecords(actor.did)).get('org.other.actor.defs'))

    // The pulled folder generates (the record's $type does not disturb the pipeline).
    const generated = await runCli(['generate'], dir)
    expect(generated.code, generated.stderr).toBe(0)
    expect(generated.stdout).toContain('read 3 docs, selected 3')
  })

  it('pulls again without the network when the folder matches the lockfile, and --frozen agrees', async () => {
    const dir = await pulledProject()
    const before = await snapshot(dir)
    const again = await pull(dir)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain('pulled 3 docs (3 already in lexicons) into lexicons')
    expect(again.stdout).toContain('0 files changed, lexicons.json unchanged')
    expect(await snapshot(dir)).toEqual(before)

    const frozen = await runCli(['pull', '--frozen'], dir) // no network options: --frozen never needs them
    expect(frozen).toMatchObject({ code: 0, stdout: 'lexgen: lexicons matches lexicons.json (3 docs)\n' })
  })

  it('writes a lockfile @atproto/lex accepts: `lex install --ci` verifies our folder against it, offline', async () => {
    const dir = await pulledProject()
    const lex = join(ROOT, 'node_modules/@atproto/lex/bin/lex')
    const run = promisify(execFile)(process.execPath, [lex, 'install', '--ci', '--lexicons', 'lexicons', '--manifest', 'lexicons.json'], { cwd: dir })
    await expect(run.catch((error: { stderr: string }) => Promise.reject(new Error(error.stderr)))).resolves.toBeDefined()
    // And it does fail on a folder that no longer matches (so the check above can fail).
    await writeFile(join(dir, 'lexicons/com/example/feed/like.json'), JSON.stringify({ $type: 'com.atproto.lexicon.schema', ...like, description: 'edited' }))
    const stale = promisify(execFile)(process.execPath, [lex, 'install', '--ci', '--lexicons', 'lexicons', '--manifest', 'lexicons.json'], { cwd: dir })
    await expect(stale).rejects.toMatchObject({ stderr: expect.stringMatching(/out of date/) })
  }, 120_000) // two starts of the lex CLI: seconds each on a loaded machine

  it('restores a deleted doc from its locked at-uri, and an edited one when told to (--force)', async () => {
    const dir = await pulledProject()
    const before = await snapshot(dir)
    await rm(join(dir, 'lexicons/org/other/actor/defs.json'))
    await writeFile(join(dir, 'lexicons/com/example/feed/like.json'), '{"lexicon": 1, "id": "com.example.feed.like", "defs": {}}')
    const frozen = await runCli(['pull', '--frozen'], dir)
    expect(frozen.code).toBe(1)
    expect(frozen.stderr).toContain('lexgen: lexicons does not match lexicons.json (2 problems)')
    expect(frozen.stderr).toContain('org.other.actor.defs: missing (expected org/other/actor/defs.json)')
    expect(frozen.stderr).toMatch(/com\.example\.feed\.like: com\/example\/feed\/like\.json has CID \w+, the lockfile pins \w+/)

    const refused = await pull(dir)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/  com\/example\/feed\/like\.json: com\.example\.feed\.like, edited since it was pulled \(CID \w+; lexicons\.json pins \w+\)\n/)
    const result = await pull(dir, '--force')
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('2 fetched from the network')
    expect(await snapshot(dir)).toEqual(before)
  })

  it('--update prints what changed before writing; plain pull keeps the locked version, and refuses another CID', async () => {
    const dir = await pulledProject()
    const locked = await lockOf(dir)
    await publishLexicon(e2e.pds.url, feed, post('A post, now with a longer description.'))
    try {
      // The folder matches the lockfile: a plain pull changes nothing.
      const plain = await pull(dir)
      expect(plain.code, plain.stderr).toBe(0)
      expect(plain.stdout).toContain('0 files changed')

      // The doc is gone locally, and the network now serves another CID than the lockfile's.
      await rm(join(dir, 'lexicons/com/example/feed/post.json'))
      await expectRefused(
        dir,
        () => pull(dir),
        /^lexgen: error: com\.example\.feed\.post: CID mismatch: at:\/\/did:plc:\w+\/com\.atproto\.lexicon\.schema\/com\.example\.feed\.post has \w+ but lexicons\.json locks \w+; run `npx lexgen pull --update`/,
      )

      const dry = await pull(dir, '--update', '--dry-run')
      expect(dry.code, dry.stderr).toBe(0)
      // From the folder's point of view post.json was deleted, so the pull adds it back, and with it
      // what only it references (org.other.actor.defs was outside the selection's closure without it).
      expect(dry.stdout).toContain('lexgen: lexicon changes: 0 breaking, 0 source, 2 compatible, 0 docs\n  com.example.feed.post\n')
      expect(dry.stdout).toContain('nothing written')

      await writeFile(join(dir, 'lexicons/com/example/feed/post.json'), JSON.stringify({ $type: 'com.atproto.lexicon.schema', ...post('A post.') }))
      const update = await pull(dir, '--update')
      expect(update.code, update.stderr).toBe(0)
      // Classified as `lexgen diff` does: a longer description is a docs change.
      expect(update.stdout).toContain('lexgen: lexicon changes: 0 breaking, 0 source, 0 compatible, 1 docs\n  com.example.feed.post\n')
      expect(update.stdout.indexOf('lexicon changes')).toBeLessThan(update.stdout.indexOf('pulled 3 docs'))
      const lock = await lockOf(dir)
      expect(lock.resolutions['com.example.feed.post']!.cid).not.toBe(locked.resolutions['com.example.feed.post']!.cid)
      expect(lock.resolutions['com.example.feed.post']).toEqual((await listRecords(feed.did)).get('com.example.feed.post'))
      expect(JSON.parse(await readFile(join(dir, 'lexicons/com/example/feed/post.json'), 'utf8')).defs.main.description).toBe('A post, now with a longer description.')
    } finally {
      await publishLexicon(e2e.pds.url, feed, post('A post.'))
    }
  })

  it('--fail-on refuses an update with changes at that level (a removed def or doc is a source change), and writes nothing', async () => {
    await publishLexicon(e2e.pds.url, feed, post('A post.', { legacy: { type: 'token' } }))
    const dir = await pulledProject()
    await publishLexicon(e2e.pds.url, feed, post('A post.'))
    await unpublishLexicon(e2e.pds.url, feed, 'com.example.feed.like')
    try {
      const line = await expectRefused(dir, () => pull(dir, '--update', '--fail-on', 'source'), /^lexgen: error: refusing to write: the changes include source ones \(--fail-on source\); lexicons and lexicons.json are unchanged \(to take it once reviewed: `npx lexgen pull --update`\)$/)
      expect(line).toBeTruthy()
      // Classified as `lexgen diff` does: code using the record's or the token's types no longer compiles.
      const report = (await pull(dir, '--update', '--dry-run')).stdout
      expect(report).toContain('lexgen: lexicon changes: 0 breaking, 2 source, 0 compatible, 0 docs\n')
      expect(report).toContain('  com.example.feed.like\n    whole doc\n      source      lexicon doc removed (main) (record)\n')
      expect(report).toContain('  com.example.feed.post\n    #legacy  (not reached from any method or record)\n      source      token def removed\n')
      // Nothing here breaks a deployed client: --fail-on breaking lets it through.
      expect((await pull(dir, '--update', '--fail-on', 'breaking', '--dry-run')).code).toBe(0)
    } finally {
      await publishLexicon(e2e.pds.url, feed, like)
    }
  })
})

describe('lexgen pull --update, when the authority now names another repository', () => {
  it('says which docs come from where now, though they are the same docs (the change report alone shows none)', async () => {
    const dir = await pulledProject()
    await publishLexicon(e2e.pds.url, empty, post('A post.'))
    await publishLexicon(e2e.pds.url, empty, like)
    zone.set('_lexicon.feed.example.com', [[`did=${empty.did}`]])
    try {
      const update = await pull(dir, '--update', '--dry-run')
      expect(update.code, update.stderr).toBe(0)
      expect(update.stdout).toContain('lexgen: lexicon changes: none')
      expect(update.stdout).toContain(
        `lexgen: where the lexicons come from changed:\n  com.example.feed.like, com.example.feed.post: now from ${empty.did} (was ${feed.did}): check that the authority moved its schemas there\n`,
      )
    } finally {
      zone.set('_lexicon.feed.example.com', [['did=', feed.did]])
      await unpublishLexicon(e2e.pds.url, empty, 'com.example.feed.post')
      await unpublishLexicon(e2e.pds.url, empty, 'com.example.feed.like')
    }
  })
})

describe('lexgen pull --remove', () => {
  it('drops an NSID only the lockfile still asks for (taken out of the config), with its doc; one the config names is refused', async () => {
    const dir = await pulledProject()
    const configPath = join(dir, 'lexgen.config.json')
    await writeFile(configPath, JSON.stringify({ include: ['com.example.feed.*'], pull: { network: ['com.example.feed.like'] } }))
    // A config edit alone drops nothing (the lockfile also keeps what a command line named): said, with the way out.
    const plain = await pull(dir)
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stderr).toContain(
      'lexgen: warning: lexicons.json also asks for com.example.feed.post, named on an earlier command line, not in lexgen.config.json: add it to pull.network to keep it there, or drop it with `npx lexgen pull --remove com.example.feed.post`\n',
    )
    await expectRefused(dir, () => pull(dir, '--remove', 'com.example.feed.like'), /^lexgen: error: --remove com\.example\.feed\.like: lexgen\.config\.json names com\.example\.feed\.like in pull\.network \('com\.example\.feed\.like'\): remove it there, then run this again$/)
    await expectRefused(dir, () => pull(dir, '--remove', 'com.example.feed.poll'), /^lexgen: error: --remove com\.example\.feed\.poll: lexicons\.json does not ask for it \(it asks for: com\.example\.feed\.like, com\.example\.feed\.post\)/)

    const removed = await pull(dir, '--remove', 'com.example.feed.post')
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toContain('com.example.feed.post')
    expect((await lockOf(dir)).lexicons).toEqual(['com.example.feed.like'])
    expect(Object.keys((await lockOf(dir)).resolutions)).toEqual(['com.example.feed.like'])
    await expect(readFile(join(dir, 'lexicons/com/example/feed/post.json'))).rejects.toThrow(/ENOENT/)
    expect((await pull(dir, '--frozen')).code).toBe(0)
    expect((await pull(dir)).stderr).not.toContain('also asks for')
  })
})

describe('lexgen pull refuses, with one line, and writes nothing', () => {
  it('when DNS has no _lexicon TXT record for the authority', async () => {
    const dir = await pulledProject()
    await expectRefused(dir, () => pull(dir, 'net.nowhere.feed.post'), /^lexgen: error: net\.nowhere\.feed\.post: no lexicon authority: DNS has no TXT record at _lexicon\.feed\.nowhere\.net$/)
    zone.set('_lexicon.spf.nowhere.net', [['v=spf1 -all']])
    await expectRefused(dir, () => pull(dir, 'net.nowhere.spf.x'), /^lexgen: error: net\.nowhere\.spf\.x: no lexicon authority: no "did=" TXT record at _lexicon\.spf\.nowhere\.net$/)
  })

  it('when the DID does not resolve', async () => {
    const dir = await pulledProject()
    zone.set('_lexicon.ghost.example.com', [['did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa']])
    await expectRefused(dir, () => pull(dir, 'com.example.ghost.thing'), /^lexgen: error: com\.example\.ghost\.thing: DID not resolvable: did:plc:a{24} has no DID document$/)
  })

  it('when the PDS is unreachable', async () => {
    const dir = await pulledProject()
    const closed = createServer()
    const port = await listen(closed)
    await closeServer(closed)
    const host = await startDidWebHost('gone.test', (await Secp256k1Keypair.create()).did(), `http://127.0.0.1:${port}`)
    hosts.push(host)
    zone.set('_lexicon.gone.example.com', [[`did=${host.did}`]])
    await expectRefused(
      dir,
      () => pull(dir, 'com.example.gone.thing'),
      new RegExp(`^lexgen: error: com\\.example\\.gone\\.thing: PDS unreachable: http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) while fetching at://`),
    )
  })

  it('when the PDS sends more than 8 MiB, or redirects in a loop: said as such', async () => {
    const dir = await pulledProject()
    // A PDS that streams without end, or sends every request back to itself.
    const endless = createServer((req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      const more = () => {
        while (res.write(chunk));
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.on('drain', more)
      more()
    })
    const looping = createServer((req, res) => res.writeHead(302, { location: req.url }).end())
    const servers = [endless, looping]
    try {
      for (const [name, server] of [['huge', endless], ['loop', looping]] as const) {
        const port = await listen(server)
        const host = await startDidWebHost(`${name}.test`, (await Secp256k1Keypair.create()).did(), `http://127.0.0.1:${port}`)
        hosts.push(host)
        zone.set(`_lexicon.${name}.example.com`, [[`did=${host.did}`]])
      }
      await expectRefused(dir, () => pull(dir, 'com.example.huge.thing'), /^lexgen: error: com\.example\.huge\.thing: http:\/\/127\.0\.0\.1:\d+ sent more than 8 MiB; refusing it$/)
      await expectRefused(dir, () => pull(dir, 'com.example.loop.thing'), /^lexgen: error: com\.example\.loop\.thing: PDS unreachable: http:\/\/127\.0\.0\.1:\d+ \(redirect count exceeded\) while fetching at:\/\//)
    } finally {
      for (const server of servers) {
        server.closeAllConnections()
        await closeServer(server)
      }
    }
  })

  it("when the lockfile pins another repository's record than the one DNS names (an edited lockfile): pull, --force and --verify refuse", async () => {
    const dir = await pulledProject()
    // Another account publishes its own com.example.feed.like; the lockfile is made to pin that.
    const impostor = await publishLexicon(e2e.pds.url, empty, { ...like, description: 'Not the authority\'s.' } as { id: string })
    try {
      const lockPath = join(dir, 'lexicons.json')
      const lock = JSON.parse(await readFile(lockPath, 'utf8')) as { resolutions: Record<string, { uri: string; cid: string }> }
      lock.resolutions['com.example.feed.like'] = impostor
      await writeFile(lockPath, JSON.stringify(lock, null, 2))
      await rm(join(dir, 'lexicons/com/example/feed/like.json'))
      const refusal = new RegExp(
        `^lexgen: error: com\\.example\\.feed\\.like: lexicons\\.json pins at://${empty.did}/com\\.atproto\\.lexicon\\.schema/com\\.example\\.feed\\.like, but DNS \\(_lexicon\\.feed\\.example\\.com\\) names ${feed.did}: the authority moved its schemas, or lexicons\\.json was edited\\. Check which, then \`npx lexgen pull --update\` takes the authority's \\(review its report\\)$`,
      )
      for (const args of [[], ['--force'], ['--verify']]) await expectRefused(dir, () => pull(dir, ...args), refusal)
    } finally {
      await unpublishLexicon(e2e.pds.url, empty, 'com.example.feed.like')
    }
  })

  it('when the repository has no such record', async () => {
    const dir = await pulledProject()
    zone.set('_lexicon.empty.example.com', [[`did=${empty.did}`]])
    await expectRefused(dir, () => pull(dir, 'com.example.empty.thing'), /^lexgen: error: com\.example\.empty\.thing: record missing: http:\/\/localhost:\d+ has no record for at:\/\/did:plc:\w+\/com\.atproto\.lexicon\.schema\/com\.example\.empty\.thing \(its signed commit proves it\)$/)
  })

  it('when the fetched doc is not a valid lexicon, nested too deep, or not the doc it was fetched as', async () => {
    const dir = await pulledProject()
    await publishLexicon(e2e.pds.url, empty, { lexicon: 1, id: 'com.example.empty.broken', defs: { main: { type: 'bogus' } } } as { id: string })
    await publishLexicon(e2e.pds.url, empty, { lexicon: 1, id: 'com.example.empty.other', defs: { main: { type: 'token' } } } as { id: string }, 'com.example.empty.impostor')
    // Nested deeper than any lexicon, in a key @atproto/lexicon ignores: refused before anything walks it.
    const deep = JSON.parse(`${'['.repeat(70)}0${']'.repeat(70)}`) as unknown
    await publishLexicon(e2e.pds.url, empty, { lexicon: 1, id: 'com.example.empty.deep', defs: { main: { type: 'token', x: deep } } } as { id: string })
    try {
      zone.set('_lexicon.empty.example.com', [[`did=${empty.did}`]])
      await expectRefused(dir, () => pull(dir, 'com.example.empty.deep'), /^lexgen: error: com\.example\.empty\.deep: the record at at:\/\/did:plc:\w+\/com\.atproto\.lexicon\.schema\/com\.example\.empty\.deep is nested more than 64 levels deep/)
      await expectRefused(dir, () => pull(dir, 'com.example.empty.broken'), /^lexgen: error: at:\/\/did:plc:\w+\/com\.atproto\.lexicon\.schema\/com\.example\.empty\.broken at defs\.main\.type: Expected 'record' \| .*, got 'bogus'$/)
      await expectRefused(dir, () => pull(dir, 'com.example.empty.impostor'), /^lexgen: error: com\.example\.empty\.impostor: the record at at:\/\/\S+\/com\.example\.empty\.impostor holds the doc 'com\.example\.empty\.other', not com\.example\.empty\.impostor: only its publisher can fix that\. Until then, a pattern that lists it fails: name the NSIDs you need in pull\.network instead$/)
    } finally {
      await unpublishLexicon(e2e.pds.url, empty, 'com.example.empty.broken')
      await unpublishLexicon(e2e.pds.url, empty, 'com.example.empty.impostor')
      await unpublishLexicon(e2e.pds.url, empty, 'com.example.empty.deep')
    }
  })

  it('when the DID document names another key than the one that signed the commit', async () => {
    const dir = await pulledProject()
    await rm(join(dir, 'lexicons/org/other/actor/defs.json'))
    const signingKey = (await fetchDidDoc(actor.did)).verificationMethod[0]!.publicKeyMultibase
    actor.host.set({ signingKey: (await Secp256k1Keypair.create()).did() })
    try {
      await expectRefused(dir, () => pull(dir), /^lexgen: error: org\.other\.actor\.defs: invalid proof or signature from http:\/\/localhost:\d+ for at:\/\/did:web:localhost%3A\d+\/com\.atproto\.lexicon\.schema\/org\.other\.actor\.defs: the commit signature does not match the signing key of did:web:/)
    } finally {
      actor.host.set({ signingKey: `did:key:${signingKey}` })
    }
  })

  describe('when a proxy between us and the PDS alters the record', () => {
    let proxy: Server
    let proxyUrl: string
    let tamper: (car: Buffer) => Promise<Buffer>
    beforeAll(async () => {
      proxy = createServer((req: IncomingMessage, res: ServerResponse) => void forward(req, res))
      proxyUrl = `http://127.0.0.1:${await listen(proxy)}`
    })
    afterAll(() => closeServer(proxy))

    /** Forwards to the PDS; getRecord answers pass through `tamper`. */
    async function forward(req: IncomingMessage, res: ServerResponse) {
      const upstream = await fetch(`${e2e.pds.url}${req.url}`)
      let body: Buffer = Buffer.from(await upstream.arrayBuffer())
      if (req.url?.startsWith('/xrpc/com.atproto.sync.getRecord')) body = await tamper(body)
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' }).end(body)
    }

    async function viaProxy(message: RegExp) {
      const dir = await pulledProject()
      await rm(join(dir, 'lexicons/org/other/actor/defs.json'))
      actor.host.set({ pds: proxyUrl })
      try {
        await expectRefused(dir, () => pull(dir), message)
      } finally {
        actor.host.set({ pds: e2e.pds.url })
      }
    }

    it('in place (its block no longer hashes to its CID)', async () => {
      tamper = async (car) => {
        const at = car.indexOf('ORIGINAL')
        expect(at).toBeGreaterThan(0)
        return Buffer.concat([car.subarray(0, at), Buffer.from('TAMPERED'), car.subarray(at + 8)])
      }
      await viaProxy(/^lexgen: error: org\.other\.actor\.defs: invalid proof or signature from http:\/\/127\.0\.0\.1:\d+ for at:\/\/did:web:\S+: not a valid CAR file \(Not a valid CID for bytes/)
    })

    it('by swapping in another, well-formed record block (the signed MST does not name it)', async () => {
      tamper = async (car) => {
        const { root, blocks } = await readCarWithRoot(car)
        const original = [...blocks].find(([, bytes]) => Buffer.from(bytes).includes('ORIGINAL'))![0]
        blocks.delete(original)
        await blocks.add({ $type: 'com.atproto.lexicon.schema', ...actorDefs, description: 'TAMPERED' })
        return Buffer.from(await blocksToCarFile(root, blocks))
      }
      await viaProxy(/^lexgen: error: org\.other\.actor\.defs: invalid proof or signature from .*: the (record block is missing or not a record|proof does not reach the record)/)
    })
  })
})

/** `nsid → { uri, cid }` of the account's schema records, as the PDS lists them. */
async function listRecords(did: string): Promise<Map<string, { uri: string; cid: string }>> {
  const res = await fetch(`${e2e.pds.url}/xrpc/com.atproto.repo.listRecords?repo=${encodeURIComponent(did)}&collection=com.atproto.lexicon.schema`)
  const { records } = (await res.json()) as { records: { uri: string; cid: string }[] }
  return new Map(records.map(({ uri, cid }) => [uri.split('/').at(-1)!, { uri, cid }]))
}

async function fetchDidDoc(did: string): Promise<{ verificationMethod: { publicKeyMultibase: string }[] }> {
  const url = `http://${decodeURIComponent(did.slice('did:web:'.length))}/.well-known/did.json`
  return (await fetch(url)).json() as Promise<{ verificationMethod: { publicKeyMultibase: string }[] }>
}
