/**
 * Select, check and build, overlapped: @atproto/lexicon's full check of the docs that matter
 * (parse.ts: loading its schemas and checking the 44 docs of a typical closure take ~0.15 s of
 * CPU; the whole corpus ~0.4 s) runs on a worker thread, while this thread builds (models and
 * emits) the selection. Which docs matter is known before any verdict: the ids are checked here
 * (cheaply, `skimLexicons`), and the reference closure follows the references of a doc whatever
 * its verdict, so the check changes what is reported, never what is selected. When the verdicts
 * are in, the selection is made with them exactly as `selectDocs` always does: if it finds
 * problems, they are thrown and what was built is dropped. So the output and every message are
 * what the sequential pipeline gives, and nothing built from an unchecked doc is ever kept.
 *
 * The check runs in this thread instead when asked (`--watch`, where the schemas stay loaded and
 * warm between runs) and when running from the TypeScript sources (the tests), which have no
 * compiled worker to start.
 */
import type { LexiconDoc } from '@atproto/lexicon'
import { checkerThread } from './lexicon-check-thread.js'
import { LexiconErrors, type LexiconProblem } from './errors.js'
import type { LoadedLexicons } from './load.js'
import { parseDoc, skimLexicons, type ParsedDoc, type SkimmedDoc } from './parse.js'
import { selectDocs, type SelectedLexicons, type Selection } from './select.js'

/** Main thread → worker: the docs to check fully. */
export type CheckerRequest = { readonly docs: readonly SkimmedDoc[] }

/** Worker → main thread: each doc's problems, in the order asked (null: the doc passes). */
export type CheckerReply = { readonly problems: (LexiconProblem[] | null)[] }

/** Problems by file (null: the doc passes). */
type Verdicts = ReadonlyMap<string, LexiconProblem[] | null>

/** A selection that passed its check, and what `build` made of its docs. */
export interface CheckedBuild<T> {
  readonly selected: SelectedLexicons
  readonly built: T
}

/**
 * Selects from `loaded`, checks the selection, and returns `build`'s result for its docs, or
 * throws `LexiconErrors` listing every problem that matters (as `selectDocs` reports them), and
 * the lexicon folder the files were read from (`folder`), if given.
 */
export async function checkedBuild<T>(
  loaded: LoadedLexicons,
  selection: Selection,
  build: (docs: readonly ParsedDoc[]) => T,
  { inThread = false, folder }: { inThread?: boolean; folder?: string } = {},
): Promise<CheckedBuild<T>> {
  const lexicons = skimLexicons(loaded)
  // Every doc taken on trust: the closure, as it will be once checked (it throws when nothing matches).
  const trusted = selectDocs(lexicons, selection, passes)
  const inClosure = new Set(trusted.docs.map((doc) => doc.file))
  const check = selection.strict ? lexicons.docs : lexicons.docs.filter((doc) => inClosure.has(doc.file))
  const checking = inThread || !import.meta.url.endsWith('.js') ? checkInThread(check) : checkOnWorker(check)
  const attempt = tryBuild(() => build(trusted.docs))
  const verdicts = await checking
  // When every doc passes, the selection on trust is the checked one; otherwise it is made again with the verdicts.
  const selected = [...verdicts.values()].every((problems) => problems === null)
    ? trusted
    : selectDocs(lexicons, selection, (doc) => {
        const problems = verdicts.get(doc.file)
        return problems ? { problems } : passes(doc)
      })
  if (selected.errors.length) throw new LexiconErrors(selected.errors, selected.warnings, folder)
  if ('error' in attempt) throw attempt.error
  return { selected, built: attempt.value }
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

function checkInThread(docs: readonly SkimmedDoc[]): Promise<Verdicts> {
  return Promise.resolve(
    new Map(
      docs.map((doc) => {
        const result = parseDoc(doc)
        return [doc.file, 'problems' in result ? result.problems : null]
      }),
    ),
  )
}

/**
 * The check on a worker thread (lexicon-check-worker.ts). Should the thread fail (it cannot start, or
 * stops), the same check runs here instead: a run is never lost to it, only slower.
 */
function checkOnWorker(docs: readonly SkimmedDoc[]): Promise<Verdicts> {
  const worker = checkerThread()
  const answer = new Promise<Verdicts>((resolve, reject) => {
    worker.on('message', ({ problems }: CheckerReply) => resolve(new Map(docs.map((doc, i) => [doc.file, problems[i]!]))))
    worker.on('error', reject)
    worker.on('messageerror', reject)
    worker.on('exit', (code) => reject(new Error(`the worker thread stopped (exit code ${code})`)))
  })
  worker.postMessage({ docs } satisfies CheckerRequest)
  return answer
    .catch(() => checkInThread(docs))
    .finally(() => {
      worker.removeAllListeners('exit')
      void worker.terminate()
    })
}
