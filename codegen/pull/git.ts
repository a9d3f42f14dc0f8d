/**
 * Lexicons from a git repository (bluesky-social/atproto keeps its schemas in `lexicons/`),
 * through the `git` command, so the user's git setup (credentials, `insteadOf`, proxies) applies.
 * Each source gets a bare cache repository under `<cacheDir>/git/`; a fetch is shallow
 * (`--depth=1`) and asks for exactly one ref or commit. Only `*.json` files under the folder are
 * read, in one `git cat-file --batch`. The cache is shared by every project on the machine: each
 * step holds its repository (lock.ts), as two fetches into one (a monorepo's packages pulling at
 * once, parallel CI jobs) make git refuse the second (`shallow.lock: File exists`).
 */
import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { catBlobs, gitSays, MissingBlob, runGit } from '../git.js'
import { runner } from '../runner.js'
import { LexgenError } from '../errors.js'
import { lockFolders } from '../lock.js'
import type { GitSourceConfig } from './config.js'
import { printable } from './text.js'

/** `$LEXGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/lexgen`, else `~/.cache/lexgen`. */
export function defaultCacheDir(): string {
  return process.env.LEXGEN_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lexgen')
}

/** One `*.json` file of the source's folder at a commit. */
export interface GitFile {
  /** Path relative to the source's folder. */
  readonly path: string
  readonly text: string
}

export class GitRepository {
  private readonly dir: string

  /**
   * `note` is told when the repository is held by another lexgen, which this one waits for; `cwd`
   * is where its path is said from.
   */
  constructor(
    private readonly source: GitSourceConfig,
    cacheDir: string,
    private readonly note: (text: string) => void,
    private readonly cwd: string,
    /** Fetch a locked commit from the source even when the cache holds it (`pull --verify`: the source must still have it). */
    private readonly refetch = false,
  ) {
    const key = createHash('sha256').update(source.location).digest('hex').slice(0, 16)
    this.dir = join(cacheDir, 'git', `${key}.git`)
  }

  /**
   * Fetches the configured ref and returns the commit it names now. A ref that is no branch or
   * tag but looks like an abbreviated commit id (as `git log --oneline` shows them) is resolved to
   * the full id, which is what servers fetch and what the lockfile pins.
   */
  fetchRef(): Promise<string> {
    return this.holding(() => this.fetchRefHeld())
  }

  private async fetchRefHeld(): Promise<string> {
    await this.init()
    const { ref } = this.source
    try {
      await this.git(['fetch', '--quiet', '--no-tags', '--depth=1', '--', this.source.location, ref], `fetching ${ref}`)
    } catch (error) {
      if (!SHORT_COMMIT.test(ref)) throw error
      const commit = await this.resolveShortCommit(ref)
      await this.fetchCommitHeld(commit)
      return commit
    }
    const commit = (await this.git(['rev-parse', '--verify', 'FETCH_HEAD^{commit}'], 'reading the fetched commit')).trim()
    await this.keep(commit)
    return commit
  }

  /**
   * Names the last commit fetched. A fetch offers the server what the repository's refs reach, and
   * a cache with none offered nothing: every update downloaded the whole tree again (all of a
   * monorepo's, not only its lexicons), and the cache grew by that much each time, unreachable.
   */
  private async keep(commit: string): Promise<void> {
    await this.git(['update-ref', KEPT_REF, commit], 'naming the fetched commit')
  }

  /**
   * The full id of the commit `prefix` abbreviates, on any branch of the source. Servers only
   * fetch full ids, so the branches' commit history (no trees or files: `--filter=tree:0`, where
   * the server supports it) is fetched into a side repository, which `rev-parse` then searches;
   * the cache repository itself stays a plain, complete one.
   */
  private async resolveShortCommit(prefix: string): Promise<string> {
    const history = `${this.dir.slice(0, -'.git'.length)}-history.git`
    const inHistory = (args: string[], doing: string) => this.git(['-C', history, ...args], doing)
    await mkdir(history, { recursive: true })
    await inHistory(['init', '--quiet', '--bare'], 'creating the history repository')
    // A filter fetch needs a named promisor remote; this one is never asked for the missing trees.
    const settings: [string, string][] = [['remote.source.url', this.source.location], ['remote.source.promisor', 'true'], ['extensions.partialClone', 'source']]
    for (const [key, value] of settings) {
      await inHistory(['config', key, value], 'configuring the history repository')
    }
    await inHistory(['fetch', '--quiet', '--no-tags', '--filter=tree:0', 'source', '+refs/heads/*:refs/heads/*'], `fetching the history to find commit ${prefix}`)
    try {
      return (await inHistory(['rev-parse', '--verify', '--end-of-options', `${prefix}^{commit}`], `finding commit ${prefix}`)).trim()
    } catch {
      const matches = (await inHistory(['rev-list', '--all'], 'listing commits')).split('\n').filter((id) => id.startsWith(prefix.toLowerCase()))
      throw new LexgenError(
        matches.length > 1
          ? `git source ${this.source.url}: ref '${prefix}' abbreviates ${matches.length} commits (${matches.map((id) => id.slice(0, 12)).join(', ')}): give more of the commit id`
          : `git source ${this.source.url}: ref '${prefix}' is no branch or tag, and no commit on a branch starts with it`,
      )
    }
  }

