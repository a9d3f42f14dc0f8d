/**
 * A note when the project cannot resolve the runtime the generated code imports. npm hoists the
 * CLI's own copy of `@lexgen/runtime` to the top of node_modules, so a project that never added it
 * still runs; pnpm and Yarn Plug'n'Play give a project only what it declares, and there tsc reports
 * thousands of errors (`Cannot find module '@lexgen/runtime'`, then every import of ./runtime.js),
 * none of them naming the missing dependency.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { ResolvedOptions } from './config.js'
import { packageRoot } from './paths.js'
import { runner } from './runner.js'

export function runtimeNote(options: ResolvedOptions): string | undefined {
  // A path, or another package: the user chose it, and may build it later.
  if (options.runtimeImport !== '@lexgen/runtime') return undefined
  const project = packageRoot(options.out)
  if (project === undefined || resolvesRuntime(project)) return undefined
  return `the generated code imports @lexgen/runtime, which the project in ${project} cannot resolve: \`${runner().add} @lexgen/runtime\` (it belongs in "dependencies")`
}

/**
 * As tsc and Node's ESM loader resolve it from `dir`: up the node_modules folders. Not with
 * require.resolve, which also reads NODE_PATH, and pnpm's bin shims put its hidden hoisting folder
 * (holding the CLI's own copy) there. Under Yarn Plug'n'Play there are no node_modules, and
 * require.resolve is Yarn's resolver, which answers as the project's code will be answered.
 */
function resolvesRuntime(dir: string): boolean {
  if (process.versions.pnp) {
    try {
      createRequire(join(dir, 'package.json')).resolve('@lexgen/runtime/package.json')
      return true
    } catch {
      return false
    }
  }
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules/@lexgen/runtime/package.json'))) return true
    if (dirname(at) === at) return false
  }
}
