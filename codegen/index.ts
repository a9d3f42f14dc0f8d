/**
 * The codegen pipeline, one stage per module, plain data between them:
 * load files → parse/validate docs → select the reference closure → model names → emit files.
 */
import { emit, type OutputFiles } from './emit.js'
import { LexgenError } from './errors.js'
import type { ResolvedOptions } from './config.js'
import { loadLexiconFiles, type LoadCache } from './load.js'
import { buildModel } from './model.js'
import { parseLexiconDocs, type ParsedDoc } from './parse.js'
import { selectDocs } from './select.js'

export interface GenerateResult {
  readonly files: OutputFiles
  /** Every doc read, validated (what `--watch` compares with the last good run). */
  readonly docs: readonly ParsedDoc[]
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
  return { files: emit(model), docs: parsed, docsRead: parsed.length, docsSelected: selected.length }
}

export { LexgenError } from './errors.js'
export { resolveOptions, type Options, type ResolvedOptions } from './config.js'
export { diffOutput, formatDiff, isClean, type OutputDiff } from './diff.js'
export { readOutputDir, writeOutputDir } from './write.js'
export type { OutputFiles } from './emit.js'
