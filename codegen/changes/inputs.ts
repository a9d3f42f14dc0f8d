/**
 * Where the two sides of a diff come from: a lexicon directory on disk, or the same directory
 * as it was at a git commit (read from the repository, without touching the working tree, the
 * way `generate` reads a folder on disk: symbolic links are followed inside the commit).
 */
import { lstat } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, posix, relative, sep } from 'node:path'
import { FlagError, LexgenError, type LexiconProblem } from '../errors.js'
import { catBlobs, gitSays, runGit } from '../git.js'
import { isWithin, nearestExisting, realPathOf } from '../paths.js'
import { findJsonFiles, loadLexiconFiles, parseJsonFile, type EntryKind, type FolderTree, type LoadedFile } from '../load.js'
import type { ParsedDoc } from '../parse.js'
import { recoverOutputDir } from '../write.js'

/**
 * One side of a comparison: its files as read (validated by the comparison, as `generate` would:
 * the selection's closure fully, with what could not be read as `problems`), or docs already validated.
 */
export type LexiconSet =
  | { readonly label: string; readonly files: readonly LoadedFile[]; readonly problems?: readonly LexiconProblem[] }
  | { readonly label: string; readonly docs: readonly ParsedDoc[] }

/** Which side of a comparison an input is: errors in it say so. */
export type SideName = 'old' | 'new'

/** A broken lexicon on one side of a comparison; the message names the side and where its lexicons came from. */
export class SideError extends LexgenError {
  constructor(
    readonly side: SideName,
    message: string,
  ) {
    super(message)
  }
}

/**
 * `error`, if it is a bad-input error, re-worded to name the side and where its lexicons came from.
 * Wrong use (an unknown git ref, no repository: a FlagError, exit 2) is the command line's, not a side's.
 */
export function onSide(side: SideName, label: string, error: unknown): unknown {
  return error instanceof LexgenError && !(error instanceof FlagError) ? new SideError(side, `in the ${side} lexicons (${label}): ${error.message}`) : error
}

/** A lexicon directory as it is on disk (once the swap of a pull killed amid it is completed, as generate does). */
export async function readLexiconDir(dir: string, label: string): Promise<LexiconSet> {
  await recoverOutputDir(dir)
  return { label, ...(await loadLexiconFiles(dir)) }
}

/**
 * The `*.json` files under `dir` as they were at `ref`, read as `loadLexiconFiles` reads the
 * working tree (symbolic links followed inside the commit), paths relative to `dir`. A directory
 * missing at that commit is an empty set. A `dir` that is itself a symbolic link is followed inside
 * the commit too: its repository is the one holding the link (not the one the link leads into,
 * whose history is not this project's), so a link out of it stops the read like one inside it.
 */
export async function readLexiconsAtRef(dir: string, ref: string, label: string, project?: string): Promise<LexiconSet> {
  const linked = await lstat(dir).then((stats) => stats.isSymbolicLink(), () => false)
  const top = await gitTopLevel(linked ? dirname(dir) : dir)
  // A folder in a submodule, or in a checkout nested in the project: its commits are that
  // repository's own history, not the project's, whose HEAD would show none of its changes.
  const projectTop = project === undefined ? top : await gitTopLevel(project).catch(() => top)
  if (projectTop !== top) {
    throw new LexgenError(`${dir} is in another git repository (${top}: a submodule or a nested checkout) than the project (${projectTop}): --base would compare that repository's own commits; compare two folders with --from/--to instead`)
  }
  const place = linked ? join(await realPathOf(dirname(dir)), basename(dir)) : await realPathOf(dir)
  const prefix = relative(top, place).split(sep).join('/')
  const commit = await resolveCommit(top, ref)
  const tree = await readCommitTree(top, commit, ref, prefix)
  const root = linked ? tree.folderAt(prefix) : prefix
  const { found, problems } = findJsonFiles(tree, root)
  const contents = await readBlobs(top, found.map((file) => tree.blobId(tree.join(root, file))))
  const files: LoadedFile[] = []
  found.forEach((file, i) => {
    const json = parseJsonFile(contents[i]!)
    if ('error' in json) problems.push({ file, message: json.error })
    else files.push({ file, json: json.value })
  })
  return { label, files, problems }
}

