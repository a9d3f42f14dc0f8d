/**
 * Replacing the output folders (the code, and its docs) atomically, as one unit: written to a
 * sibling staging folder that is swapped in by rename, so an interrupted run leaves the previous
 * output whole, and a journal that lets the next run finish a swap a killed run began.
 * Permissions are checked before anything moves, the folder's mode (setgid included) and group
 * are kept, a symbolic link given as the output is written through, entries the caller keeps are
 * copied as they are (bytes, mode, links as links), and whatever the cleanup cannot remove is
 * reported, never left for the next run to trip on. Reading the folders is output-read.ts.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, constants, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, type Stats } from 'node:fs'
import { access, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import type { OutputFiles } from './emit.js'
import { isSystemError, LexgenError } from './errors.js'
import { isWithin } from './paths.js'
import { doneWriting, ownStart, startWriting, stopSignalsHandled, writerAlive } from './writers.js'

/** A file replaced with the folders, as one unit with them. */
export interface AlongsideFile {
  readonly path: string
  readonly content: string
}

/** One folder a run replaces, and everything it is to hold. */
export interface OutputTarget {
  readonly dir: string
  readonly files: OutputFiles
  /**
   * Entries of the current folder to carry into the new one as they are (relative paths): a file
   * keeps its bytes and mode, a symbolic link stays a link to the same target, a folder keeps its
   * mode (not its contents: those are entries of their own). For what the run does not own.
   */
  readonly kept?: readonly string[]
  /**
   * The folder's files as they are now (read under the lock): a new file with the same text is
   * linked from the old one, not written, so it keeps its inode, mode and modification time, and
   * watchers and incremental builds (tsc --watch, a bundler) see only what changed.
   */
  readonly current?: ReadonlyMap<string, string>
}

/**
 * Replaces several folders (the code and its docs) as one unit, each with exactly its files and
 * the entries it keeps, and with them the `alongside` files (pull's lockfile, which must never
 * describe other lexicons than the folder holds): the journal carries their contents, so a run
 * killed after it exists has them written by the next run, as it completes the swaps.
 * Permissions are checked first, for every folder, so a read-only one is a clear error with
 * nothing moved. Each folder is then written in full to a sibling staging folder (made with mkdir,
 * not mkdtemp's 0700, so the umask and the parent's setgid apply, and given the old folder's mode
 * and group); then a journal naming every swap is created next to each folder (by rename, so it
 * is whole or absent), and only then is each folder swapped in by two renames. A run killed
 * before the journal exists leaves every folder as it was; one killed after it is rolled forward
 * by the next run (see recoverOutputDirs), which completes the remaining renames before it reads
 * anything. So the folders never stay at different generations. Returns notes on what the cleanup
 * could not do (the new output is in place all the same).
 */
