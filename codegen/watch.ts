/**
 * `lexgen generate --watch`: a loop around the pipeline. Every change to the lexicon folder or
 * the config (debounced, see watcher.ts) re-reads everything and runs `generate` again: on
 * success it prints generate's summary line and what changed in the lexicons since the last good
 * run; on failure it prints the error and leaves the output as it was (generate writes nothing
 * unless every doc is good). Runs never overlap: changes during a run start one more run after
 * it. Stopping (Ctrl-C) waits for a run in progress, whose write is an atomic swap, so no
 * temporary folder is left behind; a run still waiting for another lexgen's lock just ends.
 */
import { relative } from 'node:path'
import type { ResolvedOptions } from './config.js'
import type { GenerateResult } from './index.js'
import type { ParsedDoc } from './parse.js'
import type { Selection } from './select.js'
import { compareLexicons, formatChangeReport, isEmpty } from './pull/report.js'
import { TreeWatcher } from './watcher.js'

export interface WatchContext {
  readonly cwd: string
  /** The config file's path (watched whether or not it exists). */
  readonly configFile: string
  /** Reads the config and flags afresh. */
  readonly resolve: () => Promise<ResolvedOptions>
  /** One generate run, writing the output and printing its summary line; with the files it rewrote. */
  readonly generate: (options: ResolvedOptions) => Promise<GenerateResult & { readonly rewritten: readonly string[] }>
  /** What the CLI prints for an error (a lexicon's problems with their lines and columns). */
  readonly errorText: (error: unknown) => string
  readonly err: (text: string) => void
  readonly warn: (text: string) => void
  readonly out: (text: string) => void
  readonly stop: AbortSignal
}

export async function watchGenerate(ctx: WatchContext): Promise<number> {
  // The last good run's docs and the selection they were generated through (the config may change it).
  let lastGood: { readonly docs: readonly ParsedDoc[]; readonly selection: Selection } | undefined
  let lexicons: string | undefined
  // What each run writes: never watched, even inside the lexicon folder.
  let outputs: string[] = []
  let running: Promise<void> | undefined
  let again = false

  // Watches are re-armed after each run, off the path from a save to the output. A change during
  // a run to a watched folder starts another run; a file written into a folder that was not
  // watched yet (new, or swapped in) is covered by one more run whenever re-arming finds such a
  // folder. The first run arms them before it reads anything.
  let armed = false
  // Once stopped, a run still finishing must not re-arm the watchers (they would keep the process alive).
  const arm = async () => !ctx.stop.aborted && watcher.sync(lexicons ? [lexicons] : [], [ctx.configFile], outputs)
  // A run that fails as the one before did (the extra run after re-arming, a save seen as two
  // events) says so in a line instead of printing every problem again.
  let lastError: string | undefined
  const keptText = (folders: readonly string[]) => {
    const names = folders.map((dir) => relative(ctx.cwd, dir) || '.')
    return `${names.join(' and ')} keep${names.length > 1 ? '' : 's'} the last good output`
  }
  const failed = (error: unknown, outcome: string) => {
    // As printed: a problem moved to another line is not the same as above.
    const text = ctx.errorText(error)
    if (text === lastError) {
      ctx.out(`lexgen: the same problems as above; ${outcome}; watching for changes\n`)
      return
    }
    lastError = text
    ctx.err(text)
    ctx.out(`lexgen: ${outcome}; watching for changes\n`)
  }
  const runOnce = async () => {
    let options: ResolvedOptions | undefined
    try {
      options = await ctx.resolve()
      lexicons = options.lexicons
      outputs = [options.out, ...(options.docs ? [options.docs.dir] : [])]
    } catch (error) {
      // The folders of the last run that resolved its options, if any.
      failed(error, outputs.length ? keptText(outputs) : 'nothing generated')
    }
    if (!armed) {
      await arm()
      armed = true
    }
    try {
      if (options) await generateOnce(options)
    } finally {
      if (await arm()) schedule()
    }
  }
  const generateOnce = async (options: ResolvedOptions) => {
    try {
      const result = await ctx.generate(options)
      if (lastGood) {
        const report = await compareLexicons(lastGood.docs, result.parsed, { before: lastGood.selection, after: options })
        ctx.out(`lexgen: ${formatChangeReport(report)}`)
        // A doc read from another file: its module's header names the file, and nothing else changes.
        const moved = movedDocs(lastGood.docs, result.parsed)
        if (moved.length) ctx.out(`lexgen: ${listed(moved)} now read from another file, which the generated headers name\n`)
        // No lexicon changed, yet files were rewritten: a hand edit undone (the output is not watched), or a config option applied.
        else if (isEmpty(report) && result.rewritten.length) ctx.out(`lexgen: rewrote ${listed(result.rewritten)}, which differed from what the lexicons and the config generate (edited by hand?)\n`)
      }
      lastGood = { docs: result.parsed, selection: options }
      lastError = undefined
    } catch (error) {
      // Stopped while waiting for another lexgen's lock: nothing was written, and nothing went wrong.
      if (ctx.stop.aborted && (error as Error).name === 'AbortError') {
        ctx.out(`lexgen: stopped while waiting for another lexgen: the last change was not generated\n`)
        return
      }
      failed(error, keptText(outputs))
    }
  }
  const schedule = () => {
    if (ctx.stop.aborted) return
    if (running) {
      again = true
      return
    }
    running = runOnce().finally(() => {
      running = undefined
      if (again && !ctx.stop.aborted) {
        again = false
        schedule()
      }
    })
  }
  const watcher = new TreeWatcher(schedule, ctx.warn)

  ctx.out('lexgen: watching the lexicons and the config (Ctrl-C to stop)\n')
  schedule()
  await new Promise<void>((resolve) => (ctx.stop.aborted ? resolve() : ctx.stop.addEventListener('abort', () => resolve(), { once: true })))
  watcher.close()
  while (running) await running
  ctx.out('lexgen: stopped watching\n')
  return 0
}

/** The NSIDs both runs read, each now from another file than before. */
function movedDocs(before: readonly ParsedDoc[], after: readonly ParsedDoc[]): string[] {
  const files = new Map(before.map(({ doc, file }) => [doc.id, file]))
  return after.filter(({ doc, file }) => files.has(doc.id) && files.get(doc.id) !== file).map(({ doc }) => doc.id)
}

/** Up to three paths or names, then how many more. */
function listed(paths: readonly string[]): string {
  return paths.length > 3 ? `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more` : paths.join(', ')
}

/** The signals lexgen stops on cleanly: Ctrl-C, a cancelled CI job or `kill`, a closed terminal. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
export type StopSignal = (typeof STOP_SIGNALS)[number]

/** Aborts on the first stop signal (a second Ctrl-C then kills the process as usual). */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  const abort = () => controller.abort()
  for (const signal of STOP_SIGNALS) process.once(signal, abort)
  return {
    signal: controller.signal,
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, abort)
    },
  }
}