/** The text of the file at `path` as it was at `ref` (symbolic links followed inside the commit), or undefined when the commit has none there (or the file lies outside the repository). */
export async function readFileAtRef(path: string, ref: string): Promise<string | undefined> {
  const top = await gitTopLevel(dirname(path))
  const commit = await resolveCommit(top, ref)
  const fromTop = relative(top, await realPathOf(path)).split(sep).join('/')
  if (fromTop.startsWith('../') || isAbsolute(fromTop)) return undefined // not in this repository
  const tree = await readCommitTree(top, commit, ref, posix.dirname(fromTop))
  const blob = tree.fileBlobId(fromTop)
  return blob === undefined ? undefined : (await readBlobs(top, [blob]))[0]!.toString('utf8')
}

async function resolveCommit(top: string, ref: string): Promise<string> {
  const commit = await runGit(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]).catch(async () => {
    // A CI checkout is shallow by default (one commit): `HEAD~1` is then missing too, which fetching a branch does not mend.
    const shallow = (await runGit(top, ['rev-parse', '--is-shallow-repository']).catch(() => '')).trim() === 'true'
    const how = shallow
      ? 'this clone is shallow: `git fetch --deepen=1` reaches the parent commit, `git fetch origin main` a branch, or check out with full history (actions/checkout: `fetch-depth: 0`)'
      : 'in CI, fetch it first, e.g. `git fetch origin main`'
    throw new FlagError(`--base: '${ref}' is not a commit in ${top} (${how})`)
  })
  return commit.trim()
}

/** Linux's limit on links followed in one path (MAXSYMLINKS): past it, realpath fails with ELOOP. */
const MAX_LINKS = 40
/** Git's modes for what a tree holds besides files. */
const LINK = '120000'
const FOLDER = '040000'
const SUBMODULE = '160000'

interface GitEntry {
  readonly mode: string
  readonly id: string
}

/**
 * The tree of `commit` in the repository at `top` (its real path), as far as reading the folder
 * `prefix` (relative to `top`) needs: that folder, or the whole tree once a symbolic link in it may
 * lead anywhere. `ref` is how the user named the commit, for messages.
 */
async function readCommitTree(top: string, commit: string, ref: string, prefix: string): Promise<CommitTree> {
  let entries = await listTree(top, commit, prefix || '.')
  if ([...entries.values()].some((entry) => entry.mode === LINK)) entries = await listTree(top, commit, '.')
  const links = [...entries].filter(([, entry]) => entry.mode === LINK)
  const targets = await readBlobs(top, links.map(([, entry]) => entry.id))
  return new CommitTree(top, ref, entries, new Map(links.map(([path], i) => [path, targets[i]!.toString('utf8')])))
}

/** A commit's tree as a {@link FolderTree}: paths are `/`-separated from the repository's top (`''`). */
class CommitTree implements FolderTree {
  private readonly children = new Map<string, string[]>()

  constructor(
    private readonly top: string,
    private readonly ref: string,
    private readonly tree: ReadonlyMap<string, GitEntry>,
    private readonly links: ReadonlyMap<string, string>,
  ) {
    for (const path of tree.keys()) {
      const parent = posix.dirname(path)
      const folder = parent === '.' ? '' : parent
      const siblings = this.children.get(folder)
      if (siblings) siblings.push(posix.basename(path))
      else this.children.set(folder, [posix.basename(path)])
    }
  }

  entries(real: string): { name: string; kind: EntryKind }[] {
    return (this.children.get(real) ?? []).map((name) => ({ name, kind: this.kindAt(this.join(real, name)) }))
  }

  follow(path: string): { real: string; kind: EntryKind } {
    const real = this.resolve(path)
    return { real, kind: this.kindAt(real) }
  }

  join(folder: string, name: string): string {
    return posix.join(folder, name)
  }

  /** The blob `path` names once the symbolic links on it are followed. */
  blobId(path: string): string {
    return this.tree.get(this.resolve(path))!.id
  }

  /** Where the folder `path` leads once its links are followed; `path` itself when nothing is there (an empty folder). */
  folderAt(path: string): string {
    try {
      return this.resolve(path)
    } catch (error) {
      if (error instanceof LexgenError) throw error // a link out of the repository: say so
      return path
    }
  }

  /** The blob of the file at `path` (links followed), or undefined when there is no file there. */
  fileBlobId(path: string): string | undefined {
    let real: string
    try {
      real = this.resolve(path)
    } catch (error) {
      if (error instanceof LexgenError) throw error // a link out of the repository: say so
      return undefined // missing, or a folder on the way is not one
    }
    return this.kindAt(real) === 'file' ? this.tree.get(real)?.id : undefined
  }

