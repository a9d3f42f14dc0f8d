import type { Model } from '../model.js'
import { banner, quote } from './writer.js'

/**
 * `runtime.ts`: the runtime's two entries (its API and the validators' helpers, which share no
 * name), as every other generated module imports them. Node resolves a package specifier once per
 * importing module, ~0.2 ms each at startup; through this module it resolves each entry once, and a
 * client of 75 modules imports ~25 ms sooner (bench row 4). Plain `export *`, because bundlers
 * tree-shake through it (`import * as v` of it keeps only the helpers used).
 */
export function emitRuntimeModule(model: Model): string {
  return (
    banner('the selected lexicons') +
    '// The runtime and its validators\' helpers, as the other generated modules import them: Node then\n' +
    '// resolves the package once, not once per module.\n' +
    `export * from ${quote(model.runtimeImport)}\n` +
    `export * from ${quote(model.validateImport)}\n`
  )
}
