/**
 * The output folder under hostile conditions: read-only folders (run as an unprivileged user, since
 * root ignores permissions) and folders under them, a mount point, an interrupted run's leftovers that cannot be removed, the folder's
 * mode and setgid bit, a symbolic link as `--out`, links, special files and empty folders inside it,
 * a data folder given by mistake, and symbolic links in the lexicon folder.
 */
import { execFile } from 'node:child_process'
import { chmod, chown, lstat, mkdir, readdir, readFile, readlink, stat, symlink, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeOutputDirs } from '../../codegen/write.js'
import { LEXICONS, provideRuntime, removeDir, runCli, snapshotDir, spawnCli, tempDir, typecheck } from './helpers.js'

const run = promisify(execFile)
let root: string
beforeAll(async () => {
  root = await tempDir('lexgen-outdir-')
  await chmod(root, 0o755)
})
afterAll(async () => {
  await removeDir(root)
})

/** Root ignores file permissions: the CLI then runs as `nobody`, in folders that user owns. */
const UNPRIVILEGED = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined

async function ownedFolder(name: string): Promise<string> {
  const dir = join(root, name)
  await mkdir(dir, { recursive: true })
  if (UNPRIVILEGED) await chown(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid)
  return dir
}

/** The real binary, as the unprivileged user when there is one. */
const cli = (args: string[]) => spawnCli(args, root, UNPRIVILEGED)

const leftovers = async (dir: string) => (await readdir(dir)).filter((name) => name.startsWith('.lexgen-'))
const small = ['--lexicons', LEXICONS, '--include', 'chat.bsky.convo.getLog']
const other = ['--lexicons', LEXICONS, '--include', 'chat.bsky.convo.getConvo']

