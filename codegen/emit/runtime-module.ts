import type { Model } from '../model.js'
import { ownPackage } from '../own-package.js'
import { banner, quote } from './writer.js'

/**
 * `runtime.ts`: the runtime's two entries (its API and the validators' helpers, which share no
 * name), as every other generated module imports them. Node resolves a package specifier once per
 * importing module, ~0.2 ms each at startup; through this module it resolves each entry once, and a
 * client of 75 modules imports ~25 ms sooner (bench row 4). Plain `export *`, because bundlers
 * tree-shake through it (`import * as v` of it keeps only the helpers used).
 *
 * It names the lexgen that made the folder, and the runtime it is for: an older lexgen would turn
 * the code back to its own, and refuses to (cli.ts), and `check` can say which lexgen made what
 * it finds stale. The one module that changes with lexgen's version: the others say only what the
 * lexicons do.
 */
export function emitRuntimeModule(model: Model): string {
  const { version, runtime } = ownPackage()
  return (
    banner('the selected lexicons') +
    '// The runtime and its validators\' helpers, as the other generated modules import them: Node then\n' +
    '// resolves the package once, not once per module.\n' +
    `// Made by lexgen ${version}${runtime === undefined || model.runtimeImport !== '@lexgen/runtime' ? '' : `, for @lexgen/runtime ${runtime}`}.\n` +
    `export * from ${quote(model.runtimeImport)}\n` +
    `export * from ${quote(model.validateImport)}\n`
  )
}

/** The version of the lexgen that made an output folder, from its runtime module; undefined when it does not say (made before 0.2.0, or the line was edited into no version). */
export function madeBy(files: ReadonlyMap<string, string>): string | undefined {
  for (const [path, text] of files) if (/^runtime\.[cm]?[jt]s$/.test(path)) return /^\/\/ Made by lexgen (\d+\.\d+\.\d+[\w.+-]*?)(?:,|\.$)/m.exec(text)?.[1]
  return undefined
}
