/**
 * `lexgen generate --watch`, the real binary in a child process, driven by file changes made
 * the way editors and tools make them. Every step waits for the lines the watcher prints, never
 * for a set time: the summary line comes after the output is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { lockHeldBy, removeDir, ROOT, snapshotDir, tempDir } from './helpers.js'

const defs = (properties: Record<string, unknown>) => ({ lexicon: 1, id: 'com.example.feed.defs', defs: { postView: { type: 'object', properties } } })
const getPost = {
  lexicon: 1,
  id: 'com.example.feed.getPost',
  defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.example.feed.defs#postView' } } } },
}
const follow = (description: string) => ({ lexicon: 1, id: 'com.example.social.follow', defs: { main: { type: 'token', description } } })

/**
 * A stream's lines; `next` waits for the first line after the last one it returned that matches,
 * and fails, quoting what came, when the stream ends without one (the process exited).
 */
class Lines {
  readonly all: string[] = []
  private cursor = 0
  private ended = false
  private wake: (() => void) | undefined

  constructor(stream: NodeJS.ReadableStream) {
    createInterface({ input: stream })
      .on('line', (line) => {
        this.all.push(line)
        this.wake?.()
      })
      .on('close', () => {
        this.ended = true
        this.wake?.()
      })
  }

  async next(pattern: RegExp): Promise<string> {
    for (;;) {
      const at = this.all.findIndex((line, i) => i >= this.cursor && pattern.test(line))
      if (at !== -1) {
        this.cursor = at + 1
        return this.all[at]!
      }
      if (this.ended) throw new Error(`the stream ended with no line matching ${pattern}; it said:\n${this.all.join('\n')}`)
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }

  /**
   * The next report of lexicon changes that has some. A save may reach the watcher as more than
   * one event (a plain write truncates, then writes), and on a busy machine they can fall into
   * separate runs: the later ones find nothing new and report "none".
   */
  changes(): Promise<string[]> {
    return this.block(/^lexgen: lexicon changes: (?!none$)/)
  }

  /**
   * A report: the header line matching `pattern` and its indented lines. The watcher prints a
   * report in one write, and readline hands over all lines of a chunk before `next` resumes.
   */
  async block(pattern: RegExp): Promise<string[]> {
    const header = await this.next(pattern)
    const rest = this.all.slice(this.cursor)
    const body = rest.slice(0, rest.findIndex((line) => !line.startsWith('  ')) === -1 ? rest.length : rest.findIndex((line) => !line.startsWith('  ')))
    return [header, ...body]
  }
}

/** Writes `content` the way many editors save: to a temp file beside it, then renamed over it. */
async function saveByRename(path: string, content: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(`${path}.swp`, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  await rename(`${path}.swp`, path)
}

async function startProject(): Promise<string> {
  const dir = await tempDir('lexgen-watch-')
  await saveByRename(join(dir, 'lexicons/com/example/feed/defs.json'), defs({ uri: { type: 'string' } }))
  await saveByRename(join(dir, 'lexicons/com/example/feed/getPost.json'), getPost)
  await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify({ include: ['com.example.*'] }))
  return dir
}

/** `lexgen generate --watch` in `dir`; `lines` is its stdout (summaries, reports), `errors` its stderr. */
function startWatch(dir: string): { child: ChildProcess; lines: Lines; errors: Lines; exit: Promise<[number | null, NodeJS.Signals | null]> } {
  const child = spawn(process.execPath, [join(ROOT, 'codegen/bin/lexgen.js'), 'generate', '--watch'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  return { child, lines: new Lines(child.stdout!), errors: new Lines(child.stderr!), exit }
}

async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((name) => /(^|\/)\.lexgen-|\.tmp$/.test(name))
}

describe('lexgen generate --watch', () => {
  let dir: string
  let watch: ReturnType<typeof startWatch>
  const generated = (path: string) => readFile(join(dir, 'generated', path), 'utf8')

  beforeAll(async () => {
    dir = await startProject()
    watch = startWatch(dir)
    await watch.lines.next(/^lexgen: watching the lexicons and the config/)
    await watch.lines.next(/^lexgen: read 2 docs, selected 2, wrote \d+ files to generated \(\d+ changed\) in \d+ ms$/)
  })

  afterAll(async () => {
    if (watch?.child.exitCode === null) {
      watch.child.kill('SIGKILL')
      await watch.exit
    }
    await removeDir(dir)
  })

  it('regenerates after a rename-on-save, and again after a second one to the same file', async () => {
    await saveByRename(join(dir, 'lexicons/com/example/feed/defs.json'), defs({ uri: { type: 'string' }, cid: { type: 'string' } }))
    // Classified as `lexgen diff` does: an optional field added to a response is compatible.
    expect(await watch.lines.changes()).toEqual([
      'lexgen: lexicon changes: 0 breaking, 0 source, 1 compatible, 0 docs',
      '  com.example.feed.defs',
      '    #postView  (response via com.example.feed.getPost)',
      '      compatible  cid: optional field added (string) (response)',
    ])
    expect(await generated('com/example/feed/defs.ts')).toContain('cid?: string')

    // Node 20's recursive fs.watch loses a file after its first rename-on-save; this one must still be seen.
    await saveByRename(join(dir, 'lexicons/com/example/feed/defs.json'), defs({ uri: { type: 'string' }, cid: { type: 'string' }, indexedAt: { type: 'string' } }))
    await watch.lines.next(/^      compatible  indexedAt: optional field added \(string\) \(response\)$/)
    expect(await generated('com/example/feed/defs.ts')).toContain('indexedAt?: string')
  })

  it('picks up a doc added in a new folder, and later edits inside that folder', async () => {
    await saveByRename(join(dir, 'lexicons/com/example/social/follow.json'), follow('Follow.'))
    await watch.lines.next(/^lexgen: read 3 docs, selected 3/)
    expect(await watch.lines.changes()).toEqual([
      'lexgen: lexicon changes: 0 breaking, 0 source, 1 compatible, 0 docs',
      '  com.example.social.follow',
      '    whole doc  (not reached from any method or record)',
      '      compatible  new lexicon doc (main)',
    ])
    expect(await generated('com/example/social/follow.ts')).toContain('Follow.')

    await writeFile(join(dir, 'lexicons/com/example/social/follow.json'), JSON.stringify(follow('Follow someone.')))
    await watch.lines.next(/^lexgen: lexicon changes: 0 breaking, 0 source, 0 compatible, 1 docs$/)
    expect(await generated('com/example/social/follow.ts')).toContain('Follow someone.')
  })

  it('drops the module of a deleted doc and reports the removal', async () => {
    await rm(join(dir, 'lexicons/com/example/feed/getPost.json'))
    expect(await watch.lines.changes()).toEqual([
      'lexgen: lexicon changes: 1 breaking, 0 source, 0 compatible, 0 docs',
      '  com.example.feed.getPost',
      '    main',
      '      breaking    query removed (request)',
    ])
    await expect(generated('com/example/feed/getPost.ts')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('keeps the last good output while a doc is broken, and carries on when it is fixed', async () => {
    const good = await snapshotDir(join(dir, 'generated'))
    const path = join(dir, 'lexicons/com/example/feed/defs.json')
    const before = await readFile(path, 'utf8')
    await writeFile(path, '{ "lexicon": 1, "id": ')
    await watch.errors.next(/^lexgen: error: lexicons\/com\/example\/feed\/defs\.json: not valid JSON \(/)
    await watch.lines.next(/^lexgen: generated keeps the last good output; watching for changes$/)
    expect(await snapshotDir(join(dir, 'generated'))).toEqual(good)

    // A doc that parses but references what does not exist is broken too.
    const broken = JSON.stringify(defs({ author: { type: 'ref', ref: 'com.example.nowhere#thing' } }), null, 2)
    await saveByRename(path, broken)
    await watch.errors.next(/^lexgen: error: lexicons\/com\/example\/feed\/defs\.json:10:18 at defs\.postView\.properties\.author\.ref: reference 'com\.example\.nowhere#thing' names lexicon 'com\.example\.nowhere'/)
    await watch.lines.next(/^lexgen: generated keeps the last good output/)
    expect(await snapshotDir(join(dir, 'generated'))).toEqual(good)
    // The same problem moved down three lines: said again where it is now, not "the same problems as above".
    await saveByRename(path, `\n\n\n${broken}`)
    await watch.errors.next(/^lexgen: error: lexicons\/com\/example\/feed\/defs\.json:13:18 at defs\.postView\.properties\.author\.ref: /)
    await watch.lines.next(/^lexgen: generated keeps the last good output; watching for changes$/)

    await saveByRename(path, before)
    // Compared with the last good output, nothing changed.
    await watch.lines.next(/^lexgen: lexicon changes: none$/)
    expect(await snapshotDir(join(dir, 'generated'))).toEqual(good)
  })

  it('says "the same problems as above" when the next run fails alike, instead of printing them again', async () => {
    // A folder moved in whole: the run it starts fails, re-arming then finds the new folder and
    // runs once more, which fails alike.
    const incoming = join(dir, 'incoming/extra')
    await saveByRename(join(incoming, 'broken.json'), '{ "lexicon": 1, "id": ')
    await rename(incoming, join(dir, 'lexicons/com/example/extra'))
    await watch.errors.next(/^lexgen: error: lexicons\/com\/example\/extra\/broken\.json: not valid JSON \(/)
    await watch.lines.next(/^lexgen: generated keeps the last good output; watching for changes$/)
    await watch.lines.next(/^lexgen: the same problems as above; generated keeps the last good output; watching for changes$/)

    await rm(join(dir, 'lexicons/com/example/extra'), { recursive: true })
    await watch.lines.next(/^lexgen: lexicon changes: none$/)
    expect(watch.errors.all.filter((line) => line.includes('extra/broken.json'))).toHaveLength(1)
  })

  it('follows the config, and a lexicon folder swapped in whole (as `lexgen pull` writes it)', async () => {
    await saveByRename(join(dir, 'lexgen.config.json'), { include: ['com.example.feed.*'] })
    await watch.lines.next(/^lexgen: read 2 docs, selected 1, /)
    // The lexicons are as they were, but the client lost a module: the report says so, and why.
    expect(await watch.lines.changes()).toEqual([
      'lexgen: lexicon changes: 0 breaking, 1 source, 0 compatible, 0 docs',
      '  selection com.example.feed.* (was com.example.*):',
      '  com.example.social.follow',
      '    whole doc  (not reached from any method or record)',
      '      source      lexicon doc removed (main)',
    ])
    await expect(generated('com/example/social/follow.ts')).rejects.toMatchObject({ code: 'ENOENT' })

    const next = join(dir, '.lexicons-next')
    await saveByRename(join(next, 'com/example/feed/defs.json'), await readFile(join(dir, 'lexicons/com/example/feed/defs.json'), 'utf8'))
    await saveByRename(join(next, 'com/example/feed/getPost.json'), getPost)
    await rename(join(dir, 'lexicons'), join(dir, '.lexicons-old'))
    await rename(next, join(dir, 'lexicons'))
    // The selection is com.example.feed.* now: the follow token leaving is no change to the client.
    expect(await watch.lines.changes()).toEqual([
      'lexgen: lexicon changes: 0 breaking, 0 source, 1 compatible, 0 docs',
      '  com.example.feed.getPost',
      '    main',
      '      compatible  new query (request)',
    ])
    expect(await generated('com/example/feed/getPost.ts')).toContain('com.example.feed.getPost')
    await rm(join(dir, '.lexicons-old'), { recursive: true })

    // The new folder is watched too.
    await saveByRename(join(dir, 'lexicons/com/example/feed/defs.json'), defs({ uri: { type: 'string' } }))
    await watch.lines.next(/^      source      cid: optional field removed \(response\)$/)

    // The config deleted: said as such, and the watcher says it goes on; put back, it carries on.
    const good = await snapshotDir(join(dir, 'generated'))
    await rm(join(dir, 'lexgen.config.json'))
    await watch.errors.next(/^lexgen: error: nothing selected, and there is no lexgen\.config\.json \(\S+\): run `lexgen init` to write one \(for Bluesky Chat; `lexgen init --include 'com\.example\.\*'` for your own lexicons\), or pass --include/)
    await watch.lines.next(/^lexgen: generated keeps the last good output; watching for changes$/)
    expect(await snapshotDir(join(dir, 'generated'))).toEqual(good)
    await saveByRename(join(dir, 'lexgen.config.json'), { include: ['com.example.feed.*'] })
    await watch.lines.next(/^lexgen: read 2 docs, selected 2, /)
  })

  it('follows symbolic links as generate reads them: edits inside a linked folder, and to a linked file, are seen', async () => {
    const query = (id: string, params: Record<string, unknown>) => ({ lexicon: 1, id, defs: { main: { type: 'query', parameters: { type: 'params', properties: params } } } })
    await saveByRename(join(dir, 'vendor/feed-extra/getThing.json'), query('com.example.feed.getThing', { limit: { type: 'integer' } }))
    await symlink('../vendor/feed-extra', join(dir, 'lexicons/extra'))
    await watch.lines.next(/^  com\.example\.feed\.getThing$/)
    await saveByRename(join(dir, 'vendor/feed-extra/getThing.json'), query('com.example.feed.getThing', { limit: { type: 'integer' }, cursor: { type: 'string' } }))
    expect(await watch.lines.changes()).toEqual([
      'lexgen: lexicon changes: 0 breaking, 0 source, 1 compatible, 0 docs',
      '  com.example.feed.getThing',
      '    main',
      '      compatible  parameters.cursor: optional field added (string) (request)',
    ])

    await saveByRename(join(dir, 'shared/getOther.json'), query('com.example.feed.getOther', {}))
    await symlink('../shared/getOther.json', join(dir, 'lexicons/getOther.json'))
    await watch.lines.next(/^  com\.example\.feed\.getOther$/)
    await saveByRename(join(dir, 'shared/getOther.json'), query('com.example.feed.getOther', { q: { type: 'string' } }))
    await watch.lines.next(/^      compatible  parameters\.q: optional field added \(string\) \(request\)$/)
    expect(await generated('com/example/feed/getOther.ts')).toContain('q?: string')
  })

  it('says which files a run rewrote when no lexicon changed (a hand edit undone: the output is not watched)', async () => {
    const index = join(dir, 'generated/index.ts')
    await writeFile(index, `${await generated('index.ts')}// a hand edit\n`)
    // A save that changes nothing starts a run, which puts the generated file back.
    await saveByRename(join(dir, 'lexicons/com/example/feed/getPost.json'), getPost)
    await watch.lines.next(/^lexgen: rewrote generated\/index\.ts, which differed from what the lexicons and the config generate \(edited by hand\?\)$/)
    expect(await generated('index.ts')).not.toContain('// a hand edit')
  })

  it('says when a doc is read from another file (its header names it), and reports a reorder as a change, not a hand edit', async () => {
    await mkdir(join(dir, 'lexicons/com/example/moved'))
    await rename(join(dir, 'lexicons/com/example/feed/getPost.json'), join(dir, 'lexicons/com/example/moved/getPost.json'))
    await watch.lines.next(/^lexgen: com\.example\.feed\.getPost now read from another file, which the generated headers name$/)
    expect(await generated('com/example/feed/getPost.ts')).toContain('from com/example/moved/getPost.json')

    // A field added first, and its run awaited: the reorder alone is then the next run's change.
    await saveByRename(join(dir, 'lexicons/com/example/feed/defs.json'), defs({ uri: { type: 'string' }, tag: { type: 'string' } }))
    await watch.lines.next(/^ +compatible +tag: optional field added \(string\) \(response\)$/)
    await saveByRename(join(dir, 'lexicons/com/example/feed/defs.json'), defs({ tag: { type: 'string' }, uri: { type: 'string' } }))
    await watch.lines.next(/^ +docs +fields in another order: the generated code and docs follow it$/)
    expect((await generated('com/example/feed/defs.ts')).indexOf('tag?:')).toBeLessThan((await generated('com/example/feed/defs.ts')).indexOf('uri?:'))
    expect(watch.lines.all.filter((line) => line.includes('edited by hand'))).toHaveLength(1) // the earlier test's hand edit only
  })

  it('stops on SIGINT with exit code 0 and no temporary folders', async () => {
    watch.child.kill('SIGINT')
    const [code] = await watch.exit
    expect(code).toBe(0)
    expect(watch.lines.all.at(-1)).toBe('lexgen: stopped watching')
    expect(await leftovers(dir)).toEqual([])
  })
})

// Ctrl-C, a cancelled CI job or `kill`, a closed terminal.
it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('a %s that arrives while a change is being generated still leaves a whole output and no temporary folders', async (signal) => {
  const dir = await startProject()
  try {
    const watch = startWatch(dir)
    await watch.lines.next(/^lexgen: read 2 docs/)
    await saveByRename(join(dir, 'lexicons/com/example/social/follow.json'), follow('Follow.'))
    watch.child.kill(signal)
    const [code] = await watch.exit
    expect(code).toBe(0)
    expect(await leftovers(dir)).toEqual([])
    // Either the run finished (follow.ts is there) or it never started; never a half-written folder.
    const files = [...(await snapshotDir(join(dir, 'generated'))).keys()]
    expect(files).toEqual(expect.arrayContaining(['com/example/feed/defs.ts', 'com/example/feed/getPost.ts', 'index.ts']))
  } finally {
    await removeDir(dir)
  }
})

it('says "the same problems as above" when the output folder cannot be staged again (its staging name ends at random)', async () => {
  const dir = await startProject()
  // The staging folder beside it, `.lexgen-<name>-<pid>-<random>`, passes the 255 bytes a name may
  // have whatever the pid (with 236 characters, a pid under 1000 made it fit, and the journal failed).
  await writeFile(join(dir, 'lexgen.config.json'), JSON.stringify({ include: ['com.example.*'], out: 'x'.repeat(247) }))
  const watch = startWatch(dir)
  try {
    await watch.errors.next(/: cannot stage its new content beside it: ENAMETOOLONG: .*-<random>'/)
    await watch.lines.next(/watching for changes$/)
    await saveByRename(join(dir, 'lexicons/com/example/social/follow.json'), follow('Follow.'))
    await watch.lines.next(/^lexgen: the same problems as above; .*watching for changes$/)
    expect(watch.errors.all.filter((line) => line.includes('cannot stage'))).toHaveLength(1)
  } finally {
    if (watch.child.exitCode === null) watch.child.kill('SIGKILL')
    await watch.exit
    await removeDir(dir)
  }
})

it('stops when no one reads it any more (`lexgen generate --watch | head -1`): its next line finds the pipe closed, and it ends as Ctrl-C ends it', async () => {
  const dir = await startProject()
  const watch = startWatch(dir)
  try {
    await watch.lines.next(/^lexgen: read 2 docs/)
    // The reader goes away; the next change's summary is written to a closed pipe.
    watch.child.stdout!.destroy()
    await saveByRename(join(dir, 'lexicons/com/example/feed/defs.json'), defs({ uri: { type: 'string', description: 'Read by no one.' } }))
    const [code] = await watch.exit
    expect(code).toBe(0)
    expect(watch.errors.all).toEqual([])
    expect(await leftovers(dir)).toEqual([])
  } finally {
    // Without the fix it regenerates on, unread, until killed.
    if (watch.child.exitCode === null) watch.child.kill('SIGKILL')
    await removeDir(dir)
  }
})

it('a Ctrl-C while a run waits for another lexgen (one writing the lexicons) ends the wait: exit 0, nothing written, its lock left to it', async () => {
  const dir = await startProject()
  const watch = startWatch(dir)
  try {
    await watch.lines.next(/^lexgen: read 2 docs/)
    const before = await snapshotDir(join(dir, 'generated'))
    // Another lexgen's lock on the lexicon folder (lock.ts), naming a process that runs: this test's.
    const lock = join(dir, '.lexgen-lexicons-lock')
    const holder = lockHeldBy(process.pid)
    await writeFile(lock, holder)
    await saveByRename(join(dir, 'lexicons/com/example/social/follow.json'), follow('Follow.'))
    await watch.errors.next(new RegExp(`^lexgen: warning: waiting for another lexgen \\(pid ${process.pid}\\), which is writing lexicons$`))
    watch.child.kill('SIGINT')
    const [code] = await watch.exit
    expect(code).toBe(0)
    expect(watch.lines.all.slice(-2)).toEqual(['lexgen: stopped while waiting for another lexgen: the last change was not generated', 'lexgen: stopped watching'])
    expect(watch.errors.all.filter((line) => !line.includes('waiting for another lexgen'))).toEqual([])
    expect(await snapshotDir(join(dir, 'generated'))).toEqual(before)
    expect(await readFile(lock, 'utf8')).toBe(holder)
    await rm(lock)
    expect(await leftovers(dir)).toEqual([])
  } finally {
    // Without the fix it never exits.
    if (watch.child.exitCode === null) watch.child.kill('SIGKILL')
    await removeDir(dir)
  }
})
