/**
 * The codegen pipeline, one stage per module, plain data between them:
 * load files → skim ids → select the reference closure (checking those docs fully) → model names →
 * emit files (and, when asked, their Markdown reference) → with `--emit js`, compile them to JavaScript.
 * The check runs on a worker thread alongside modelling and emitting (lexicon-check.ts), which are kept
 * only when it passes.
 */
import { existsSync } from 'node:fs'
import { checkedBuild } from './lexicon-check.js'
import { emit, type OutputFiles } from './emit.js'
import { LexgenError, type LexiconProblem } from './errors.js'
import type { ResolvedOptions } from './config.js'
import { loadLexiconFiles, type LoadCache, type LoadedLexicons } from './load.js'
import { buildModel, type NameClash } from './model.js'
import { ignoredKeys, withoutIgnoredKeys } from './ignored-keys.js'
import { isLexiconFile, type ParsedDoc } from './parse.js'
import { didYouMean, type OverriddenExclude, type UnmatchedPattern } from './select.js'
import { runner } from './runner.js'
import { recoverOutputDir } from './write.js'

export interface GenerateResult {
  readonly files: OutputFiles
  /** The Markdown reference, when `options.docs` asks for it. */
  readonly docs?: OutputFiles
  /** The selected docs and their references, validated: what `--watch` compares with the last good run. */
  readonly parsed: readonly ParsedDoc[]
  readonly docsRead: number
  readonly docsSelected: number
  /** Problems with docs outside the selection's closure: reported, not fatal (see `--strict`). */
  readonly warnings: readonly LexiconProblem[]
  /** Include patterns that matched nothing while others did, and exclude patterns that match nothing, with "did you mean" suggestions. */
  readonly unmatched: readonly UnmatchedPattern[]
  /** Exclude patterns whose docs the selection references, so they are generated all the same. */
  readonly overridden: readonly OverriddenExclude[]
  /** Docs exported under another name than their NSID's (a doc that camel-cases alike sorts first). */
  readonly nameClashes: readonly NameClash[]
  /** References no value can pass (to a record or a token def): see SelectedLexicons.uncheckable. */
  readonly uncheckable: readonly LexiconProblem[]
  /** Keys of the selected docs' schemas that their type does not define, so nothing reads (ignored-keys.ts). */
  readonly ignoredKeys: readonly LexiconProblem[]
}

/** What to do about a lexicon folder that is not there: pull what the config names, if it names any. */
function missingLexiconsFix(options: ResolvedOptions): string {
  const elsewhere = 'point "lexicons" (or --lexicons) at a folder that holds them'
  return options.pulled
    ? `\`${runner().lexgen} pull\` fetches the lexicons lexgen.config.json names, or ${elsewhere}`
    : `${elsewhere}, write your own there (one JSON file each), or fetch them into it with \`${runner().lexgen} pull <nsid or authority.*>\``
}

/**
 * Runs the pipeline in memory: the output is returned, not written. The one change it may make on
 * disk is to the lexicon folder: a pull killed amid swapping it has that swap (and its lockfile)
 * completed before the folder is read. Throws `LexiconErrors` listing every bad doc that
 * matters. `cache` keeps files read across runs (`--watch`, which also keeps the check in this thread).
 * `hold` holds the lexicon folder while it is read, and resolves to what lets it go (the CLI waits
 * there for a pull swapping it, which would be read missing, or half old and half new).
 */
export async function generate(options: ResolvedOptions, cache?: LoadCache, hold?: (lexicons: string) => Promise<() => void>): Promise<GenerateResult> {
  const release = await hold?.(options.lexicons)
  let loaded: LoadedLexicons
  try {
    // A pull killed amid its swap left the folder moved aside or not yet replaced: its swap, and
    // its lockfile, are completed first. (What that cannot clean up stays for the next pull to report.)
    await recoverOutputDir(options.lexicons)
    // The usual first-run slip, generate before pull, said with its fix.
    if (!existsSync(options.lexicons)) throw new LexgenError(`the lexicon folder does not exist: ${missingLexiconsFix(options)}`, { file: options.lexicons })
    loaded = await loadLexiconFiles(options.lexicons, cache)
  } finally {
    release?.()
  }
  if (loaded.files.length + loaded.problems.length === 0) throw new LexgenError('no lexicon files (*.json) found', { file: options.lexicons })
  // Loaded only when asked for: most runs write no docs.
  const emitDocs = options.docs && (await import('./emit/docs/index.js')).emitDocs
  const { selected, built } = await checkedBuild(
    loaded,
    options,
    (docs) => {
      const model = buildModel(docs.map(withoutIgnoredKeys), options)
      return { files: emit(model), docs: emitDocs ? emitDocs(model, options.docs!, options.emit) : undefined, nameClashes: model.nameClashes }
    },
    { inThread: cache !== undefined, folder: options.lexicons },
  )
  // A warning when other patterns match; under --strict (CI, where a warning passes unread) it stops
  // the run: an include the lexicons lack (added to the config, not to what is pulled) generates nothing.
  const missing = selected.unmatched.filter((pattern) => pattern.option === 'include')
  if (options.strict && missing.length) throw new LexgenError(`${missing.map(didYouMean).join('\n')} (--strict makes this an error)`)
  let { files, docs } = built
  if (options.emit === 'js') {
    // Loads the TypeScript compiler: only for this option.
    const { compileToJavaScript, javascriptExamples } = await import('./javascript.js')
    files = await compileToJavaScript(files)
    if (docs) docs = await javascriptExamples(docs)
  }
  return {
    files,
    ...(docs ? { docs } : {}),
    parsed: selected.docs,
    docsRead: loaded.files.length + loaded.problems.filter((problem) => isLexiconFile(problem.file)).length,
    docsSelected: selected.docs.length,
    warnings: selected.warnings,
    unmatched: selected.unmatched,
    overridden: selected.overridden,
    nameClashes: built.nameClashes,
    uncheckable: selected.uncheckable,
    ignoredKeys: selected.docs.flatMap(ignoredKeys),
  }
}

export { LexgenError, LexiconErrors, type LexiconProblem } from './errors.js'
export type { Options } from './config-file.js'
export { resolveOptions, type ResolvedOptions } from './config.js'
export { diffOutput, formatDiff, isClean, type OutputDiff } from './output-diff.js'
export { loadLexiconFiles, type LoadedLexicons } from './load.js'
export { parseLexiconDocs, type ParsedDoc } from './parse.js'
export { readOutputDir } from './output-read.js'
export { writeOutputDirs } from './write.js'
export type { OutputFiles } from './emit.js'
export {
  compareLexicons,
  exitCodeFor,
  failsOn,
  formatChangeReport,
  readLexiconDir,
  readLexiconsAtRef,
  RULES,
  type Change,
  type ChangeClass,
  type ChangeKind,
  type ChangeReport,
  type CompareOptions,
  type FailOn,
  type LexiconSet,
  type ReportFormat,
  type Side,
} from './changes/index.js'

