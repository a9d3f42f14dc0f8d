/**
 * The checker's worker thread (lexicon-check-worker.ts), which can be started before anything else: its
 * fresh isolate spends ~100 ms loading @atproto/lexicon before it can check a doc. The `lexgen`
 * binary starts it first thing for `generate` and `check`, so that this happens while the main
 * thread loads the CLI and reads the lexicons; check.ts takes it when it needs it. Kept free of
 * imports beyond Node's so that starting it costs nothing else.
 */
import { Worker } from 'node:worker_threads'

let early: Worker | undefined

/** Starts the thread now, for a later `checkerThread()`. It does not keep the process alive meanwhile. */
export function startCheckerThread(): void {
  early ??= spawn()
  early.unref()
}

/** The thread started early, unless it has already stopped; else a new one. */
export function checkerThread(): Worker {
  const worker = early !== undefined && early.threadId >= 0 ? early : spawn()
  early = undefined
  worker.ref()
  return worker
}

function spawn(): Worker {
  // No flags of this process (`--input-type`, `--cpu-prof`, ...): the worker runs one compiled module.
  const worker = new Worker(new URL('./lexicon-check-worker.js', import.meta.url), { execArgv: [] })
  // Until check.ts listens, a thread that fails must not crash the process: check.ts then finds it stopped.
  worker.on('error', () => {})
  return worker
}
