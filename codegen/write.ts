import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import type { OutputFiles } from './emit.js'

/** Every file under `dir` by `/`-separated relative path; empty when `dir` does not exist. */
export async function readOutputDir(dir: string): Promise<Map<string, string>> {
  let entries
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw error
  }
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
  const contents = await Promise.all(files.map((file) => readFile(file, 'utf8')))
  return new Map(files.map((file, i) => [relative(dir, file).split(sep).join('/'), contents[i]!]))
}

/**
 * Replaces `dir` with exactly `files`, atomically: everything is written to a
 * sibling temp dir first and swapped in by rename, so a failed or interrupted
 * run leaves the previous output whole.
 */
export async function writeOutputDir(dir: string, files: OutputFiles): Promise<void> {
  await writeOutputDirs([{ dir, files }])
}

/** One folder a run replaces, and everything it is to hold. */
export interface OutputTarget {
  readonly dir: string
  readonly files: OutputFiles
}

/**
 * Replaces several folders (the code and its docs) as one unit. Each is written in full to a
 * sibling staging dir; then a journal naming every swap is created next to each folder (by rename,
 * so it is whole or absent), and only then is each folder swapped in by two renames. A run killed before the journal
 * exists leaves every folder as it was; one killed after it is rolled forward by the next run
 * (see recoverOutputDirs), which completes the remaining renames before it reads anything. So the
 * folders never stay at different generations, and `check` never compares against a half swap.
 */
export async function writeOutputDirs(targets: readonly OutputTarget[]): Promise<void> {
  await recoverOutputDirs(targets.map((target) => target.dir))
  const swaps: { dir: string; staging: string; previous: string }[] = []
  try {
    for (const { dir, files } of targets) {
      const parent = dirname(dir)
      await mkdir(parent, { recursive: true })
      // The pid in the name tells a later run whether the writer is still alive (see recoverOutputDirs).
      const staging = await mkdtemp(join(parent, `.lexgen-${basename(dir)}-${process.pid}-`))
      swaps.push({ dir, staging, previous: `${staging}-previous` })
      const dirs = new Set([...files.keys()].map((path) => dirname(join(staging, path))))
      await Promise.all([...dirs].map((d) => mkdir(d, { recursive: true })))
      await Promise.all([...files].map(([path, content]) => writeFile(join(staging, path), content)))
    }
  } catch (error) {
    await Promise.all(swaps.map(({ staging }) => rm(staging, { recursive: true, force: true })))
    throw error
  }
  // A copy of the journal next to each folder, so a later run over any of them finds it.
  const journals = swaps.map(({ staging }) => `${staging}${JOURNAL_SUFFIX}`)
  for (const journal of journals) {
    const home = dirname(journal)
    const entry = (path: string) => relative(home, path)
    const content: Journal = {
      swaps: swaps.map((swap) => ({ dir: entry(swap.dir), staging: entry(swap.staging), previous: entry(swap.previous) })),
      journals: journals.map(entry),
    }
    await writeFile(`${journal}.tmp`, JSON.stringify(content) + '\n')
    await rename(`${journal}.tmp`, journal)
  }
  await rollForward(journals[0]!)
}

const JOURNAL_SUFFIX = '.swap'

/** What a swap journal records, as paths relative to the journal's own folder. */
interface Journal {
  readonly swaps: readonly { readonly dir: string; readonly staging: string; readonly previous: string }[]
  readonly journals: readonly string[]
}

/**
 * Completes the swaps a journal lists: for each folder whose staging dir is still there, the
 * current folder (if any) moves aside and the staging dir takes its place. Then the journals and
 * the previous folders go. Safe to run again after an interruption at any point.
 */
async function rollForward(journal: string): Promise<void> {
  const home = dirname(journal)
  const content = JSON.parse(await readFile(journal, 'utf8')) as Journal
  const at = (path: string) => resolve(home, path)
  for (const swap of content.swaps) {
    const [dir, staging, previous] = [at(swap.dir), at(swap.staging), at(swap.previous)]
    if (!(await exists(staging))) continue
    if (await exists(dir)) await rename(dir, previous)
    await rename(staging, dir)
  }
  await Promise.all(content.journals.map((path) => rm(at(path), { force: true })))
  await Promise.all(content.swaps.map((swap) => rm(at(swap.previous), { recursive: true, force: true })))
}

/** {@link recoverOutputDirs} for one folder. */
export async function recoverOutputDir(dir: string): Promise<void> {
  await recoverOutputDirs([dir])
}

/**
 * Cleans up after a run that was killed (SIGKILL, a crash) while writing `dirs`. A journal left
 * by a dead run is rolled forward first: its staging dirs are complete, and some folders may
 * already be swapped, so finishing is the only way to keep them at one generation. Then leftovers
 * without a journal, `.lexgen-<name>-<pid>-XXXXXX`, are removed (that run never reached its
 * swap), and a previous output orphaned by an older single-folder run, `…-previous` with the
 * folder itself missing, is put back. Leftovers of a live process (a concurrent run) are left
 * alone. Called before the folders are read or written.
 */
export async function recoverOutputDirs(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    for (const { path, kind, pid } of await leftovers(dir)) {
      // Another folder's recovery may have completed (and removed) this copy of the journal already.
      if (kind === 'journal' && !isAlive(pid) && (await exists(path))) await rollForward(path)
    }
  }
  for (const dir of dirs) {
    for (const { path, kind, pid } of await leftovers(dir)) {
      if (kind === 'journal' || isAlive(pid)) continue
      if (kind === 'previous' && !(await exists(dir))) await rename(path, dir)
      else await rm(path, { recursive: true, force: true })
    }
  }
}

/** What lexgen runs left next to `dir`, in name order. */
async function leftovers(dir: string): Promise<{ path: string; kind: 'staging' | 'previous' | 'journal' | 'partial'; pid: number }[]> {
  const parent = dirname(dir)
  const names = await readdir(parent).then(
    (list) => list.sort(),
    () => [],
  )
  const prefix = `.lexgen-${basename(dir)}-`
  return names.flatMap((name) => {
    const match = name.startsWith(prefix) ? /^(\d+)-[A-Za-z0-9]{6}(-previous|\.swap|\.swap\.tmp)?$/.exec(name.slice(prefix.length)) : null
    if (!match) return []
    const kind = match[2] === '-previous' ? 'previous' : match[2] === '.swap' ? 'journal' : match[2] ? 'partial' : 'staging'
    return [{ path: join(parent, name), kind, pid: Number(match[1]) } as const]
  })
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}
