/**
 * Where the two sides of a diff come from: a lexicon directory on disk, or the same directory
 * as it was at a git commit (read from the repository, without touching the working tree).
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import { LexgenError, type LexiconProblem } from '../errors.js'
import { loadLexiconFiles, parseJson, type LoadedFile } from '../load.js'
import type { ParsedDoc } from '../parse.js'

const run = promisify(execFile)

/**
 * One side of a comparison: its files as read (validated by the comparison, as `generate` would:
 * the selection's closure fully, with what could not be read as `problems`), or docs already validated.
 */
export type LexiconSet =
  | { readonly label: string; readonly files: readonly LoadedFile[]; readonly problems?: readonly LexiconProblem[] }
  | { readonly label: string; readonly docs: readonly ParsedDoc[] }

/** Wrong use of an input (an unknown git ref, no repository): the CLI exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

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

/** `error`, if it is a bad-input error, re-worded to name the side and where its lexicons came from. */
export function onSide(side: SideName, label: string, error: unknown): unknown {
  return error instanceof LexgenError ? new SideError(side, `in the ${side} lexicons (${label}): ${error.message}`) : error
}

/** A lexicon directory as it is on disk. */
export async function readLexiconDir(dir: string, label: string): Promise<LexiconSet> {
  return { label, ...(await loadLexiconFiles(dir)) }
}

/**
 * The `*.json` files under `dir` as they were at `ref`, paths relative to `dir` (as
 * `loadLexiconFiles` gives them). A directory missing at that commit is an empty set.
 */
export async function readLexiconsAtRef(dir: string, ref: string, label: string): Promise<LexiconSet> {
  const top = await gitTopLevel(dir)
  const commit = await git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]).catch(() => {
    throw new UsageError(`--base: '${ref}' is not a commit in ${top} (in CI, fetch it first, e.g. \`git fetch origin main\`)`)
  })
  const prefix = relative(top, await realPathOf(dir)).split(sep).join('/')
  const listing = await git(top, ['--literal-pathspecs', 'ls-tree', '-r', '-z', '--full-tree', commit.trim(), '--', prefix || '.'])
  const blobs: { id: string; file: string }[] = []
  for (const entry of listing.split('\0')) {
    const match = /^(\d+) blob ([0-9a-f]+)\t(.*)$/s.exec(entry)
    if (!match || match[1] === '120000' || !match[3]!.endsWith('.json')) continue
    blobs.push({ id: match[2]!, file: prefix ? match[3]!.slice(prefix.length + 1) : match[3]! })
  }
  blobs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  const texts = await catBlobs(top, blobs.map((b) => b.id))
  const files: LoadedFile[] = []
  const problems: LexiconProblem[] = []
  blobs.forEach((blob, i) => {
    const json = parseJson(texts[i]!)
    if ('error' in json) problems.push({ file: blob.file, message: json.error })
    else files.push({ file: blob.file, json: json.value })
  })
  return { label, files, problems }
}

/** `dir` with symlinks resolved as git resolves them (a part that does not exist stays as written). */
async function realPathOf(dir: string): Promise<string> {
  const existing = nearestExisting(dir)
  return join(await realpath(existing), relative(existing, resolve(dir)))
}

function nearestExisting(dir: string): string {
  let existing = resolve(dir)
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing)
  return existing
}

/** The repository holding `dir` (or, when `dir` no longer exists, its nearest existing parent). */
async function gitTopLevel(dir: string): Promise<string> {
  const existing = nearestExisting(dir)
  try {
    return (await git(existing, ['rev-parse', '--show-toplevel'])).trim()
  } catch (error) {
    throw new UsageError(`--base needs a git repository: ${existing} is not inside one (${firstLine(error)})`)
  }
}

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 << 20 })
  return stdout
}

/** Reads blobs in one `git cat-file --batch` process; returns their texts in order. */
function catBlobs(cwd: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return Promise.resolve([])
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) return reject(new LexgenError(`git cat-file failed: ${stderr.trim()}`))
      const out = Buffer.concat(chunks)
      const texts: string[] = []
      let at = 0
      for (const id of ids) {
        const newline = out.indexOf(10, at)
        const header = out.subarray(at, newline).toString()
        const size = Number(/^[0-9a-f]+ blob (\d+)$/.exec(header)?.[1] ?? NaN)
        if (!Number.isFinite(size)) return reject(new LexgenError(`git cat-file: unexpected answer for ${id}: ${header}`))
        texts.push(out.subarray(newline + 1, newline + 1 + size).toString('utf8'))
        at = newline + 1 + size + 1
      }
      resolvePromise(texts)
    })
    child.stdin.end(ids.join('\n') + '\n')
  })
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: string; message?: string }
  return (e.stderr || e.message || String(error)).trim().split('\n')[0] ?? ''
}