describe('permissions', () => {
  it('a read-only output folder, or parent: refused before anything moves, output intact, nothing left behind', async () => {
    const parent = await ownedFolder('readonly')
    const out = join(parent, 'out')
    expect((await cli(['generate', ...small, '--out', out])).code).toBe(0)
    const before = await snapshotDir(out)

    for (const [what, folder] of [['output folder', out], ['parent', parent], ['a subfolder', join(out, 'chat')]] as const) {
      await chmod(folder, 0o555)
      const result = await cli(['generate', ...other, '--out', out])
      await chmod(folder, 0o755)
      expect(result.code, what).toBe(1)
      expect(result.stderr, what).toMatch(/^lexgen: error: .*out: cannot replace this folder: .* is not writable \((EACCES|EPERM|EROFS)\); nothing was written\n$/)
      expect(result.stderr).not.toContain('internal error')
      expect(await snapshotDir(out), what).toEqual(before)
      expect(await leftovers(parent), what).toEqual([])
    }
    // And the next run, with permissions back, just works.
    const again = await cli(['generate', ...other, '--out', out])
    expect(again.code, again.stderr).toBe(0)
  })

  it('folders to create under a read-only one: a clear error, and no folder made for any output', async () => {
    const readonly = await ownedFolder('readonly-ancestor')
    const writable = await ownedFolder('writable-ancestor')
    await chmod(readonly, 0o555)
    const under = await cli(['generate', ...small, '--out', join(readonly, 'sub/gen')])
    // Code in a new folder under a writable one, docs under the read-only one: neither is made.
    const split = await cli(['generate', ...small, '--out', join(writable, 'new/deeper/gen'), '--docs', join(readonly, 'docs')])
    await chmod(readonly, 0o755)
    expect(under.code).toBe(1)
    expect(under.stderr).toMatch(/^lexgen: error: .*sub\/gen: cannot replace this folder: .*readonly-ancestor is not writable \((EACCES|EPERM|EROFS)\); nothing was written\n$/)
    expect(split.code).toBe(1)
    expect(split.stderr).toMatch(/readonly-ancestor is not writable/)
    expect(await readdir(readonly)).toEqual([])
    expect(await readdir(writable)).toEqual([])
  })

  // Bind mounts (what a container does with `-v $PWD/generated:/app/generated`) need root.
  it.skipIf(process.getuid?.() !== 0)('an output folder that is a mount point: refused with what to do, output intact, nothing left behind', async () => {
    const parent = join(root, 'mounted')
    const out = join(parent, 'out')
    const source = join(root, 'mount-source')
    await mkdir(out, { recursive: true })
    await mkdir(source)
    await run('mount', ['--bind', source, out])
    try {
      for (const attempt of ['first', 'second']) {
        const result = await runCli(['generate', ...small, '--out', out, '--no-docs'])
        expect(result.code, attempt).toBe(1)
        expect(result.stderr, attempt).toBe(
          `lexgen: error: ${out}: cannot replace this folder by renaming it (EBUSY: is it a mount point? mount its parent folder instead); nothing was written\n`,
        )
        expect(await readdir(parent), attempt).toEqual(['out'])
        expect(await readdir(out), attempt).toEqual([])
      }
    } finally {
      await run('umount', [out])
    }
  })

  it('a lexicon folder that cannot be read: an error when it may hold what is selected or referenced, never a client with methods missing', async () => {
    const parent = await ownedFolder('unreadable')
    const lexicons = join(parent, 'lexicons')
    await run('cp', ['-R', LEXICONS, lexicons])
    if (UNPRIVILEGED) await run('chown', ['-R', `${UNPRIVILEGED.uid}:${UNPRIVILEGED.gid}`, lexicons])
    const out = join(parent, 'out')
    const generate = (include: string) => cli(['generate', '--lexicons', lexicons, '--include', include, '--no-docs', '--out', out])
    const cases = [
      // Selected: its methods were left out of the client, and the run exited 0.
      ['chat/bsky/notification', 'chat.bsky.*', 'lexgen: error: unreadable/lexicons/chat/bsky/notification: cannot read folder: EACCES'],
      // Referenced (chat.bsky.actor.defs names app.bsky.actor.defs): the folder is the error, not
      // each reference saying its lexicon is "not in the lexicon directory".
      ['app/bsky/actor', 'chat.bsky.convo.getConvo', 'lexgen: error: unreadable/lexicons/app/bsky/actor: cannot read folder: EACCES: permission denied'],
    ] as const
    for (const [folder, include, said] of cases) {
      await chmod(join(lexicons, folder), 0o000)
      const result = await generate(include)
      await chmod(join(lexicons, folder), 0o755)
      expect(result.code, folder).toBe(1)
      expect(result.stderr, folder).toContain(said)
      expect(result.stderr).not.toContain('internal error')
      expect(result.stderr).not.toContain('not in the lexicon directory')
      expect(await leftovers(parent)).toEqual([])
    }
    expect((await readdir(parent)).includes('out')).toBe(false)
    // Neither selected nor referenced, or left out whole by an exclude: a warning, and the run goes on.
    for (const [folder, selection] of [['tools', ['--include', 'chat.bsky.convo.getConvo']], ['chat/bsky/moderation', ['--include', 'chat.bsky.*', '--exclude', 'chat.bsky.moderation.*']]] as const) {
      await chmod(join(lexicons, folder), 0o000)
      const unrelated = await cli(['generate', '--lexicons', lexicons, ...selection, '--no-docs', '--out', out])
      await chmod(join(lexicons, folder), 0o755)
      expect(unrelated.code, unrelated.stderr).toBe(0)
      expect(unrelated.stderr).toContain(`${folder}: cannot read folder: EACCES`)
    }
  })

  it("a lock that cannot be read (another user's, in a shared checkout): an error naming it, not a wait at full CPU deaf to Ctrl-C", async () => {
    const parent = await ownedFolder('lock-unreadable')
    const lock = join(parent, '.lexgen-out-lock')
    await writeFile(lock, '{"pid":1}\n')
    await chmod(lock, 0o000)
    const result = await cli(['generate', ...small, '--out', join(parent, 'out')])
    expect(result).toMatchObject({ code: 1, stderr: `lexgen: error: ${lock}: cannot be read (EACCES), so whose lock it is cannot be told: delete it if no lexgen is running\n` })
    expect(await readdir(parent)).toEqual(['.lexgen-out-lock'])
  })

  it('the file system refusing a read or a write (a file of the output another user owns, a folder name too long, a config that cannot be made): an error, no stack, nothing written', async () => {
    const parent = await ownedFolder('refusals')
    const out = join(parent, 'out')
    expect((await cli(['generate', ...small, '--out', out])).code).toBe(0)
    const before = await snapshotDir(out)
    const locked = join(out, 'index.ts')
    await chown(locked, 0, 0)
    await chmod(locked, 0o600)
    for (const command of ['generate', 'check']) {
      const result = await cli([command, ...other, '--out', out])
      expect(result, command).toMatchObject({ code: 1, stderr: `lexgen: error: ${locked}: cannot read this file of the output directory (EACCES); nothing was written\n` })
    }
    await chmod(locked, 0o644)
    expect(await snapshotDir(out)).toEqual(before)

    // The staging folder beside it, `.lexgen-<name>-<pid>-<random>`, passes the 255 bytes a name may
    // have whatever the pid (with 236 characters, a pid under 1000 made it fit, and the journal failed).
    const long = join(parent, 'x'.repeat(247))
    const tooLong = await cli(['generate', ...small, '--out', long])
    expect(tooLong.code).toBe(1)
    expect(tooLong.stderr).toMatch(/^lexgen: error: .*x{247}: cannot stage its new content beside it: ENAMETOOLONG: name too long, mkdir '.*\/\.lexgen-x{247}-\d+-<random>' \(it is written beside the folder as \.lexgen-<name>-<pid>-<random>: give the folder a shorter name\); nothing was written\n$/)
    expect(await leftovers(parent)).toEqual([])

    const project = await ownedFolder('readonly-project')
    await writeFile(join(project, 'package.json'), '{ "name": "p", "type": "module" }\n')
    await chmod(project, 0o555)
    const init = await spawnCli(['init'], project, UNPRIVILEGED)
    await chmod(project, 0o755)
    expect(init).toMatchObject({ code: 1, stderr: `lexgen: error: ${join(project, 'lexgen.config.json')}: cannot write it (EACCES); nothing was written\n` })
    expect(await readdir(project)).toEqual(['package.json'])
  })

  it("an interrupted run's leftover that cannot be removed: reported, and every run still works", async () => {
    const parent = await ownedFolder('stuck')
    const out = join(parent, 'out')
    expect((await cli(['generate', ...small, '--out', out])).code).toBe(0)
    // What a run killed mid-cleanup leaves (pid 1 is init: alive, so it would be left alone; use a dead pid).
    const dead = (await run(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])).stdout
    const stuck = join(parent, `.lexgen-out-${dead}-AbC123-previous`)
    await mkdir(join(stuck, 'locked'), { recursive: true })
    await writeFile(join(stuck, 'locked/file.ts'), 'x')
    if (UNPRIVILEGED) for (const path of [stuck, join(stuck, 'locked'), join(stuck, 'locked/file.ts')]) await chown(path, UNPRIVILEGED.uid, UNPRIVILEGED.gid)
    await chmod(join(stuck, 'locked'), 0o555)
    for (const command of ['generate', 'check']) {
      const result = await cli([command, ...other, '--out', out])
      expect(result.stderr).toContain(`lexgen: warning: could not clean up ${stuck}, left by an interrupted run (`)
      expect(result.stderr).not.toContain('internal error')
      expect(result.code, result.stderr).toBe(0)
    }
    await chmod(join(stuck, 'locked'), 0o755)
    expect((await cli(['check', ...other, '--out', out])).stderr).toBe('')
    expect(await leftovers(parent)).toEqual([])
  })
})

