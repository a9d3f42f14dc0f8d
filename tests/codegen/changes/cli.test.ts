import { execFile } from 'node:child_process'
import { mkdir, realpath, rename, symlink, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it, vi } from 'vitest'
import { readLexiconDir, readLexiconsAtRef, type LexiconSet } from '../../../codegen/changes/index.js'
import { colourlessEnv, copyOfLexicons, editJson, removeDir, ROOT, runCli, scratchDirs } from '../helpers.js'
import { baseDocs, commitAll, git, writeDocs, type Docs } from './support.js'

const exec = promisify(execFile)
const { scratch, track } = scratchDirs()

/** Two lexicon directories: the base set and an edited copy. */
async function twoDirs(edit: (docs: Docs) => void): Promise<{ from: string; to: string }> {
  const root = await scratch()
  const after = baseDocs()
  edit(after)
  await writeDocs(join(root, 'from'), baseDocs())
  await writeDocs(join(root, 'to'), after)
  return { from: join(root, 'from'), to: join(root, 'to') }
}

const rules = ['--include', 'ex.test.*', '--no-compiler-check']
const diffDirs = (d: { from: string; to: string }, ...args: string[]) => runCli(['diff', '--from', d.from, '--to', d.to, ...rules, ...args])

/** A git repository holding lexgen.config.json and the base set under lexicons/, committed. */
async function gitRepo(): Promise<string> {
  const repo = await scratch()
  await writeFile(join(repo, 'lexgen.config.json'), JSON.stringify({ lexicons: 'lexicons', include: ['ex.test.*'] }))
  await writeDocs(join(repo, 'lexicons'), baseDocs())
  git(repo, 'init', '-q', '-b', 'main')
  commitAll(repo, 'base lexicons')
  return repo
}

/** gitRepo() with its output generated and committed, and that commit (abbreviated). */
async function generatedRepo(): Promise<{ repo: string; outputCommit: string }> {
  const repo = await gitRepo()
  expect((await runCli(['generate'], repo)).code).toBe(0)
  commitAll(repo, 'generate')
  return { repo, outputCommit: git(repo, 'log', '-1', '--format=%h').trim() }
}

/** check's first line when the lexicons changed since `outputCommit`, the output's last commit. */
const lexiconsChangedHint = (outputCommit: string) =>
  `lexgen: the lexicons changed since generated was last committed (${outputCommit}): \`npx lexgen diff --base ${outputCommit}\` shows what that means for callers (breaking, source, compatible)`

const lowerLimit = (d: Docs) => (d['ex.test.send']!.defs.main.input.schema.properties.text.maxGraphemes = 10)

/** Lowers a request limit in the base docs under `folder` of `repo`'s working tree: `diff` must see 8 docs a side and fail. */
async function expectBreakingEdit(repo: string, folder: string): Promise<void> {
  const edited = baseDocs()
  lowerLimit(edited)
  await writeDocs(join(repo, folder), edited)
  const result = await runCli(['diff', '--no-compiler-check'], repo)
  expect(result.code).toBe(1)
  expect(result.stdout).toContain('Compared HEAD:lexicons (8 docs) with lexicons (working tree) (8 docs)')
  expect(result.stdout).toContain('    breaking    input.text: maxGraphemes lowered 30 → 10 (request)\n')
}