export async function writeOutputDirs(targets: readonly OutputTarget[], alongside: readonly AlongsideFile[] = []): Promise<string[]> {
  const notes = await recoverOutputDirs(targets.map((target) => target.dir))
  const prepared: (OutputTarget & { previous: Stats | undefined })[] = []
  for (const { dir, files, kept, current } of targets) {
    const previous = await statIfAny(dir)
    await checkWritable(await existingAncestor(dirname(dir)), dir, previous !== undefined)
    prepared.push({ dir, files, kept, current, previous })
  }
  // A file beside is written by a rename in its folder, after the swaps: a refusal then would split the unit.
  for (const { path } of alongside) await checkWritable(await existingAncestor(dirname(path)), path, false)
  // Only once every folder passed its checks: a refused run leaves no new empty folders behind.
  for (const dir of [...prepared.map((target) => target.dir), ...alongside.map((file) => file.path)]) {
    await mkdir(dirname(dir), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new LexgenError(`cannot create ${dirname(dir)} (${error.code}); nothing was written`, { file: dir })
    })
  }
  const swaps: { dir: string; staging: string; previous: string }[] = []
  // The folder whose new content is being written, and the staging folders named, for a failure's message.
  let writing = prepared[0]?.dir
  const named: string[] = []
  try {
    for (const { dir, files, kept = [], current, previous } of prepared) {
      writing = dir
      // The pid in the name tells a later run whether the writer is still alive (see writers.ts).
      const staging = join(dirname(dir), `.lexgen-${basename(dir)}-${process.pid}-${randomBytes(4).toString('base64url').slice(0, RANDOM_LENGTH).replace(/[-_]/g, 'x')}`)
      // Registered before it exists, and made synchronously, as everything written into it is: a
      // stop signal's handler runs only between event-loop turns, so it never meets a mkdir or a
      // copy still in flight on the thread pool, which could recreate the folder it just removed.
      startWriting(staging)
      named.push(staging)
      mkdirSync(staging)
      swaps.push({ dir, staging, previous: `${staging}-previous` })
      if (previous) {
        try {
          chownSync(staging, -1, previous.gid)
        } catch {
          // best effort: only root or a member of the group may
        }
        chmodSync(staging, previous.mode & 0o7777)
      }
      for (const folder of new Set([...files.keys()].map((path) => dirname(join(staging, path))))) mkdirSync(folder, { recursive: true })
      for (const [path, content] of files) {
        if (current?.get(path) !== content || !linkedAlike(join(dir, path), join(staging, path), content)) writeFileSync(join(staging, path), content)
      }
      for (const path of kept) carry(join(dir, path), join(staging, path))
    }
    // Nothing is in flight here (every write above is synchronous), so the handler of a stop signal
    // that came meanwhile removes whole folders, and the run ends with nothing written.
    await stopSignalsHandled()
    // A copy of the journal next to each folder, so a later run over any of them finds it.
    const journals = swaps.map(({ staging }) => `${staging}${JOURNAL_SUFFIX}`)
    for (const journal of journals) {
      const home = dirname(journal)
      const entry = (path: string) => relative(home, path)
      const content: Journal = {
        swaps: swaps.map((swap) => ({ dir: entry(swap.dir), staging: entry(swap.staging), previous: entry(swap.previous) })),
        journals: journals.map(entry),
        ...(alongside.length ? { files: alongside.map(({ path, content }) => ({ path: entry(path), content })) } : {}),
        writer: ownStart(),
      }
      writeFileSync(`${journal}.tmp`, JSON.stringify(content) + '\n')
      renameSync(`${journal}.tmp`, journal)
    }
    return [...notes, ...(await rollForward(journals[0]!))]
  } catch (error) {
    // Before the journal exists, nothing has moved: the staging folders go, the outputs stay.
    if (!swaps.some(({ staging }) => existsSync(`${staging}${JOURNAL_SUFFIX}`))) {
      await Promise.all(swaps.map(({ staging }) => rm(staging, { recursive: true, force: true }).catch(() => {})))
      // A disk that filled up, a name too long for the staging folder beside the output (`.lexgen-<name>-…`).
      // The file system's refusal only: any other error is lexgen's own, and shows as such.
      if (isSystemError(error)) {
        const { code, path } = error
        // The staging folder's own name too long (not a file's inside it, which no folder name mends).
        const staging = code === 'ENAMETOOLONG' && path !== undefined && basename(path).startsWith('.lexgen-')
        const hint = staging ? ' (it is written beside the folder as .lexgen-<name>-<pid>-<random>: give the folder a shorter name)' : ''
        throw new LexgenError(`cannot stage its new content beside it: ${withoutRandom(error.message, named)}${hint}; nothing was written`, { file: writing ?? '.' })
      }
    }
    throw error
  } finally {
    for (const { staging } of swaps) doneWriting(staging)
  }
}

const RANDOM_LENGTH = 6

/**
 * A staging folder named as `<random>` in a failure's message: it is gone by then, and the same
 * failure worded alike is one `--watch` says as "the same problems as above".
 */
function withoutRandom(message: string, stagings: readonly string[]): string {
  return stagings.reduce((text, staging) => text.replaceAll(staging, `${staging.slice(0, -RANDOM_LENGTH)}<random>`), message)
}

/**
 * Links `from` as `to` when it still holds `content` (read back through the link: an editor may
 * have saved over it since it was read). False, leaving nothing at `to`, when it does not or the
 * file system refuses links: the caller writes the file instead.
 */
function linkedAlike(from: string, to: string, content: string): boolean {
  try {
    linkSync(from, to)
  } catch {
    return false
  }
  if (readFileSync(to, 'utf8') === content) return true
  rmSync(to)
  return false
}

/** Copies one entry as it is: a file's bytes and mode (copyFile keeps the mode), a link's target verbatim, a folder's mode. */
function carry(from: string, to: string): void {
  const info = lstatSync(from)
  mkdirSync(dirname(to), { recursive: true })
  if (info.isSymbolicLink()) symlinkSync(readlinkSync(from), to)
  else if (info.isDirectory()) {
    // Recursive: files written or carried before it may have made it already.
    mkdirSync(to, { recursive: true })
    chmodSync(to, info.mode & 0o7777)
  } else copyFileSync(from, to)
}

const JOURNAL_SUFFIX = '.swap'

