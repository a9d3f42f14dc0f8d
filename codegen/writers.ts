/**
 * Whether the run that left a staging folder or a swap journal still runs: a live one is writing
 * (leave its files alone), a dead one was killed (finish or remove what it left).
 *
 * A pid alone cannot tell. In a container lexgen is often PID 1 on every run, so a journal a
 * killed run left carries the pid of the run reading it; and a pid is reused, so a later,
 * unrelated process can hold a dead run's pid for as long as it likes. So a run knows its own
 * folders by path, and a journal records when its writer started (on Linux: the boot and the
 * start time in /proc), which a process that merely got the same pid does not share.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'

/** Staging folders this process is writing now. */
const ownWriting = new Set<string>()

export function startWriting(staging: string): void {
  ownWriting.add(staging)
}

export function doneWriting(staging: string): void {
  ownWriting.delete(staging)
}

/**
 * Lets a stop signal that came during the synchronous writes of the staging folders be handled
 * before the journal commits them. Node runs a signal's handler in the event loop's poll phase,
 * and after the other I/O events of that phase, so one awaited file operation can finish first;
 * an immediate scheduled from an immediate runs only after a whole poll phase in which the signal
 * was already waiting.
 */
export function stopSignalsHandled(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}

/**
 * On Ctrl-C: removes what this process was writing that no journal has committed yet, so an
 * interrupted run leaves nothing behind. True when a swap was already committed: its journal is
 * left for the next run to complete (see write.ts).
 */
export function abandonOwnWrites(): boolean {
  let committed = false
  for (const staging of ownWriting) {
    if (existsSync(`${staging}.swap`)) committed = true
    else rmSync(staging, { recursive: true, force: true })
  }
  return committed
}

/** When this process started, as a journal records it (undefined where /proc cannot tell). */
export function ownStart(): string | undefined {
  // Read once: a waiting run asks at every look at a lock (lock.ts), and it never changes.
  own ??= { start: processStart(process.pid) }
  return own.start
}

let own: { readonly start: string | undefined } | undefined

/**
 * Whether the holder a lock names still runs. Where /proc tells start times every lexgen's lock
 * records its writer's, so one that records none was not written by a lexgen on this machine: made
 * by hand, or committed to the checkout, where its pid can be one that never ends (PID 1 in a
 * container) and a run would wait for it until CI gives up.
 */
export function lockHolderAlive(pid: number, lock: string, start: string | undefined): boolean {
  if (start === undefined && pid !== process.pid && ownStart() !== undefined) return false
  return writerAlive(pid, lock, start)
}

/**
 * Whether the writer of `staging` (a leftover named after `pid`) still runs; `start` is what its
 * journal recorded, when it has one that did.
 */
export function writerAlive(pid: number, staging: string, start?: string): boolean {
  if (pid === process.pid) return ownWriting.has(staging)
  if (!pidExists(pid)) return false
  if (start === undefined) return true
  const current = processStart(pid)
  return current === undefined || current === start
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

let bootId: string | undefined

/** The boot and the start time (clock ticks since boot) of process `pid`, from /proc: Linux only. */
export function processStart(pid: number): string | undefined {
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces and parentheses); start time is field 22.
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
    return start === undefined ? undefined : `${bootId}:${start}`
  } catch {
    return undefined
  }
}