describe('lexgen diff --base <git-ref>: the lexicon directory at a commit vs the working tree', () => {
  it('defaults to HEAD, reads the committed files from git, and fails on a breaking working-tree change', async () => {
    const repo = await gitRepo()
    expect(await runCli(['diff', '--no-compiler-check'], repo)).toMatchObject({ code: 0, stderr: '' })

    await expectBreakingEdit(repo, 'lexicons')
    expect((await runCli(['diff', '--no-compiler-check', '--fail-on', 'none'], repo)).code).toBe(0)

    // Once committed, HEAD has it, and the previous commit shows it.
    commitAll(repo, 'lower the limit')
    expect(await runCli(['diff', '--no-compiler-check'], repo)).toMatchObject({ code: 0 })
    expect((await runCli(['diff', '--no-compiler-check'], repo)).stdout).toContain('no lexicon changes that affect the generated client')
    const previous = await runCli(['diff', '--base', 'HEAD~1', '--no-compiler-check', '--format', 'json'], repo)
    expect(previous.code).toBe(1)
    expect(JSON.parse(previous.stdout)).toMatchObject({ before: { label: 'HEAD~1:lexicons' }, worst: 'breaking', summary: { breaking: 1 } })
  })

  it('sees files deleted and added in the working tree, and a directory that did not exist at the commit', async () => {
    const repo = await gitRepo()
    await removeDir(join(repo, 'lexicons/ex/test/act.json'))
    const removed = await runCli(['diff', '--no-compiler-check'], repo)
    expect(removed.code).toBe(1)
    expect(removed.stdout).toContain('ex.test.act\n  main\n    breaking    procedure removed (request)')

    const moved = await runCli(['diff', '--no-compiler-check', '--lexicons', 'elsewhere', '--fail-on', 'none'], repo)
    expect(moved.code).toBe(1) // elsewhere/ does not exist in the working tree either
    expect(moved.stderr).toContain('elsewhere: the lexicon folder does not exist')
  })

  it('reads each side through the config of its time: a selection change adds or removes methods, a moved folder is followed', async () => {
    const repo = await gitRepo()
    await writeFile(join(repo, 'lexgen.config.json'), JSON.stringify({ lexicons: 'lexicons', include: ['ex.test.*'], exclude: ['ex.test.act'] }))
    const dropped = await runCli(['diff', '--no-compiler-check'], repo)
    expect(dropped.code).toBe(1)
    expect(dropped.stdout).toContain('Compared HEAD:lexicons (8 docs) with lexicons (working tree) (7 docs); selection ex.test.*, excluding ex.test.act (was ex.test.*), with their references.')
    expect(dropped.stdout).toContain('ex.test.act\n  main\n    breaking    procedure removed (request)')
    // A selection on the command line applies to both sides alike.
    const flagged = await runCli(['diff', '--no-compiler-check', '--include', 'ex.test.*'], repo)
    expect(flagged).toMatchObject({ code: 0 })
    expect(flagged.stdout).toContain('no lexicon changes that affect the generated client')

    // The lexicons move to vendor/, and the config follows: nothing changed for the client.
    await rename(join(repo, 'lexicons'), join(repo, 'vendor'))
    await writeFile(join(repo, 'lexgen.config.json'), JSON.stringify({ lexicons: 'vendor', include: ['ex.test.*'] }))
    const moved = await runCli(['diff', '--no-compiler-check'], repo)
    expect(moved).toMatchObject({ code: 0, stderr: '' })
    expect(moved.stdout).toContain('Compared HEAD:lexicons (8 docs) with vendor (working tree) (8 docs); selection ex.test.*, with their references.')

    // A broken config at the base is named as such, with why that commit's config matters and the way around it.
    await writeFile(join(repo, 'lexgen.config.json'), '{ "include": [1] }')
    commitAll(repo, 'break the config')
    await writeFile(join(repo, 'lexgen.config.json'), JSON.stringify({ lexicons: 'vendor', include: ['ex.test.*'] }))
    const broken = await runCli(['diff', '--no-compiler-check'], repo)
    expect(broken.code).toBe(1)
    expect(broken.stderr).toBe(
      "lexgen: error: HEAD:lexgen.config.json at include: must be an array of strings; diff takes the old side's selection from the config as committed there " +
        '(compare two folders with --from/--to instead)\n',
    )
  })

  it('is a usage error (exit 2) to name a ref that is not a commit, or to run outside a repository', async () => {
    const repo = await gitRepo()
    const unknown = await runCli(['diff', '--base', 'origin/main', '--no-compiler-check'], repo)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^lexgen: usage error: --base: 'origin\/main' is not a commit in .+ \(in CI, fetch it first/)

    // A CI checkout: a shallow clone of one commit, where HEAD~1 is missing and fetching a branch would not help.
    const edited = baseDocs()
    lowerLimit(edited)
    await writeDocs(join(repo, 'lexicons'), edited)
    commitAll(repo, 'lower a limit')
    const shallow = join(await scratch(), 'clone')
    git(ROOT, 'clone', '-q', '--depth', '1', `file://${repo}`, shallow)
    const parent = await runCli(['diff', '--base', 'HEAD~1', '--no-compiler-check'], shallow)
    expect(parent.code).toBe(2)
    expect(parent.stderr).toContain("--base: 'HEAD~1' is not a commit in ")
    expect(parent.stderr).toContain('(this clone is shallow: `git fetch --deepen=1` reaches the parent commit')
    git(shallow, 'fetch', '-q', '--deepen=1')
    expect((await runCli(['diff', '--base', 'HEAD~1', '--no-compiler-check'], shallow)).code).toBe(1)

    const plain = await scratch()
    await writeDocs(join(plain, 'lexicons'), baseDocs())
    const outside = await runCli(['diff', '--include', 'ex.test.*', '--no-compiler-check'], plain)
    expect(outside.code).toBe(2)
    expect(outside.stderr).toContain('lexgen: usage error: diff compares with a git commit (--base, default HEAD), but ')
    // Said first, whichever read fails sooner, when the lexicon folder is missing too.
    const empty = await scratch()
    for (let run = 0; run < 3; run++) {
      const nothing = await runCli(['diff', '--include', 'ex.test.*', '--no-compiler-check'], empty)
      expect(nothing).toMatchObject({ code: 2, stderr: expect.stringMatching(/^lexgen: usage error: diff compares with a git commit \(--base, default HEAD\), but [^\n]+ is not in a git repository [^\n]+; compare two folders with --from\/--to instead\n$/) })
    }
  })

  it('names the side, file and line of a broken lexicon committed at the base', async () => {
    const repo = await gitRepo()
    await writeFile(join(repo, 'lexicons/ex/test/get.json'), '{ "lexicon": 1,\n  "id": "ex.test.get",, }')
    commitAll(repo, 'break it')
    await writeDocs(join(repo, 'lexicons'), baseDocs())
    const result = await runCli(['diff', '--no-compiler-check'], repo)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^lexgen: error: in the old lexicons \(HEAD:lexicons\): ex\/test\/get\.json: not valid JSON \(.+ at line 2, column 23\)\n$/)
  })
})