/** What a swap journal records, as paths relative to the journal's own folder. */
interface Journal {
  readonly swaps: readonly { readonly dir: string; readonly staging: string; readonly previous: string }[]
  readonly journals: readonly string[]
  /** Files written with the swap, whole: rewriting one is safe however often a recovery is interrupted. */
  readonly files?: readonly { readonly path: string; readonly content: string }[]
  /** When the writing process started (writers.ts), where the system tells. */
  readonly writer?: string | undefined
}

/**
 * Completes the swaps a journal lists: for each folder whose staging dir is still there, the
 * current folder (if any) moves aside and the staging dir takes its place — back to back, without
 * yielding, so the moment with no output at all is two system calls long. Then the files written
 * alongside are (each to a temporary file renamed over it), and only then the journals and the
 * previous folders go; what cannot be removed is reported, not thrown. Safe to run again after an
 * interruption at any point.
 */
async function rollForward(journal: string): Promise<string[]> {
  const home = dirname(journal)
  const content = JSON.parse(readFileSync(journal, 'utf8')) as Journal
  const at = (path: string) => resolve(home, path)
  checkJournal(content, at, home, journal)
  for (const swap of content.swaps) {
    const [dir, staging, previous] = [at(swap.dir), at(swap.staging), at(swap.previous)]
    if (!existsSync(staging)) continue
    try {
      if (existsSync(dir)) renameSync(dir, previous)
      renameSync(staging, dir)
    } catch (error) {
      throw await swapFailed(content, at, dir, error as NodeJS.ErrnoException)
    }
  }
  // Named after the swap, not the process: a recovery interrupted in turn leaves a temporary file the next one replaces.
  const swapName = basename(content.journals[0]!, JOURNAL_SUFFIX).slice(1)
  for (const file of content.files ?? []) {
    const path = at(file.path)
    const temp = join(dirname(path), `.${basename(path)}.${swapName}.tmp`)
    try {
      writeFileSync(temp, file.content)
      renameSync(temp, path)
    } catch (error) {
      rmSync(temp, { force: true })
      throw new LexgenError(`cannot write ${path} (${(error as NodeJS.ErrnoException).code}); the folder beside it is new: remove the cause and run lexgen again, which writes it`, { file: path })
    }
  }
  const notes: string[] = []
  const remove = (path: string, what: string) =>
    rm(path, { recursive: true, force: true }).catch((error: Error) => {
      notes.push(`${what} is left at ${path} (${error.message}); remove it by hand`)
    })
  await Promise.all(content.journals.map((path) => remove(at(path), 'a finished swap journal')))
  await Promise.all(content.swaps.map((swap) => remove(at(swap.previous), 'the previous output')))
  return notes
}

/**
 * A journal names only what a swap of lexgen's makes: a folder and its `.lexgen-<name>-…` staging
 * beside it, that staging's `-previous`, `.lexgen-…swap` journals, and files (the lockfile) inside
 * the journal's own folder. A journal is found in the working tree, so a contributor can commit
 * one: anything else (`../`, an absolute path, another name) would let it write or remove what it
 * likes on whoever runs lexgen there. Refused whole, before anything moves.
 */
function checkJournal(content: Journal, at: (path: string) => string, home: string, journal: string): void {
  const refuse = (what: string) => new LexgenError(`${what}: not a journal lexgen wrote; delete it (nothing was done)`, { file: journal })
  const strings = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string')
  if (!Array.isArray(content.swaps) || !strings(content.journals) || (content.files !== undefined && !Array.isArray(content.files))) throw refuse('malformed')
  for (const path of content.journals) {
    if (!/^\.lexgen-.+\.swap$/.test(basename(at(path)))) throw refuse(`journal ${JSON.stringify(path)}`)
  }
  for (const swap of content.swaps) {
    if (![swap?.dir, swap?.staging, swap?.previous].every((path) => typeof path === 'string')) throw refuse('malformed swap')
    const [dir, staging, previous] = [at(swap.dir), at(swap.staging), at(swap.previous)]
    const sibling = dirname(dir) === dirname(staging) && basename(staging).startsWith(`.lexgen-${basename(dir)}-`) && previous === `${staging}-previous`
    if (!sibling) throw refuse(`swap of ${JSON.stringify(swap.dir)}`)
  }
  for (const file of content.files ?? []) {
    const path = typeof file?.path === 'string' ? at(file.path) : undefined
    if (path === undefined || typeof file.content !== 'string' || !isWithin(path, home)) throw refuse(`file ${JSON.stringify(file?.path)}`)
  }
}

/**
 * A rename of the swap failed: a folder that is a mount point (EBUSY), one a program holds open
 * (Windows), a file system that refuses. If no folder has moved yet, the run is undone (staging
 * folders and journals removed), so the outputs stay as they were and nothing is left to trip the
 * next run. Otherwise the journal stays, and the next run completes the swap once the cause is gone.
 */
