/**
 * Pipeline stage 5, emit: the model to the output files, a module per lexicon doc plus the client,
 * index, validation registry, runtime and (with the session methods) session modules. Pure: text
 * in memory, written by write.ts.
 */
import { emitClientModule } from './emit/client.js'
import { methodExamples } from './emit/examples/method.js'
import { emitIndexModule } from './emit/index-module.js'
import { emitDocModule } from './emit/module.js'
import { emitRuntimeModule } from './emit/runtime-module.js'
import { emitSessionModule } from './emit/session.js'
import { emitValidationModule } from './emit/registry.js'
import type { Model } from './model.js'
import { compare } from './order.js'

/** Output files by path (relative to the output directory, `/`-separated), sorted by path. */
export type OutputFiles = ReadonlyMap<string, string>

export function emit(model: Model): OutputFiles {
  // A method's examples go into its function's JSDoc and its Client method's: made once for both.
  const examples = new Map(model.docs.flatMap((doc) => (doc.method ? [[doc, methodExamples(model, doc)] as const] : [])))
  const files: [string, string][] = model.docs.map((doc) => [doc.path, emitDocModule(model, doc, examples.get(doc))])
  const session = emitSessionModule(model)
  const ext = model.fileExt
  files.push([`client${ext}`, emitClientModule(model, examples)], [`index${ext}`, emitIndexModule(model, session !== undefined)])
  if (session) files.push([`session${ext}`, session])
  files.push([`validation${ext}`, emitValidationModule(model)], [model.runtimeModule, emitRuntimeModule(model)])
  return new Map(files.sort(([a], [b]) => compare(a, b)))
}
