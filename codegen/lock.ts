/**
 * One lexgen at a time per folder it replaces (generate's output and docs, pull's lexicon folder).
 * The swap in write.ts is atomic for one run; two runs at once (`generate --watch` in one terminal,
 * `generate` or `pull` in another; two CI jobs in one workspace) would interleave their renames:
 * code and docs from different generations, a check reading a folder moved aside, or a journal
 * that no later run can complete; a run reading the lexicon folder during a pull's swap finds it
 * missing, or half old and half new. So a run holds `.lexgen-<name>-lock` beside each folder while
 * it reads it, and a writer until the end of its swap; a second run waits, saying for whom.
 *
 * The lock names its holder as a swap journal does (writers.ts); a holder that is gone (killed), or
 * a lock no lexgen on this machine wrote, is lost to the next run. Where the lock cannot be made at
 * all (a read-only or missing parent), no lexgen can be replacing the folder either: the run goes
 * on, and its write reports the cause.
 */
import { lstatSync, readFileSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { LexgenError } from './errors.js'
import { compare } from './order.js'
import { doneWriting, lockHolderAlive, ownStart, startWriting } from './writers.js'

/** How often a waiting run looks again: a holder killed by SIGKILL never says it is done. */
const POLL_MS = 50

/** What a lock file records. */
interface Holder {
  readonly pid: number
  readonly writer?: string | undefined
}

/**
 * Locks `dirs`, waiting while another run holds one of them (`note` is told so once per folder,
 * the folder named from `cwd`), and resolves to the function that unlocks them. Folders are locked
 * in one order by every run, so two runs never wait on each other. `stop` (Ctrl-C in `--watch`)
 * ends a wait: it rejects with an AbortError, holding nothing, as nothing has been written yet.
 */
export async function lockFolders(dirs: readonly string[], cwd: string, note: (text: string) => void, stop?: AbortSignal): Promise<() => void> {
  const waiting = (pid: number, dir: string) => note(`waiting for another lexgen (pid ${pid}), which is writing ${relative(cwd, dir) || '.'}`)
  const held: string[] = []
  const release = () => {
    for (const lock of held.splice(0)) {
      rmSync(lock, { force: true })
      doneWriting(lock)
    }
  }
  try {
    for (const dir of [...new Set(dirs)].sort(compare)) {
      const lock = join(dirname(dir), `.lexgen-${basename(dir)}-lock`)
      if (await acquire(lock, dir, waiting, stop)) held.push(lock)
    }
  } catch (error) {
    release()
    throw error
  }
  return release
}

async function acquire(lock: string, dir: string, waiting: (pid: number, dir: string) => void, stop?: AbortSignal): Promise<boolean> {
  let told = false
  // A lock not naming its holder yet: being written (it is created empty, then written), or its
  // writer was killed in between. Seen unchanged after a wait, it is the latter.
  let nameless: string | undefined
  for (;;) {
    try {
      writeFileSync(lock, JSON.stringify({ pid: process.pid, writer: ownStart() } satisfies Holder) + '\n', { flag: 'wx' })
      // Known as this process's own (writers.ts): a Ctrl-C removes it, and a run in this process waits for it.
      startWriting(lock)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false
    }
    const seen = readLock(lock)
    if (seen === undefined) {
      // Released meanwhile, or no file lexgen writes (a folder, a link: committed to the checkout),
      // which would spin here forever, deaf to a stop signal.
      if (lstatIfAny(lock)?.isFile() === false) throw new LexgenError(`no lock lexgen wrote (a folder or a link): delete it`, { file: lock })
      continue
    }
    const holder = parseHolder(seen)
    if (holder ? !lockHolderAlive(holder.pid, lock, holder.writer) : seen === nameless) {
      takeOver(lock, seen)
      continue
    }
    if (holder && !told) {
      waiting(holder.pid, dir)
      told = true
    }
    nameless = holder ? undefined : seen
    await sleep(POLL_MS, undefined, { signal: stop })
  }
}

/**
 * Removes the lock of a holder that is gone. It is first renamed to a name of this run's own, which
 * only one run can do: if another run took it over and locked again meanwhile, what this run moved
 * is that live lock, and it goes back.
 */
function takeOver(lock: string, seen: string): void {
  const mine = `${lock}-${process.pid}-old`
  try {
    renameSync(lock, mine)
  } catch {
    return // another run moved it first
  }
  let stale = false
  try {
    stale = readLock(mine) === seen
  } finally {
    // Put back unless it is the one seen: a live lock must not stay moved aside, even when it cannot be read.
    if (stale) rmSync(mine, { force: true })
    else renameSync(mine, lock)
  }
}

function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

/** A lock's text; undefined when it is gone (released), or no file (acquire says so). */
function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ELOOP') return undefined
    // Another user's (a shared checkout, umask 077): retried, it would spin at full CPU, deaf to a stop signal.
    throw new LexgenError(`cannot be read (${code}), so whose lock it is cannot be told: delete it if no lexgen is running`, { file: path })
  }
}

/** The holder a lock names; undefined while it names none (see acquire). */
function parseHolder(text: string): Holder | undefined {
  try {
    const { pid, writer } = JSON.parse(text) as Partial<Holder>
    return typeof pid === 'number' ? { pid, writer: typeof writer === 'string' ? writer : undefined } : undefined
  } catch {
    return undefined
  }
}
