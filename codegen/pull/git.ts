/**
 * Lexicons from a git repository (bluesky-social/atproto keeps its schemas in `lexicons/`),
 * through the `git` command, so the user's git setup (credentials, `insteadOf`, proxies) applies.
 * Each source gets a bare cache repository under `<cacheDir>/git/`; a fetch is shallow
 * (`--depth=1`) and asks for exactly one ref or commit. Only `*.json` files under the folder are
 * read, in one `git cat-file --batch`.
 */
import { execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { LexgenError } from '../errors.js'
import type { GitSourceConfig } from './config.js'
import { printable } from './text.js'

const run = promisify(execFile)

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

  constructor(
    private readonly source: GitSourceConfig,
    cacheDir: string,
  ) {
    const key = createHash('sha256').update(source.location).digest('hex').slice(0, 16)
    this.dir = join(cacheDir, 'git', `${key}.git`)
  }

  /** Fetches the configured ref and returns the commit it names now. */
  async fetchRef(): Promise<string> {
    await this.init()
    await this.git(['fetch', '--quiet', '--no-tags', '--depth=1', '--', this.source.location, this.source.ref], `fetching ${this.source.ref}`)
    return (await this.git(['rev-parse', '--verify', 'FETCH_HEAD^{commit}'], 'reading the fetched commit')).trim()
  }

  /** Makes sure `commit` is in the cache, fetching exactly it when it is not. */
  async fetchCommit(commit: string): Promise<void> {
    await this.init()
    const present = await run('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: this.dir, env: gitEnv() }).then(
      () => true,
      () => false,
    )
    if (!present) await this.git(['fetch', '--quiet', '--no-tags', '--depth=1', '--', this.source.location, commit], `fetching the locked commit ${commit}`)
  }

  /** Every `*.json` under the folder at `commit`, sorted by path. */
  async read(commit: string): Promise<GitFile[]> {
    const folder = this.source.folder
    const listing = await this.git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(folder ? [folder] : [])], `listing ${folder || 'the tree'}`)
    const blobs = listing
      .split('\0')
      .filter(Boolean)
      .map((entry) => {
        const [meta, path] = [entry.slice(0, entry.indexOf('\t')), entry.slice(entry.indexOf('\t') + 1)]
        const [, type, oid] = meta.split(' ')
        return { type, oid: oid!, path: folder ? path.slice(folder.length + 1) : path }
      })
      .filter((entry) => entry.type === 'blob' && entry.path.endsWith('.json'))
    if (blobs.length === 0) {
      throw new LexgenError(`git source ${this.source.url}: no *.json files under '${folder || '/'}' at commit ${commit}`)
    }
    const texts = await this.catBlobs(blobs.map((blob) => blob.oid))
    return blobs.map((blob, i) => ({ path: blob.path, text: texts[i]! })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }

  private async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    await this.git(['init', '--quiet', '--bare'], 'creating the cache repository')
  }

  /** Blob contents, in the order asked, from one `git cat-file --batch`. */
  private catBlobs(oids: string[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', ['cat-file', '--batch'], { cwd: this.dir, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
      const chunks: Buffer[] = []
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      child.on('error', (error) => reject(this.failure('reading files', error)))
      child.on('close', (code) => {
        if (code !== 0) return reject(this.failure('reading files', Object.assign(new Error(stderr), { stderr })))
        const out = Buffer.concat(chunks)
        const texts: string[] = []
        let at = 0
        for (const oid of oids) {
          const headerEnd = out.indexOf(0x0a, at)
          const header = out.subarray(at, headerEnd).toString()
          const [gotOid, type, size] = header.split(' ')
          if (gotOid !== oid || type !== 'blob') return reject(new LexgenError(`git source ${this.source.url}: cannot read blob ${oid} (${printable(header)})`))
          const start = headerEnd + 1
          texts.push(out.subarray(start, start + Number(size)).toString('utf8'))
          at = start + Number(size) + 1
        }
        resolve(texts)
      })
      child.stdin.end(oids.map((oid) => `${oid}\n`).join(''))
    })
  }

  private async git(args: string[], doing: string): Promise<string> {
    try {
      const { stdout } = await run('git', args, { cwd: this.dir, env: gitEnv(), maxBuffer: 256 * 1024 * 1024 })
      return stdout
    } catch (error) {
      throw this.failure(doing, error as Error)
    }
  }

  private failure(doing: string, error: Error & { code?: unknown; stderr?: string }): LexgenError {
    if (error.code === 'ENOENT') return new LexgenError(`git source ${this.source.url}: the git command is not installed`)
    const lines = (error.stderr ?? error.message).trim().split('\n')
    const reason = lines.find((line) => /^(fatal|error):/.test(line)) ?? lines.at(-1) ?? ''
    return new LexgenError(`git source ${this.source.url}: ${doing} failed: ${printable(reason.replace(/^(fatal|error): /, ''), 200)}`)
  }
}

/** Never prompt for credentials: a pull in CI must fail, not hang. */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: '0' }
}
