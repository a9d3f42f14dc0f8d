/**
 * The codegen pipeline, one stage per module, plain data between them:
 * load files → parse/validate docs → select the reference closure → model names → emit files
 * (and, when asked, their Markdown reference).
 */
import { emit, type OutputFiles } from './emit.js'
import { emitDocs } from './emit/docs/index.js'
import { LexgenError } from './errors.js'
import type { ResolvedOptions } from './config.js'
import { loadLexiconFiles, type LoadCache } from './load.js'
import { buildModel } from './model.js'
import { parseLexiconDocs, type ParsedDoc } from './parse.js'
import { selectDocs } from './select.js'

export interface GenerateResult {
  readonly files: OutputFiles
  /** The Markdown reference, when `options.docs` asks for it. */
  readonly docs?: OutputFiles
  /** Every lexicon doc read and validated (what `--watch` compares with the last good run). */
  readonly parsed: readonly ParsedDoc[]
  readonly docsRead: number
  readonly docsSelected: number
}

/** Runs the pipeline in memory; nothing is written. `cache` keeps files read across runs (`--watch`). */
export async function generate(options: ResolvedOptions, cache?: LoadCache): Promise<GenerateResult> {
  const loaded = await loadLexiconFiles(options.lexicons, cache)
  if (loaded.length === 0) throw new LexgenError('no lexicon files (*.json) found', { file: options.lexicons })
  const parsed = parseLexiconDocs(loaded)
  const selected = selectDocs(parsed, options)
  const model = buildModel(selected, options.runtimeImport)
  const docs = options.docs ? emitDocs(model, options.docs.clientImport) : undefined
  return { files: emit(model), ...(docs ? { docs } : {}), parsed, docsRead: parsed.length, docsSelected: selected.length }
}

export { LexgenError } from './errors.js'
export { resolveOptions, type Options, type ResolvedOptions } from './config.js'
export { diffOutput, formatDiff, isClean, type OutputDiff } from './diff.js'
export { readOutputDir, writeOutputDir, writeOutputDirs } from './write.js'
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