describe("the folder's own properties", () => {
  it('keeps the mode of an existing output folder, setgid included; a new one gets the umask, not 0700', async () => {
    const parent = await ownedFolder('mode')
    const out = join(parent, 'out')
    await mkdir(out)
    await chmod(out, 0o2775)
    expect((await runCli(['generate', ...small, '--out', out])).code).toBe(0)
    expect((await stat(out)).mode & 0o7777).toBe(0o2775)
    expect((await runCli(['generate', ...other, '--out', out])).code).toBe(0)
    expect((await stat(out)).mode & 0o7777).toBe(0o2775)

    const fresh = join(parent, 'fresh')
    const umask = (await run(process.execPath, ['-e', 'process.stdout.write(String(process.umask()))'])).stdout
    expect((await runCli(['generate', ...small, '--out', fresh])).code).toBe(0)
    expect((await stat(fresh)).mode & 0o777).toBe(0o777 & ~Number(umask))
  })

  // The folder is swapped whole; a file whose text did not change is linked into the new one, so
  // watchers and incremental builds (tsc --watch, a bundler) see only the files that did.
  it('keeps the inode, mode and modification time of each file whose text did not change', async () => {
    const out = join(await ownedFolder('inodes'), 'out')
    expect((await runCli(['generate', ...small, '--out', out])).code).toBe(0)
    const kept = join(out, 'chat/bsky/convo/getLog.ts')
    await chmod(kept, 0o640)
    const [before, indexBefore] = await Promise.all([stat(kept), stat(join(out, 'index.ts'))])
    expect((await runCli(['generate', ...small, '--include', 'chat.bsky.convo.getConvo', '--out', out])).code).toBe(0)
    const [after, indexAfter] = await Promise.all([stat(kept), stat(join(out, 'index.ts'))])
    expect({ ino: after.ino, mode: after.mode & 0o777, mtime: after.mtimeMs }).toEqual({ ino: before.ino, mode: 0o640, mtime: before.mtimeMs })
    expect(indexAfter.ino).not.toBe(indexBefore.ino)
    expect(await readFile(join(out, 'index.ts'), 'utf8')).toContain('chatBskyConvoGetConvo')
    expect((await runCli(['check', ...small, '--include', 'chat.bsky.convo.getConvo', '--out', out])).code).toBe(0)
  })

  it('writes a file whose text changed on disk after it was read (an editor saving), rather than linking what is there now', async () => {
    const out = join(await ownedFolder('edited'), 'out')
    await mkdir(out)
    const banner = '// Generated by lexgen from x.json. Do not edit: run `npx lexgen generate`.\n'
    await writeFile(join(out, 'a.ts'), `${banner}// saved by an editor meanwhile\n`)
    // As read under the lock: the same text as the new file, so it would be linked.
    await writeOutputDirs([{ dir: out, files: new Map([['a.ts', `${banner}export {}\n`]]), current: new Map([['a.ts', `${banner}export {}\n`]]) }])
    expect(await readFile(join(out, 'a.ts'), 'utf8')).toBe(`${banner}export {}\n`)
  })

  it('writes through a symbolic link given as --out, and refuses one that leads nowhere', async () => {
    const parent = await ownedFolder('link')
    const real = join(parent, 'real')
    await mkdir(real)
    await symlink('real', join(parent, 'out'))
    expect((await runCli(['generate', ...small, '--out', join(parent, 'out')])).code).toBe(0)
    expect((await lstat(join(parent, 'out'))).isSymbolicLink()).toBe(true)
    expect(await readlink(join(parent, 'out'))).toBe('real')
    expect([...(await snapshotDir(real)).keys()]).toContain('chat/bsky/convo/getLog.ts')
    expect((await runCli(['check', ...small, '--out', join(parent, 'out')])).code).toBe(0)

    await symlink('missing', join(parent, 'dangling'))
    const result = await runCli(['generate', ...small, '--out', join(parent, 'dangling')])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/dangling: the output directory is a symbolic link that cannot be followed \(ENOENT\)/)
  })
})