  /** Makes sure `commit` is in the cache, fetching exactly it when it is not (or always, with `refetch`). */
  fetchCommit(commit: string): Promise<void> {
    return this.holding(() => this.fetchCommitHeld(commit))
  }

  private async fetchCommitHeld(commit: string): Promise<void> {
    await this.init()
    const present = await runGit(this.dir, ['cat-file', '-e', `${commit}^{commit}`]).then(
      () => true,
      () => false,
    )
    if (present && !this.refetch) return
    try {
      await this.git(['fetch', '--quiet', '--no-tags', '--depth=1', '--', this.source.location, commit], `fetching the locked commit ${commit}`)
      await this.keep(commit)
    } catch (error) {
      // The server's words for a commit it no longer has (file and ssh, then http).
      if (!/not our ref|unadvertised object|no such remote ref|couldn't find remote ref/i.test((error as Error).message)) throw error
      throw new LexgenError(
        `git source ${this.source.url}: the locked commit ${commit.slice(0, 12)} is not there any more (its history was rewritten, or its branch deleted): ` +
          `run \`${runner().lexgen} pull --update\` to pin what the ref names now, and review its report`,
      )
    }
  }

  /** Every `*.json` under the folder at `commit`, sorted by path. */
  read(commit: string): Promise<GitFile[]> {
    return this.holding(() => this.readHeld(commit))
  }

  private async readHeld(commit: string): Promise<GitFile[]> {
    const folder = this.source.folder
    const listing = await this.git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(folder ? [folder] : [])], `listing ${folder || 'the tree'}`)
    const entries = listing
      .split('\0')
      .filter(Boolean)
      .map((entry) => {
        const [meta, path] = [entry.slice(0, entry.indexOf('\t')), entry.slice(entry.indexOf('\t') + 1)]
        const [, type, oid] = meta.split(' ')
        return { type, oid: oid!, path: folder ? path.slice(folder.length + 1) : path }
      })
    const blobs = entries.filter((entry) => entry.type === 'blob' && entry.path.endsWith('.json'))
    if (blobs.length === 0) {
      // A submodule is a commit of another repository: its files are not in this one.
      const submodules = entries.filter((entry) => entry.type === 'commit').map((entry) => (entry.path === '' ? folder : [folder, entry.path].filter(Boolean).join('/')))
      const named = submodules.slice(0, 3).map((path) => `'${path}'`).join(', ')
      const why = submodules.length ? `: ${named} ${submodules.length > 1 ? 'are git submodules' : 'is a git submodule'} there, whose files are in another repository (make that the source)` : ''
      throw new LexgenError(`git source ${this.source.url}: no *.json files under '${folder || '/'}' at commit ${commit}${why}`)
    }
    const texts = await this.readBlobs(blobs.map((blob) => blob.oid))
    return blobs.map((blob, i) => ({ path: blob.path, text: texts[i]!.toString('utf8') })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }

  /** Runs `work` holding the cache repository: no other lexgen fetches into it meanwhile. */
  private async holding<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(dirname(this.dir), { recursive: true })
    const release = await lockFolders([this.dir], this.cwd, this.note)
    try {
      return await work()
    } finally {
      release()
    }
  }

  private async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    await this.git(['init', '--quiet', '--bare'], 'creating the cache repository')
  }

  /** Blob contents, in the order asked, in one process. */
  private async readBlobs(oids: string[]): Promise<Buffer[]> {
    try {
      return await catBlobs(this.dir, oids)
    } catch (error) {
      if (!(error instanceof MissingBlob)) throw this.failure('reading files', error as Error)
      // A cache damaged on disk that still holds the commit.
      throw new LexgenError(`git source ${this.source.url}: cannot read blob ${error.id} (${printable(error.answer)}) from the git cache ${this.dir}: delete that folder and pull again`)
    }
  }

  private async git(args: string[], doing: string): Promise<string> {
    try {
      return await runGit(this.dir, args)
    } catch (error) {
      throw this.failure(doing, error as Error)
    }
  }

  private failure(doing: string, error: Error & { code?: unknown; stderr?: string }): LexgenError {
    if (error.code === 'ENOENT') return new LexgenError(`git source ${this.source.url}: the git command is not installed`)
    return new LexgenError(`git source ${this.source.url}: ${doing} failed: ${printable(gitSays(error), 400)}`)
  }
}

/** The ref the cache keeps on the last commit it fetched (see keep). */
const KEPT_REF = 'refs/lexgen/fetched'

/** An abbreviated commit id: git shows at least 7 hex digits (a full one is 40, or 64 in SHA-256 repositories). */
const SHORT_COMMIT = /^[0-9a-f]{4,39}$|^[0-9a-f]{41,63}$/i
