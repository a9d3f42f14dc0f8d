/**
 * The `git` command as every part of the CLI runs it: a pull's cache repository, `diff --base`
 * and `check`'s stale hint. Each names its repository by the folder it runs in, so the variables
 * git exports to hooks (and a user's shell may hold) are left out.
 */
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/**
 * `git <args>` in `cwd`, resolving to what it prints. Rejects as execFile does: `code` is git's
 * exit status (or ENOENT when git is not installed), `stderr` what it said.
 */
export async function runGit(cwd: string, args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: gitEnv(), encoding: 'utf8', maxBuffer: 256 << 20 })
  return stdout
}

/** An id `git cat-file --batch` gave no blob for: a repository damaged on disk (a blob deleted, a pack cut short). */
export class MissingBlob extends Error {
  constructor(
    readonly id: string,
    /** Git's answer for it, such as `<id> missing`. */
    readonly answer: string,
  ) {
    super(`no blob ${id} (${answer})`)
  }
}

/**
 * The contents of the blobs `ids` names, in that order, from one `git cat-file --batch` in `cwd`
 * (a process per blob would cost milliseconds each). Rejects as {@link runGit} does when git
 * fails, and with a {@link MissingBlob} for an id that names no blob there.
 */
export function catBlobs(cwd: string, ids: readonly string[]): Promise<Buffer[]> {
  if (ids.length === 0) return Promise.resolve([])
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(Object.assign(new Error(`git cat-file failed: ${stderr.trim()}`), { code, stderr }))
      const out = Buffer.concat(chunks)
      const blobs: Buffer[] = []
      let at = 0
      for (const id of ids) {
        const newline = out.indexOf(0x0a, at)
        const answer = out.subarray(at, newline).toString()
        const [answerId, type, size] = answer.split(' ')
        if (answerId !== id || type !== 'blob') return reject(new MissingBlob(id, answer))
        const start = newline + 1
        blobs.push(out.subarray(start, start + Number(size)))
        at = start + Number(size) + 1
      }
      resolve(blobs)
    })
    child.stdin.end(ids.map((id) => `${id}\n`).join(''))
  })
}

/** Git's own words for a failure: its `fatal:`/`error:` line and the advice after it, at most a few lines. */
export function gitSays(error: unknown): string {
  const e = error as { stderr?: string; message?: string }
  const lines = (e.stderr || e.message || String(error)).trim().split('\n').map((line) => line.trim()).filter(Boolean)
  const first = Math.max(0, lines.findIndex((line) => /^(fatal|error):/.test(line)))
  return lines.slice(first, first + 4).join(' ').replace(/^(fatal|error): /, '')
}

/**
 * Variables that point git at a repository, an index or an object store. Git sets GIT_DIR itself
 * for a hook run in a linked worktree, and GIT_INDEX_FILE for every pre-commit hook. Left in, a
 * pull's `init --bare` and `fetch` of its cache would act on the user's own repository, making it
 * bare and shallow; and GIT_DIR without GIT_WORK_TREE makes git take the folder it runs in for the
 * top of the working tree, so `diff --base` and the stale hint, run in the lexicon folder, would
 * read the wrong folder of the commit.
 */
const REPOSITORY_VARIABLES = [
  // What `git rev-parse --local-env-vars` lists (git 2.39) but the -c settings (a proxy, credentials), and those that steer finding one.
  ...['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_NAMESPACE'],
  ...['GIT_SHALLOW_FILE', 'GIT_GRAFT_FILE', 'GIT_REPLACE_REF_BASE', 'GIT_NO_REPLACE_OBJECTS', 'GIT_IMPLICIT_WORK_TREE', 'GIT_PREFIX', 'GIT_INTERNAL_SUPER_PREFIX', 'GIT_CONFIG'],
  ...['GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM'],
]

/** No prompt for credentials (a pull or a check in CI must fail, not hang), and none of the repository variables. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' }
  for (const name of REPOSITORY_VARIABLES) delete env[name]
  return env
}
