/**
 * Select, check and build, overlapped: @atproto/lexicon's check of the docs (parse.ts: loading its
 * schemas and checking 402 docs take ~0.4 s of CPU) runs on a worker thread, while this thread
 * selects with the ids as written and builds (models and emits) that selection. When the check
 * is in, the selection is made again with its verdicts, exactly as `selectDocs` always does: if
 * it finds problems, they are thrown and what was built is dropped; if it picks other docs (a bad
 * id changed what a reference points to), the build is redone. So the output and every message
 * are what the sequential pipeline gives, and nothing built from an unchecked doc is ever kept.
 *
 * The check runs in this thread instead when asked (`--watch`, where the schemas stay loaded and
 * warm between runs) and when running from the TypeScript sources (the tests), which have no
 * compiled worker to start.
 */
import type { Worker } from 'node:worker_threads'
import type { LexiconDoc } from '@atproto/lexicon'
import { checkerThread } from './check-thread.js'
import { LexiconErrors, type LexiconProblem } from './errors.js'
import type { LoadedFile, LoadedLexicons } from './load.js'
import { checkIds, idsAsWritten, parseDoc, skimLexicons, type IdVerdict, type ParsedDoc, type SkimmedDoc } from './parse.js'
import { selectDocs, type DocCheck, type SelectedLexicons, type Selection } from './select.js'

/**
 * Main thread → worker: first every file loaded, in order (the worker answers with their id
 * verdicts); then, any number of times, files to check fully (indices into those files).
 */
export type CheckerRequest = { readonly files: readonly LoadedFile[] } | { readonly check: readonly number[] }

/** Worker → main thread: the id verdicts (first), then each request's problems (null: the doc passes). */
export type CheckerReply = { readonly ids: IdVerdict[] } | { readonly checked: (LexiconProblem[] | null)[] }

/** A selection that passed its check, and what `build` made of its docs. */
export interface CheckedBuild<T> {
  readonly selected: SelectedLexicons
  readonly built: T
}

/**
 * Selects from `loaded`, checks the selection, and returns `build`'s result for its docs, or
 * throws `LexiconErrors` listing every problem that matters (as `selectDocs` reports them).
 */
export async function checkedBuild<T>(
  loaded: LoadedLexicons,
  selection: Selection,
  build: (docs: readonly ParsedDoc[]) => T,
  { inThread = false }: { inThread?: boolean } = {},
): Promise<CheckedBuild<T>> {
  const checker = inThread || !import.meta.url.endsWith('.js') ? new InlineChecker(loaded) : new WorkerChecker(loaded)
  try {
    const index = new Map(loaded.files.map(({ file }, i) => [file, i]))
    const skimmed = skimLexicons(loaded, idsAsWritten(loaded.files))
    let guess: readonly ParsedDoc[] | undefined
    try {
      guess = selectDocs(skimmed, selection, passes).docs
    } catch {
      // Nothing matched the ids as written: the checked selection below says what to report.
    }
    // Every doc under --strict; otherwise the docs the selection is likely to be.
    checker.request((selection.strict ? skimmed.docs : (guess ?? [])).map((doc) => index.get(doc.file)!))
    const attempt = guess && tryBuild(() => build(guess!))

    const lexicons = skimLexicons(loaded, await checker.ids)
    let selected: SelectedLexicons
    for (;;) {
      const verdicts = await checker.verdicts()
      const missing: number[] = []
      const check: DocCheck = (doc) => {
        const verdict = verdicts.get(index.get(doc.file)!)
        if (verdict === undefined) missing.push(index.get(doc.file)!)
        return verdict ? { problems: verdict } : passes(doc)
      }
      selected = selectDocs(lexicons, selection, check)
      if (missing.length === 0) break
      checker.request(missing) // a doc the guess left out: checked, then selected again
    }
    if (selected.errors.length) throw new LexiconErrors(selected.errors, selected.warnings)
    if (attempt && sameDocs(selected.docs, guess!)) {
      if ('error' in attempt) throw attempt.error
      return { selected, built: attempt.value }
    }
    return { selected, built: build(selected.docs) }
  } finally {
    checker.close()
  }
}

/** A doc taken as it is: on trust, or because the checker passed it. */
const passes = (doc: SkimmedDoc): { doc: ParsedDoc } => ({ doc: { file: doc.file, doc: doc.json as unknown as LexiconDoc } })