async function swapFailed(content: Journal, at: (path: string) => string, dir: string, error: NodeJS.ErrnoException): Promise<LexgenError> {
  const untouched = content.swaps.every((swap) => existsSync(at(swap.staging)) && !existsSync(at(swap.previous)))
  const why = `cannot replace this folder by renaming it (${error.code}${error.code === 'EBUSY' ? ': is it a mount point? mount its parent folder instead' : ''})`
  if (!untouched) {
    return new LexgenError(`${why}; the new output is complete beside it: remove the cause and run lexgen again, which finishes the swap`, { file: dir })
  }
  await Promise.all([...content.journals, ...content.swaps.map((swap) => swap.staging)].map((path) => rm(at(path), { recursive: true, force: true })))
  return new LexgenError(`${why}; nothing was written`, { file: dir })
}

/**
 * Before anything moves: the swap needs to create and rename in `parent`, and to delete every
 * folder of the old output. A read-only folder found now is a clear error and an untouched output;
 * found after the swap, it would leave the old output behind.
 */
async function checkWritable(parent: string, dir: string, exists: boolean): Promise<void> {
  const folders = [parent, ...(exists ? await subfolders(dir) : [])]
  for (const folder of folders) {
    try {
      await access(folder, constants.W_OK | constants.X_OK)
    } catch (error) {
      throw new LexgenError(
        `cannot replace this folder: ${folder} is not writable (${(error as NodeJS.ErrnoException).code}); nothing was written`,
        { file: dir },
      )
    }
  }
}

/** The nearest of `dir` and its ancestors that exists: where the missing folders will be created. */
async function existingAncestor(dir: string): Promise<string> {
  for (let at = dir; ; at = dirname(at)) {
    if ((await statIfAny(at)) || dirname(at) === at) return at
  }
}

async function statIfAny(path: string): Promise<Stats | undefined> {
  return stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined
    throw new LexgenError(`cannot use the output directory: ${error.message}`, { file: path })
  })
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return [dir, ...entries.filter((entry) => entry.isDirectory()).map((entry) => join(entry.parentPath, entry.name))]
}

/** {@link recoverOutputDirs} for one folder. */
export async function recoverOutputDir(dir: string): Promise<string[]> {
  return recoverOutputDirs([dir])
}

/**
 * Cleans up after a run that was killed (SIGKILL, a crash, power loss) while writing `dirs`. A
 * journal left by a dead run is rolled forward first: its staging dirs are complete, and some
 * folders may already be swapped, so finishing is the only way to keep them at one generation.
 * Then leftovers without a journal, `.lexgen-<name>-<pid>-XXXXXX`, are removed (that run never
 * reached its swap), and a previous output orphaned between two renames, `…-previous` with the
 * folder itself missing, is put back. Leftovers of a live process (a concurrent run) are left
 * alone. Called before the folders are read or written. What it cannot remove it reports (the
 * returned notes) and leaves: it never fails a run.
 */
export async function recoverOutputDirs(dirs: readonly string[]): Promise<string[]> {
  const notes: string[] = []
  for (const dir of dirs) {
    for (const { path, kind, pid, staging } of await leftovers(dir)) {
      // Another folder's recovery may have completed (and removed) this copy of the journal already.
      if (kind === 'journal' && existsSync(path) && !writerAlive(pid, staging, journalWriter(path))) notes.push(...(await rollForward(path)))
    }
  }
  for (const dir of dirs) {
    for (const { path, kind, pid, staging } of await leftovers(dir)) {
      if (kind === 'journal' || writerAlive(pid, staging)) continue
      try {
        if (kind === 'previous' && !existsSync(dir)) await rename(path, dir)
        else await rm(path, { recursive: true, force: true })
      } catch (error) {
        notes.push(`could not clean up ${path}, left by an interrupted run (${(error as Error).message}); remove it by hand`)
      }
    }
  }
  return notes
}

/** The writer's start a journal records, if it can be read (rollForward reports a journal it cannot read). */
function journalWriter(path: string): string | undefined {
  try {
    const { writer } = JSON.parse(readFileSync(path, 'utf8')) as Journal
    return typeof writer === 'string' ? writer : undefined
  } catch {
    return undefined
  }
}

/** What lexgen runs left next to `dir`, in name order, each with the staging folder it belongs to. */
async function leftovers(dir: string): Promise<{ path: string; kind: 'staging' | 'previous' | 'journal' | 'partial'; pid: number; staging: string }[]> {
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
    const path = join(parent, name)
    return [{ path, kind, pid: Number(match[1]), staging: match[2] ? path.slice(0, -match[2].length) : path } as const]
  })
}