describe('lexgen diff --base: symbolic links in the committed tree', () => {
  /** {@link gitRepo} with the docs moved to vendor/ex and linked from lexicons/ex (not committed yet). */
  async function vendoredRepo(): Promise<string> {
    const repo = await realpath(await gitRepo())
    await mkdir(join(repo, 'vendor'))
    await rename(join(repo, 'lexicons/ex'), join(repo, 'vendor/ex'))
    await symlink('../vendor/ex', join(repo, 'lexicons/ex'))
    return repo
  }

  it('follows a committed link as generate does on disk, so a breaking change behind it fails', async () => {
    const repo = await vendoredRepo()
    commitAll(repo, 'vendor the lexicons')
    expect((await runCli(['diff', '--no-compiler-check'], repo)).stdout).toContain('no lexicon changes that affect the generated client')
    await expectBreakingEdit(repo, 'vendor')
  })

  it('reads every kind of link at the commit as the working tree reads it: the same files, the same problems', async () => {
    const repo = await vendoredRepo()
    const links = {
      'lexicons/alias': '../vendor/ex', // sorts before ex, so it is read and ex is the second link to the folder
      'lexicons/loop': '.',
      'lexicons/chain': '../hop', // a link to a link to a folder that holds ex again
      hop: 'vendor',
      'lexicons/copy.json': '../vendor/ex/test/get.json',
      'lexicons/abs.json': join(repo, 'vendor/ex/test/send.json'), // absolute, inside the repository
      'lexicons/through.json': '../vendorlink/ex/test/act.json', // a link on the way to the target
      vendorlink: 'vendor',
      'lexicons/gone.json': 'nowhere.json',
      'lexicons/self': 'self',
      'lexicons/notdir': '../vendor/ex/test/get.json/x',
    }
    for (const [path, target] of Object.entries(links)) await symlink(target, join(repo, path))
    commitAll(repo, 'links of every kind')

    const atHead = await readLexiconsAtRef(join(repo, 'lexicons'), 'HEAD', 'HEAD:lexicons')
    const onDisk = await readLexiconDir(join(repo, 'lexicons'), 'lexicons')
    const docFiles = Object.keys(baseDocs()).map((nsid) => `alias/${nsid.split('.').slice(1).join('/')}.json`)
    expect(files(atHead).map((f) => f.file)).toEqual(['abs.json', ...docFiles, 'copy.json', 'through.json'].sort())
    expect(files(atHead)).toEqual(files(onDisk))
    expect(problems(atHead)).toEqual([
      'chain/ex: skipped: the same folder as alias (read once; a symbolic link loop or a second link to it)',
      'ex: skipped: the same folder as alias (read once; a symbolic link loop or a second link to it)',
      'gone.json: symbolic link that cannot be followed',
      'loop: skipped: the same folder as . (read once; a symbolic link loop or a second link to it)',
      'notdir: symbolic link that cannot be followed',
      'self: symbolic link that cannot be followed',
    ])
    expect(problems(atHead)).toEqual(problems(onDisk))
    // The reason names what the commit lacks (the disk's is the system's: ENOENT, ENOTDIR, ELOOP).
    expect(atHead).toMatchObject({ problems: expect.arrayContaining([{ file: 'gone.json', message: 'symbolic link that cannot be followed: lexicons/nowhere.json does not exist at HEAD' }]) })
  })

  it('stops, naming it, at what the commit does not hold: a link out of the repository, a submodule', async () => {
    const repo = await gitRepo()
    const sibling = await scratch() // a checkout next to the repository, which the disk side can read
    await symlink(`../../${basename(sibling)}`, join(repo, 'lexicons/shared'))
    commitAll(repo, 'link a sibling checkout')
    const outside = await runCli(['diff', '--no-compiler-check'], repo)
    expect(outside.code).toBe(1)
    expect(outside.stderr).toBe(
      `lexgen: error: in the old lexicons (HEAD:lexicons): symbolic link lexicons/shared leads out of the repository (lexicons/shared → ../../${basename(sibling)}), ` +
        'so HEAD does not hold what it points to (compare two folders with --from/--to instead)\n',
    )

    git(repo, 'rm', '-q', 'lexicons/shared')
    git(repo, 'update-index', '--add', '--cacheinfo', `160000,${git(repo, 'rev-parse', 'HEAD').trim()},lexicons/ex/sub`)
    git(repo, 'commit', '-q', '-m', 'a submodule in the lexicons')
    const submodule = await runCli(['diff', '--no-compiler-check'], repo)
    expect(submodule.code).toBe(1)
    expect(submodule.stderr).toContain("lexicons/ex/sub is a git submodule at HEAD: its files are not in this repository's commit")
  })

  it('stops at a submodule on the way to the lexicon folder, or around it, rather than compare with an empty or another history (a breaking change exited 0)', async () => {
    // The folder, a link into a submodule: `lexicons -> vendor/sub/lexicons`.
    const linked = await realpath(await scratch())
    await writeFile(join(linked, 'lexgen.config.json'), JSON.stringify({ lexicons: 'lexicons', include: ['ex.test.*'] }))
    await writeDocs(join(linked, 'vendor/sub/lexicons'), baseDocs())
    await symlink('vendor/sub/lexicons', join(linked, 'lexicons'))
    git(linked, 'init', '-q', '-b', 'main')
    git(linked, 'add', 'lexgen.config.json', 'lexicons')
    git(linked, 'commit', '-q', '-m', 'config and link')
    git(linked, 'update-index', '--add', '--cacheinfo', `160000,${git(linked, 'rev-parse', 'HEAD').trim()},vendor/sub`)
    git(linked, 'commit', '-q', '-m', 'the submodule')
    const throughLink = await runCli(['diff', '--no-compiler-check'], linked)
    expect(throughLink).toMatchObject({ code: 1, stdout: '' })
    expect(throughLink.stderr).toContain("vendor/sub is a git submodule at HEAD: its files are not in this repository's commit")

    // The folder inside a checked-out submodule: HEAD there is the submodule's own.
    const upstream = await gitRepo()
    const project = await realpath(await scratch())
    await writeFile(join(project, 'lexgen.config.json'), JSON.stringify({ lexicons: 'vendor/up/lexicons', include: ['ex.test.*'] }))
    git(project, 'init', '-q', '-b', 'main')
    git(project, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', upstream, 'vendor/up')
    commitAll(project, 'add the submodule')
    const inside = await runCli(['diff', '--no-compiler-check'], project)
    expect(inside.code).toBe(1)
    expect(inside.stderr).toContain(`is in another git repository (${join(project, 'vendor/up')}: a submodule or a nested checkout) than the project (${project})`)

    // The project itself a submodule of an outer repository: its own history, compared as always.
    const outer = await realpath(await scratch())
    git(outer, 'init', '-q', '-b', 'main')
    git(outer, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', upstream, 'project')
    await expectBreakingEdit(join(outer, 'project'), 'lexicons')
  })

  it("follows a lexicon folder that is itself a link inside this repository's commit, never the history of the repository it leads into", async () => {
    // Upstream's checkout, with a breaking change in its own last commit.
    const upstream = await gitRepo()
    const edited = baseDocs()
    lowerLimit(edited)
    await writeDocs(join(upstream, 'lexicons'), edited)
    commitAll(upstream, 'upstream lowers a limit')
    // The project links upstream's folder and has one commit: HEAD~1 is no commit of its own.
    const project = await realpath(await scratch())
    await writeFile(join(project, 'lexgen.config.json'), JSON.stringify({ include: ['ex.test.*'] }))
    await symlink(join(upstream, 'lexicons'), join(project, 'lexicons'))
    git(project, 'init', '-q', '-b', 'main')
    commitAll(project, 'link the lexicons')
    const previous = await runCli(['diff', '--base', 'HEAD~1', '--no-compiler-check'], project)
    expect(previous).toMatchObject({ code: 2, stderr: expect.stringContaining("--base: 'HEAD~1' is not a commit in ") })
    const head = await runCli(['diff', '--no-compiler-check'], project)
    expect(head.code).toBe(1)
    expect(head.stderr).toBe(
      `lexgen: error: in the old lexicons (HEAD:lexicons): symbolic link lexicons leads out of the repository (lexicons → ${join(upstream, 'lexicons')}), ` +
        'so HEAD does not hold what it points to (compare two folders with --from/--to instead)\n',
    )

    // A link to a folder in no repository at all: the same, not "not in a git repository".
    const loose = await scratch()
    await writeDocs(loose, baseDocs())
    git(project, 'rm', '-q', 'lexicons')
    await symlink(loose, join(project, 'lexicons'))
    commitAll(project, 'link a loose folder')
    expect((await runCli(['diff', '--no-compiler-check'], project)).stderr).toContain(`symbolic link lexicons leads out of the repository (lexicons → ${loose})`)

    // A linked folder inside the repository is read as the commit links it.
    const repo = await realpath(await gitRepo())
    await rename(join(repo, 'lexicons'), join(repo, 'vendor'))
    await symlink('vendor', join(repo, 'lexicons'))
    commitAll(repo, 'vendor the lexicon folder')
    expect((await runCli(['diff', '--no-compiler-check'], repo)).stdout).toContain('no lexicon changes that affect the generated client')
    await expectBreakingEdit(repo, 'vendor')
  })
})

/** A side's files, as read. */
const files = (set: LexiconSet) => ('files' in set ? set.files : [])

/** A side's problems without the reason after "cannot be followed" (the system's on disk, git's at a commit). */
const problems = (set: LexiconSet) => ('problems' in set ? (set.problems ?? []) : []).map((p) => `${p.file}: ${p.message.replace(/(cannot be followed): .*/, '$1')}`)

describe('lexgen diff --from/--to: exit codes for CI', () => {
  it('--fail-on decides: breaking (default), source, any, none', async () => {
    const source = await twoDirs((d) => (d['ex.test.get']!.defs.main.errors = []))
    expect((await diffDirs(source)).code).toBe(0)
    expect((await diffDirs(source, '--fail-on', 'breaking')).code).toBe(0)
    expect((await diffDirs(source, '--fail-on', 'source')).code).toBe(1)
    expect((await diffDirs(source, '--fail-on', 'any')).code).toBe(1)
    expect((await diffDirs(source, '--fail-on', 'none')).code).toBe(0)

    const docs = await twoDirs((d) => (d['ex.test.defs']!.defs.view.description = 'A view.'))
    expect((await diffDirs(docs, '--fail-on', 'source')).code).toBe(0)
    expect((await diffDirs(docs, '--fail-on', 'any')).code).toBe(1)

    const breaking = await twoDirs(lowerLimit)
    expect((await diffDirs(breaking)).code).toBe(1)
    expect((await diffDirs(breaking, '--fail-on', 'none')).code).toBe(0)
  })

  it('says on stderr why it exits 1, counting what is at the --fail-on level or worse; nothing when it exits 0', async () => {
    const mixed = await twoDirs((d) => {
      lowerLimit(d)
      d['ex.test.get']!.defs.main.errors = []
      d['ex.test.defs']!.defs.view.description = 'A view.'
    })
    expect(await diffDirs(mixed)).toMatchObject({ code: 1, stderr: 'lexgen: exit 1 (--fail-on breaking): 1 breaking change\n' })
    expect(await diffDirs(mixed, '--fail-on', 'source')).toMatchObject({ code: 1, stderr: 'lexgen: exit 1 (--fail-on source): 2 changes at source or worse (1 breaking, 1 source)\n' })
    expect(await diffDirs(mixed, '--fail-on', 'any')).toMatchObject({ code: 1, stderr: 'lexgen: exit 1 (--fail-on any): 3 changes (1 breaking, 1 source, 1 docs)\n' })
    // The report itself is unchanged, wherever it goes: the line is for the CI log.
    expect((await diffDirs(mixed, '--format', 'json')).stdout).toBe((await diffDirs(mixed, '--format', 'json', '--fail-on', 'none')).stdout)
    expect(await diffDirs(mixed, '--fail-on', 'none')).toMatchObject({ code: 0, stderr: '' })
  })

  it('warns, as generate does, of a pattern that matches no doc on either side: a typo would leave docs ungated', async () => {
    const removed = await twoDirs((d) => delete d['ex.test.send'])
    const typo = await diffDirs(removed, '--include', 'ex.test.gett', '--exclude', 'ex.test.sen', '--fail-on', 'any')
    expect(typo.code).toBe(1)
    // The exclude meant the method the change removes: it is suggested from the old side's docs, and its removal is not gated out.
    expect(typo.stderr.split('\n').filter((line) => line.includes('warning'))).toEqual([
      "lexgen: warning: include 'ex.test.gett' matches no lexicon; did you mean 'ex.test.get'?",
      "lexgen: warning: exclude 'ex.test.sen' matches no lexicon; did you mean 'ex.test.send'?",
    ])
    // A pattern matching only the old side's docs names what the change removed: no warning.
    expect((await diffDirs(removed, '--include', 'ex.test.send', '--fail-on', 'none')).stderr).toBe('')
    // Nothing matched on either side: the error says what each include may have meant, as generate's does.
    const none = await runCli(['diff', '--from', removed.from, '--to', removed.to, '--include', 'ex.tst.*', '--no-compiler-check'])
    expect(none).toMatchObject({ code: 1, stderr: "lexgen: error: no lexicon matches include 'ex.tst.*' in either set; did you mean 'ex.test.*'?\n" })
  })

  it('exits 2 on usage errors', async () => {
    const d = await twoDirs(() => {})
    // Commander's refusals read as lexgen's own usage errors.
    expect(await diffDirs(d, '--format', 'yaml')).toMatchObject({ code: 2, stderr: "lexgen: usage error: option '--format <format>' argument 'yaml' is invalid. Allowed choices are text, markdown, json.\n" })
    expect(await diffDirs(d, '--fail-on', 'maybe')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^lexgen: usage error: option '--fail-on <class>' argument 'maybe' is invalid/) })
    expect(await diffDirs(d, '--format', 'markdown', '--max-length', '999')).toMatchObject({ code: 2, stdout: '' })
    expect(await diffDirs(d, '--max-length', '5000')).toMatchObject({ code: 2, stderr: 'lexgen: usage error: --max-length cuts a markdown report: add --format markdown\n' })
    const lonely = await runCli(['diff', '--from', d.from, ...rules])
    expect(lonely).toMatchObject({ code: 2, stderr: 'lexgen: usage error: --from and --to go together: give both directories\n' })
    const both = await runCli(['diff', '--from', d.from, '--to', d.to, '--base', 'HEAD', ...rules])
    expect(both).toMatchObject({ code: 2, stderr: 'lexgen: usage error: use either --base or --from/--to, not both\n' })
  })

  it('names the side, file and JSON path of a broken lexicon on either side; nothing is printed to stdout', async () => {
    const broken = (d: Docs) => (d['ex.test.defs']!.defs.view.properties.text.maxLength = 'long')
    const newSide = await twoDirs(broken)
    const a = await diffDirs(newSide)
    expect(a).toMatchObject({ code: 1, stdout: '' })
    expect(a.stderr).toMatch(/^lexgen: error: in the new lexicons \(.*to\): ex\/test\/defs\.json at defs\.view\.properties\.text\.maxLength: .+\n$/)

    const oldSide = await twoDirs(() => {})
    await writeDocs(oldSide.from, (() => { const d = baseDocs(); broken(d); return d })())
    const b = await diffDirs(oldSide)
    expect(b).toMatchObject({ code: 1, stdout: '' })
    expect(b.stderr).toMatch(/^lexgen: error: in the old lexicons \(.*from\): ex\/test\/defs\.json at defs\.view\.properties\.text\.maxLength: /)

    const dangling = await twoDirs((d) => (d['ex.test.get']!.defs.main.output.schema.properties.cursor = { type: 'ref', ref: 'ex.test.gone#x' }))
    const c = await diffDirs(dangling)
    expect(c.stderr).toMatch(/^lexgen: error: in the new lexicons \(.*to\): ex\/test\/get\.json at defs\.main\.output\.schema\.properties\.cursor\.ref: reference 'ex\.test\.gone#x' names lexicon 'ex\.test\.gone', which is not in the lexicon directory\n$/)
  })

  it('prints markdown and JSON on request', async () => {
    const d = await twoDirs(lowerLimit)
    const md = await diffDirs(d, '--format', 'markdown')
    expect(md.stdout).toMatch(/^## Lexicon changes: 1 breaking, 0 source, 0 compatible, 0 docs\n/)
    expect((await diffDirs(d, '--format', 'markdown', '--max-length', '65536')).stdout).toBe(md.stdout)
    const json = JSON.parse((await diffDirs(d, '--format', 'json')).stdout)
    expect(json).toMatchObject({ format: 'lexgen-diff/1', worst: 'breaking', changes: [{ nsid: 'ex.test.send', path: 'input.text', kind: 'constraint-tightened' }] })
    expect(json.compiler).toBeUndefined()
  })
})

describe('lexgen diff, the real binary', () => {
  /** Runs bin/lexgen.js with `env` added; stdout is a pipe. */
  async function spawn(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'codegen/bin/lexgen.js'), ...args], { cwd: ROOT, env: colourlessEnv(env) })
      return { code: 0, stdout, stderr }
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }

  it('runs the compiler check from the built CLI (runtime declarations from dist/) and reports it', async () => {
    const d = await twoDirs((docs) => (docs['ex.test.get']!.defs.main.output.schema.required = []))
    const result = await spawn(['diff', '--from', d.from, '--to', d.to, '--include', 'ex.test.*'])
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('    breaking    output.items: required → optional (response)\n')
    expect(result.stdout).toMatch(/source check \(TypeScript 6\.[\d.]+\): \d+ checks, 1 failed\n  ✗ ExTestGet\.Output: `items`: may be undefined in the new type; the old type says View\[\]\n/)
  })

  it('colours a terminal only: none when piped, with NO_COLOR, FORCE_COLOR=0 or false, or TERM=dumb; FORCE_COLOR forces it', async () => {
    const d = await twoDirs(lowerLimit)
    const args = ['diff', '--from', d.from, '--to', d.to, ...rules]
    const piped = await spawn(args)
    expect(piped.stdout).toContain('breaking')
    expect(piped.stdout).not.toContain('\x1b[')
    expect((await spawn(args, { FORCE_COLOR: '1' })).stdout).toContain('\x1b[1;31mbreaking')
    expect((await spawn(args, { FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).not.toContain('\x1b[')

    // A real terminal, through util-linux `script` (a pseudo-terminal).
    const command = [process.execPath, join(ROOT, 'codegen/bin/lexgen.js'), ...args].map((a) => `'${a}'`).join(' ')
    const tty = await exec('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: colourlessEnv() }).catch((e) => e)
    expect(tty.stdout).toContain('\x1b[1;31mbreaking')
    for (const plain of [{ NO_COLOR: '1' }, { FORCE_COLOR: '0' }, { FORCE_COLOR: 'false' }, { TERM: 'dumb' }] as Record<string, string>[]) {
      const ttyNoColor = await exec('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: colourlessEnv(plain) }).catch((e) => e)
      expect(ttyNoColor.stdout, JSON.stringify(plain)).toContain('breaking')
      expect(ttyNoColor.stdout, JSON.stringify(plain)).not.toContain('\x1b[')
    }
  })
})

describe('lexgen diff and check run from a git hook', () => {
  it("read the folder's own repository, not the one git's hook variables name", async () => {
    const { repo, outputCommit } = await generatedRepo()
    const worktree = join(await scratch(), 'worktree')
    git(repo, 'worktree', 'add', '-q', worktree)

    // What git sets for a pre-commit hook in a linked worktree: GIT_DIR without GIT_WORK_TREE
    // makes git take the folder it runs in (lexicons/) for the top of the working tree.
    const gitDir = git(worktree, 'rev-parse', '--absolute-git-dir').trim()
    vi.stubEnv('GIT_DIR', gitDir)
    vi.stubEnv('GIT_INDEX_FILE', join(gitDir, 'index.lock'))
    try {
      await expectBreakingEdit(worktree, 'lexicons')
      const check = await runCli(['check'], worktree)
      expect(check.code).toBe(1)
      expect(check.stderr.split('\n')[0]).toBe(lexiconsChangedHint(outputCommit))
    } finally {
      vi.unstubAllEnvs()
    }
  })
})

describe('lexgen check: its hint for stale output, from git', () => {
  it('names the commit to diff against when the lexicons changed, and says so when only the output did', async () => {
    const { repo, outputCommit } = await generatedRepo()

    // A lexicon edit, uncommitted, then committed without regenerating (what CI meets on a pull request).
    const edited = baseDocs()
    lowerLimit(edited)
    await writeDocs(join(repo, 'lexicons'), edited)
    for (const commit of [false, true]) {
      if (commit) commitAll(repo, 'lower the limit, forget to regenerate')
      const check = await runCli(['check'], repo)
      expect(check.code).toBe(1)
      expect(check.stderr.split('\n')[0]).toBe(lexiconsChangedHint(outputCommit))
      // The command it names reports the change.
      const diff = await runCli(['diff', '--base', outputCommit, '--no-compiler-check'], repo)
      expect(diff.stdout).toContain('    breaking    input.text: maxGraphemes lowered 30 → 10 (request)\n')
    }
    // Run with --config (from a monorepo's root, say), the diff it names carries it too.
    expect((await runCli(['check', '--config', 'lexgen.config.json'], repo)).stderr).toContain(`\`npx lexgen diff --config lexgen.config.json --base ${outputCommit}\` shows`)

    // Regenerated and committed, then a generated file edited by hand: no lexicon change to diff.
    expect((await runCli(['generate'], repo)).code).toBe(0)
    commitAll(repo, 'regenerate')
    const regenerated = git(repo, 'log', '-1', '--format=%h').trim()
    await writeFile(join(repo, 'generated/index.ts'), '// mine\n', { flag: 'a' })
    const handEdited = await runCli(['check'], repo)
    expect(handEdited.code).toBe(1)
    expect(handEdited.stderr.split('\n')[0]).toBe(
      `lexgen: the lexicons have not changed since generated was last committed (${regenerated}), but the output has: it was edited, or made by another lexgen version or with other options`,
    )
    // Committed, the edit is the output's last commit, which left the lexicons alone.
    commitAll(repo, 'edit the output')
    const edit = git(repo, 'log', '-1', '--format=%h').trim()
    expect((await runCli(['check'], repo)).stderr.split('\n')[0]).toBe(
      `lexgen: the lexicons have not changed since generated was last committed (${edit}): the output was edited, or made by another lexgen version or with other options`,
    )
    git(repo, 'reset', '-q', '--hard', regenerated)

    // A lexicon change regenerated and committed with its output, as the README's workflow does, then
    // a hand edit or a config change: the commit is not blamed, the edit or the config is.
    const updated = baseDocs()
    updated['ex.test.get']!.defs.main.description = 'Updated upstream.'
    await writeDocs(join(repo, 'lexicons'), updated)
    expect((await runCli(['generate'], repo)).code).toBe(0)
    commitAll(repo, 'update the lexicons, regenerate')
    const workflow = git(repo, 'log', '-1', '--format=%h').trim()
    expect((await runCli(['check'], repo)).code).toBe(0)
    await writeFile(join(repo, 'generated/index.ts'), '// mine\n', { flag: 'a' })
    expect((await runCli(['check'], repo)).stderr.split('\n')[0]).toBe(
      `lexgen: the lexicons have not changed since generated was last committed (${workflow}), but the output has: it was edited, or made by another lexgen version or with other options`,
    )
    git(repo, 'checkout', '--', 'generated')
    await writeFile(join(repo, 'lexgen.config.json'), JSON.stringify({ lexicons: 'lexicons', include: ['ex.test.get'] }))
    expect((await runCli(['check'], repo)).stderr.split('\n')[0]).toBe(
      `lexgen: the lexicons have not changed since generated was last committed (${workflow}), but lexgen.config.json has: the output is from the configuration before that change`,
    )
    git(repo, 'checkout', '--', 'lexgen.config.json')

    // Regenerated for one lexicon edit, then a second edit, all committed together: the output's
    // last commit changed the lexicons too, so it is not blamed on a hand edit.
    git(repo, 'checkout', '--', 'generated')
    const twice = baseDocs()
    lowerLimit(twice)
    twice['ex.test.get']!.defs.main.description = 'First edit.'
    await writeDocs(join(repo, 'lexicons'), twice)
    expect((await runCli(['generate'], repo)).code).toBe(0)
    twice['ex.test.get']!.defs.main.description = 'Second edit, not regenerated.'
    await writeDocs(join(repo, 'lexicons'), twice)
    commitAll(repo, 'both edits, one regeneration')
    const together = git(repo, 'log', '-1', '--format=%h').trim()
    const stale = await runCli(['check'], repo)
    expect(stale.stderr.split('\n')[0]).toBe(
      `lexgen: the lexicons changed in the commit that last touched generated too (${together}), so it was likely not regenerated after that change: \`npx lexgen diff --base ${together}~1\` shows what it means for callers (breaking, source, compatible)`,
    )
  })

  it('outside a repository, says both', async () => {
    const lexicons = track(await copyOfLexicons())
    await editJson(join(lexicons, 'chat/bsky/convo/defs.json'), (doc) => {
      doc.defs.convoView.properties.pinned = { type: 'boolean' }
    })
    const result = await runCli(['check', '--lexicons', lexicons])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('lexgen: if the lexicons changed, `npx lexgen diff --base <commit>` shows what that means for callers (breaking, source, compatible); otherwise the output was edited')

    // Run by Yarn (`yarn lexgen check`): under Plug'n'Play `npx lexgen` would fetch a lexgen from the registry.
    vi.stubEnv('npm_config_user_agent', 'yarn/4.18.1 npm/? node/v20.20.2 linux x64')
    try {
      const yarn = await runCli(['check', '--lexicons', lexicons])
      expect(yarn.stderr).toContain('lexgen: if the lexicons changed, `yarn lexgen diff --base <commit>` shows')
    } finally {
      vi.unstubAllEnvs()
    }
  })
})
