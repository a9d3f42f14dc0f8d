/** lexgen's own package.json: its version, and the runtime version the code it generates is for. */
import { readFileSync } from 'node:fs'

export interface OwnPackage {
  readonly version: string
  /** The `@lexgen/runtime` this lexgen depends on: the runtime its generated code imports from. */
  readonly runtime: string | undefined
}

let read: OwnPackage | undefined

/** Read once: package.json sits beside dist/ when installed, beside this file in the repository. */
export function ownPackage(): OwnPackage {
  return (read ??= readOwnPackage())
}

function readOwnPackage(): OwnPackage {
  for (const path of ['../package.json', './package.json']) {
    try {
      const json = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown; dependencies?: Record<string, unknown> }
      if (json.name !== 'lexgen' || typeof json.version !== 'string') continue
      const runtime = json.dependencies?.['@lexgen/runtime']
      return { version: json.version, runtime: typeof runtime === 'string' ? runtime : undefined }
    } catch {
      // not here
    }
  }
  return { version: 'unknown', runtime: undefined }
}