describe('what is not generated, inside the output folder', () => {
  it('symbolic links, special files and empty folders are stray: generate refuses, check lists them', async () => {
    const out = join(await ownedFolder('stray'), 'out')
    expect((await runCli(['generate', ...small, '--out', out])).code).toBe(0)
    await symlink('/etc/hostname', join(out, 'a-link'))
    await mkdir(join(out, 'b-empty'))
    await run('mkfifo', [join(out, 'c-fifo')])
    const generate = await runCli(['generate', ...other, '--out', out])
    expect(generate.code).toBe(1)
    expect(generate.stderr).toMatch(/which would be lost:\n  \S+\/a-link \(symbolic link\)\n/)
    const check = await runCli(['check', ...small, '--out', out])
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('  stray:   a-link (symbolic link)\n  stray:   b-empty/ (empty folder)\n  stray:   c-fifo (not a regular file)\n')
    expect((await lstat(join(out, 'a-link'))).isSymbolicLink()).toBe(true)
  })

  it("an editor's swap and lock files beside generated ones (a file open in vim or Emacs) are carried through a run, never in the way; a backup is not one", async () => {
    const out = join(await ownedFolder('editing'), 'out')
    expect((await runCli(['generate', ...small, '--out', out])).code).toBe(0)
    const index = await readFile(join(out, 'index.ts'), 'utf8')
    const swap = join(out, 'chat/bsky/convo/.getLog.ts.swp')
    await writeFile(swap, 'b0VIM 9.0')
    await symlink('user@host.1234:1700000000', join(out, '.#index.ts'))
    await writeFile(join(out, '#client.ts#'), 'autosaved')
    expect((await runCli(['check', ...small, '--out', out])).code).toBe(0)
    // A run that swaps the folder in (another selection: getLog's module is gone) keeps them where they were.
    const generate = await runCli(['generate', ...other, '--out', out])
    expect(generate.code, generate.stderr).toBe(0)
    expect(await readFile(swap, 'utf8')).toBe('b0VIM 9.0')
    expect(await readlink(join(out, '.#index.ts'))).toBe('user@host.1234:1700000000')
    expect(await readFile(join(out, '#client.ts#'), 'utf8')).toBe('autosaved')
    expect((await runCli(['check', ...other, '--out', out])).code).toBe(0)
    // One in a folder the new output no longer has goes with it: nothing would ever remove it.
    const gone = join(out, 'chat/bsky/gone/.thing.ts.swp')
    await mkdir(join(gone, '..'))
    await writeFile(gone, 'b0VIM 9.0')
    expect((await runCli(['generate', ...small, '--out', out])).code).toBe(0)
    await expect(readFile(gone)).rejects.toThrow(/ENOENT/)
    // A backup outlives the editor: no editor file. This one holds a generated file (the banner),
    // so it is one the output no longer has: check lists it, and generate removes it.
    await writeFile(join(out, 'index.ts~'), index)
    expect((await runCli(['check', ...small, '--out', out])).stderr).toContain('  removed: index.ts~\n')
  })

  it("control characters in a stray file's name or a hand edit reach check's output as escapes", async () => {
    const out = join(await ownedFolder('controls'), 'out')
    expect((await runCli(['generate', ...small, '--out', out])).code).toBe(0)
    await writeFile(join(out, 'x\u001b[2J\u202e.txt'), '')
    const index = join(out, 'index.ts')
    await writeFile(index, `${await readFile(index, 'utf8')}// \u001b]0;owned\u0007\n`)
    const check = await runCli(['check', ...small, '--out', out])
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('  stray:   x\\x1b[2J\\u202e.txt\n')
    expect(check.stderr).toContain('-// \\x1b]0;owned\\x07\n')
    expect(check.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
  })

  it('a data folder given as --out: refused on the first file without the banner, reading only its first bytes', async () => {
    const data = await ownedFolder('data')
    await run('mkfifo', [join(data, 'a-pipe')]) // opening it would block forever
    await writeFile(join(data, 'big.bin'), '')
    await truncate(join(data, 'big.bin'), 2 ** 31) // 2 GiB, sparse: reading it whole would fail
    await writeFile(join(data, 'notes.txt'), 'mine')
    const check = await runCli(['check', ...small, '--out', data])
    expect(check.code).toBe(1)
    expect(check.stderr).toContain('  stray:   a-pipe (not a regular file)\n  stray:   big.bin\n  stray:   notes.txt\n')
    const generate = await runCli(['generate', ...small, '--out', data])
    expect(generate.code).toBe(1)
    expect(generate.stderr).toMatch(/which would be lost:\n  \S+\/a-pipe \(not a regular file\)\n/)
    expect((await readdir(data)).sort()).toEqual(['a-pipe', 'big.bin', 'notes.txt'])
  })
})

describe("TypeScript's output in the output folder (tsc without outDir)", () => {
  it('is named as such by generate and check, and check lists no existing file as added', async () => {
    const project = await tempDir('lexgen-tsc-in-place-')
    try {
      const out = join(project, 'generated')
      expect((await runCli(['generate', '--lexicons', LEXICONS, '--include', 'chat.bsky.convo.*', '--out', out])).code).toBe(0)
      await writeFile(join(project, 'package.json'), '{ "type": "module" }\n')
      // What `tsc --init` leaves out: an outDir. The real compiler writes .js, .d.ts and maps beside each module.
      await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', declaration: true, sourceMap: true, skipLibCheck: true, types: [] } }))
      await provideRuntime(project)
      await typecheck(project)
      expect(await readdir(join(out, 'chat/bsky/convo'))).toContain('getLog.d.ts')

      const args = ['--lexicons', LEXICONS, '--include', 'chat.bsky.convo.*', '--out', out]
      const generate = await runCli(['generate', ...args])
      expect(generate.code).toBe(1)
      expect(generate.stderr).toMatch(/^lexgen: error: \S+generated holds TypeScript's output for its modules \(app\/bsky\/actor\/defs\.d\.ts, …\): tsc compiles them in place when tsconfig\.json has no "outDir" \(or had none when it ran\)\. Set "outDir" \(e\.g\. "dist", and "rootDir" for TypeScript 6 and later when the code is in a folder such as "src"\) if it is not set/)
      const check = await runCli(['check', ...args])
      expect(check.code).toBe(1)
      expect(check.stderr).toContain('holds TypeScript\'s output for its modules')
      expect(check.stderr).toContain('is stale; once the compiled files are gone, run `')
      expect(check.stderr).not.toContain('added:')
      expect(check.stderr).not.toContain('the output was edited')
    } finally {
      await removeDir(project)
    }
  })
})

describe('symbolic links in the lexicon folder', () => {
  it('are followed, to files and folders; a loop is read once and reported', async () => {
    const dir = await ownedFolder('lexlinks')
    const lexicons = join(dir, 'lexicons')
    // Files linked one by one next to folders linked whole; the real files stay in the snapshot.
    await mkdir(join(lexicons, 'chat/bsky/convo'), { recursive: true })
    for (const name of ['getLog.json', 'defs.json']) await symlink(join(LEXICONS, 'chat/bsky/convo', name), join(lexicons, 'chat/bsky/convo', name))
    for (const folder of ['chat/bsky/actor', 'chat/bsky/embed', 'chat/bsky/group', 'app', 'com']) await symlink(join(LEXICONS, folder), join(lexicons, folder))
    await symlink('..', join(lexicons, 'chat/loop'))
    const result = await runCli(['generate', '--lexicons', lexicons, '--include', 'chat.bsky.convo.getLog', '--out', join(dir, 'out')])
    expect(result.stderr).toContain(`  ${lexicons}/chat/loop: skipped: the same folder as . (read once; a symbolic link loop or a second link to it)\n`)
    expect(result.code, result.stderr).toBe(0)
    expect([...(await snapshotDir(join(dir, 'out'))).keys()]).toContain('app/bsky/richtext/facet.ts')
    expect(result.stderr).toMatch(/^lexgen: warning: 1 lexicon file outside/)
    // The folder is not a doc: "read" counts the .json files reached, each once.
    const linked = ['chat/bsky/actor', 'chat/bsky/embed', 'chat/bsky/group', 'app', 'com']
    const files = 2 + (await Promise.all(linked.map(async (folder) => (await readdir(join(LEXICONS, folder), { recursive: true })).filter((name) => name.endsWith('.json')).length))).reduce((a, b) => a + b)
    expect(result.stdout).toContain(`read ${files} docs,`)
    // A pattern that the folder's path (chat/loop) matches still leaves it a note, not an error.
    const wide = await runCli(['generate', '--lexicons', lexicons, '--include', 'chat.*', '--out', join(dir, 'wide'), '--no-docs'])
    expect(wide.code, wide.stderr).toBe(0)
    expect(wide.stderr).toContain(`  ${lexicons}/chat/loop: skipped: the same folder as .`)

    // Hidden entries are never read: Emacs's lock while a buffer is unsaved (a link to nowhere), a `.git` folder.
    await symlink('me@host.4242:1764900000', join(lexicons, 'chat/bsky/convo/.#getLog.json'))
    await mkdir(join(lexicons, '.git'))
    await writeFile(join(lexicons, '.git/half-written.json'), '{')
    const hidden = await runCli(['generate', '--lexicons', lexicons, '--include', 'chat.bsky.convo.getLog', '--out', join(dir, 'out')])
    expect(hidden.code, hidden.stderr).toBe(0)
    expect(hidden.stdout).toContain(`read ${files} docs,`)

    await symlink('nowhere.json', join(lexicons, 'chat/bsky/convo/broken.json'))
    const broken = await runCli(['generate', '--lexicons', lexicons, '--include', 'chat.bsky.convo.*', '--out', join(dir, 'out')])
    expect(broken.code).toBe(1)
    expect(broken.stderr).toContain('chat/bsky/convo/broken.json: symbolic link that cannot be followed: ENOENT')
  })
})