function tryBuild<T>(build: () => T): { value: T } | { error: unknown } {
  try {
    return { value: build() }
  } catch (error) {
    return { error }
  }
}

function sameDocs(a: readonly ParsedDoc[], b: readonly ParsedDoc[]): boolean {
  return a.length === b.length && a.every((doc, i) => doc.doc === b[i]!.doc)
}

/** What checkedBuild needs of a checker, wherever it runs. */
interface Checker {
  /** The id verdicts of every file loaded, in order. */
  readonly ids: Promise<IdVerdict[]>
  /** Starts the full check of these files (indices into the files loaded). */
  request(files: readonly number[]): void
  /** Problems by file index (null: passes) of every file requested so far, once all are in. */
  verdicts(): Promise<ReadonlyMap<number, LexiconProblem[] | null>>
  close(): void
}

/**
 * The check on a worker thread. Should the thread fail (it cannot start, or stops), the same
 * check runs here instead: a run is never lost to it, only slower.
 */
class WorkerChecker implements Checker {
  readonly ids: Promise<IdVerdict[]>
  private readonly worker: Worker
  private readonly results = new Map<number, LexiconProblem[] | null>()
  /** Every file requested, for the fallback. */
  private readonly requested: number[] = []
  /** Requests not answered yet, in the order sent (the worker answers in that order). */
  private readonly pending: { files: readonly number[]; done: () => void; fail: (error: unknown) => void }[] = []
  private readonly answered: Promise<void>[] = []
  private failed = false
  private fallback?: InlineChecker

  constructor(private readonly loaded: LoadedLexicons) {
    this.worker = checkerThread()
    this.worker.postMessage({ files: loaded.files } satisfies CheckerRequest)
    let failIds: (error: unknown) => void = () => {}
    const ids = new Promise<IdVerdict[]>((resolve, reject) => {
      failIds = reject
      this.worker.on('message', (reply: CheckerReply) => {
        if ('ids' in reply) return resolve(reply.ids)
        const request = this.pending.shift()!
        request.files.forEach((file, i) => this.results.set(file, reply.checked[i]!))
        request.done()
      })
    })
    this.ids = ids.catch(() => this.inline().ids)
    const fail = (error: unknown) => {
      this.failed = true
      failIds(error)
      for (const request of this.pending.splice(0)) request.fail(error)
    }
    this.worker.on('error', fail)
    this.worker.on('messageerror', fail)
    this.worker.on('exit', (code) => fail(new Error(`the worker thread stopped (exit code ${code})`)))
  }

  request(files: readonly number[]): void {
    if (files.length === 0) return
    this.requested.push(...files)
    if (this.failed) return
    const answered = new Promise<void>((done, fail) => this.pending.push({ files, done, fail }))
    answered.catch(() => {}) // awaited by verdicts(), maybe after it fails
    this.answered.push(answered)
    this.worker.postMessage({ check: files } satisfies CheckerRequest)
  }

  async verdicts(): Promise<ReadonlyMap<number, LexiconProblem[] | null>> {
    try {
      await Promise.all(this.answered)
      if (!this.failed) return this.results
    } catch {
      // The worker failed: see below.
    }
    const inline = this.inline()
    inline.request(this.requested.filter((file) => !inline.has(file)))
    return inline.verdicts()
  }

  private inline(): InlineChecker {
    return (this.fallback ??= new InlineChecker(this.loaded))
  }

  close(): void {
    this.worker.removeAllListeners('exit')
    void this.worker.terminate()
  }
}

/** The same answers, computed here when asked. */
class InlineChecker implements Checker {
  private readonly results = new Map<number, LexiconProblem[] | null>()

  constructor(private readonly loaded: LoadedLexicons) {}

  get ids(): Promise<IdVerdict[]> {
    return Promise.resolve(checkIds(this.loaded.files))
  }

  has(file: number): boolean {
    return this.results.has(file)
  }

  request(files: readonly number[]): void {
    for (const i of files) {
      const { file, json } = this.loaded.files[i]!
      const result = parseDoc({ file, id: '', json: json as SkimmedDoc['json'] })
      this.results.set(i, 'problems' in result ? result.problems : null)
    }
  }

  async verdicts(): Promise<ReadonlyMap<number, LexiconProblem[] | null>> {
    return this.results
  }

  close(): void {}
}
