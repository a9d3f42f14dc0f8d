/**
 * A note when the project's runtime is not the one the generated code imports. npm hoists the
 * CLI's own copy of `@lexgen/runtime` to the top of node_modules, so a project that never added it
 * still runs; pnpm and Yarn Plug'n'Play give a project only what it declares, and there tsc reports
 * thousands of errors (`Cannot find module '@lexgen/runtime'`, then every import of ./runtime.js),
 * none of them naming the missing dependency. And a project that updates lexgen but not the runtime
 * (or the other way) imports names the other version may not have: Node then fails at startup with
 * "does not provide an export named", which names neither package's version.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { ResolvedOptions } from './config.js'
import { ownPackage } from './own-package.js'
import { packageRoot } from './paths.js'
import { runner } from './runner.js'

export function runtimeNote(options: ResolvedOptions): string | undefined {
  // A path, or another package: the user chose it, and may build it later.
  if (options.runtimeImport !== '@lexgen/runtime') return undefined
  const project = packageRoot(options.out)
  if (project === undefined) return undefined
  const found = runtimePackageJson(project)
  if (found === undefined) return `the generated code imports @lexgen/runtime, which the project in ${project} cannot resolve: \`${runner().add} @lexgen/runtime\` (it belongs in "dependencies")`
  const version = versionIn(found)
  const wanted = ownPackage().runtime
  if (wanted === undefined || version === undefined || compatible(version, wanted)) return undefined
  // A newer runtime was likely updated on purpose: the lexgen made for it is the other way.
  const newer = newerThan(version, wanted) ? `, or \`${runner().addDev} lexgen@${version}\` (the lexgen made for it)` : ''
  return `the generated code is for @lexgen/runtime ${wanted} and the project in ${project} has ${version} (${found}), whose exports may differ: \`${runner().add} @lexgen/runtime@${wanted}\`${newer}`
}

/**
 * As tsc and Node's ESM loader resolve it from `dir`: up the node_modules folders. Not with
 * require.resolve, which also reads NODE_PATH, and pnpm's bin shims put its hidden hoisting folder
 * (holding the CLI's own copy) there. Under Yarn Plug'n'Play there are no node_modules, and
 * require.resolve is Yarn's resolver, which answers as the project's code will be answered.
 */
function runtimePackageJson(dir: string): string | undefined {
  if (process.versions.pnp) {
    try {
      return createRequire(join(dir, 'package.json')).resolve('@lexgen/runtime/package.json')
    } catch {
      return undefined
    }
  }
  for (let at = dir; ; at = dirname(at)) {
    const path = join(at, 'node_modules/@lexgen/runtime/package.json')
    if (existsSync(path)) return path
    if (dirname(at) === at) return undefined
  }
}

/** The version a package.json says; undefined when it cannot be read (the warning is only advice). */
function versionIn(path: string): string | undefined {
  try {
    const { version } = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }
    return typeof version === 'string' ? version : undefined
  } catch {
    return undefined
  }
}

/** `major.minor.patch`, a prerelease (`-rc.1`) after it; build metadata (`+build.5`) is no part of it. */
const VERSION = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/

/**
 * Whether `version` can stand for `wanted` (lexgen pins one runtime version) as a caret range reads
 * it: the same major, or the same minor while the major is 0 (where a minor release may break), and
 * no older. A prerelease, on either side, must be the same version; build metadata does not count.
 * A wanted that is no version (a range, a path, `workspace:*`) accepts anything.
 */
export function compatible(version: string, wanted: string): boolean {
  const want = parts(wanted)
  if (want === undefined) return true
  const have = parts(version)
  if (have === undefined) return false
  if (want.pre !== undefined || have.pre !== undefined) return want.pre === have.pre && firstDifference(have.release, want.release) === -1
  const fixed = want.release[0] > 0 ? 1 : want.release[1] > 0 ? 2 : 3 // how many leading parts must be equal
  const differs = firstDifference(have.release, want.release)
  return differs === -1 || (differs >= fixed && have.release[differs]! > want.release[differs]!)
}

/** Whether `version`'s release is above `wanted`'s (prereleases aside). */
export function newerThan(version: string, wanted: string): boolean {
  const [have, want] = [parts(version), parts(wanted)]
  if (have === undefined || want === undefined) return false
  const differs = firstDifference(have.release, want.release)
  return differs !== -1 && have.release[differs]! > want.release[differs]!
}

/** Where two releases first differ (0 major, 1 minor, 2 patch), or -1. */
function firstDifference(a: readonly number[], b: readonly number[]): number {
  return a.findIndex((part, at) => part !== b[at])
}

function parts(version: string): { readonly release: readonly [number, number, number]; readonly pre: string | undefined } | undefined {
  const match = VERSION.exec(version)
  return match ? { release: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4] } : undefined
}