  /** What is at `path` (no link on the way): a submodule's files are in another repository, so it stops the read. */
  private kindAt(path: string): EntryKind {
    if (path === '') return 'folder' // the top, which a link may lead to
    const mode = this.tree.get(path)?.mode
    if (mode === SUBMODULE) throw this.submodule(path)
    return mode === FOLDER ? 'folder' : mode === LINK ? 'link' : 'file'
  }

  private submodule(path: string): LexgenError {
    return new LexgenError(`${path} is a git submodule at ${this.ref}: its files are not in this repository's commit (compare two folders with --from/--to instead)`)
  }

  /**
   * `path` with every symbolic link on it followed, as realpath does on disk: a link's target is
   * relative to the link's folder, or absolute (then it must lie inside the repository). A link that
   * leads out of the repository stops the read: the commit does not hold what it points to.
   */
  private resolve(path: string): string {
    const done: string[] = []
    const todo = path.split('/').reverse()
    let followed = 0
    let lastLink = ''
    while (todo.length) {
      const part = todo.pop()!
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (done.length === 0) throw this.outside(path, lastLink)
        done.pop()
        continue
      }
      const at = [...done, part].join('/')
      const entry = this.tree.get(at)
      if (!entry) throw new Error(`${at} does not exist at ${this.ref}`)
      if (entry.mode === LINK) {
        if (++followed > MAX_LINKS) throw new Error(`more than ${MAX_LINKS} symbolic links on the way (a loop) at ${this.ref}`)
        const target = this.links.get(at)!
        lastLink = `${at} → ${target}`
        const fromTop = isAbsolute(target) ? relative(this.top, target) : undefined
        if (fromTop !== undefined) {
          if (!isWithin(target, this.top)) throw this.outside(path, lastLink)
          done.length = 0
        }
        todo.push(...(fromTop?.split(sep) ?? target.split('/')).reverse())
        continue
      }
      // A link into a submodule (`lexicons -> vendor/atproto/lexicons`): read as missing, it would compare with nothing.
      if (entry.mode === SUBMODULE) throw this.submodule(at)
      if (entry.mode !== FOLDER && todo.some((rest) => rest !== '' && rest !== '.')) throw new Error(`${at} is not a folder at ${this.ref}`)
      done.push(part)
    }
    return done.join('/')
  }

  private outside(path: string, link: string): LexgenError {
    return new LexgenError(
      `symbolic link ${path} leads out of the repository (${link}), so ${this.ref} does not hold what it points to (compare two folders with --from/--to instead)`,
    )
  }
}

/** Every entry (folders too) under `path` in `commit`'s tree, by path from the top. */
async function listTree(top: string, commit: string, path: string): Promise<Map<string, GitEntry>> {
  const listing = await runGit(top, ['--literal-pathspecs', 'ls-tree', '-r', '-t', '-z', '--full-tree', commit, '--', path]).catch((error: unknown) => {
    // A treeless clone (`filter: tree:0`) whose remote cannot be reached, a corrupt repository.
    throw new LexgenError(`git ls-tree of ${commit.slice(0, 12)} failed in ${top}: ${gitSays(error)}`)
  })
  const entries = new Map<string, GitEntry>()
  for (const line of listing.split('\0')) {
    const match = /^(\d+) \w+ ([0-9a-f]+)\t(.*)$/s.exec(line)
    if (match) entries.set(match[3]!, { mode: match[1]!, id: match[2]! })
  }
  return entries
}

/** The repository holding `dir` (or, when `dir` no longer exists, its nearest existing parent). */
async function gitTopLevel(dir: string): Promise<string> {
  const existing = nearestExisting(dir)
  try {
    return (await runGit(existing, ['rev-parse', '--show-toplevel'])).trim()
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException
    if (code === 'ENOENT') throw new FlagError('diff compares with a git commit (--base, default HEAD), but the git command is not installed; compare two folders with --from/--to instead')
    // Not a repository, or one git will not read (`dubious ownership`: its own advice, `safe.directory`, is kept).
    throw new FlagError(`diff compares with a git commit (--base, default HEAD), but ${existing} is not in a git repository git can read (${gitSays(error)}); compare two folders with --from/--to instead`)
  }
}

/** The blobs `ids` names, read in one process; a repository git cannot read them from is said as such. */
function readBlobs(top: string, ids: readonly string[]): Promise<Buffer[]> {
  return catBlobs(top, ids).catch((error: unknown) => {
    throw new LexgenError(`git cat-file failed in ${top}: ${gitSays(error)}`)
  })
}
