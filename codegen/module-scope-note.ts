/**
 * Whether the package the output lands in takes it for ESM, as it is: a note for `generate` when
 * it does not.
 */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ResolvedOptions } from './config.js'
import { moduleResolution, readTsconfig } from './tsconfig.js'

/**
 * A note when `.ts` output lands in a package whose `package.json` does not say `"type": "module"`:
 * there Node and tsc (module nodenext) take the generated files for CommonJS, which they are not.
 */
export async function moduleScopeNote(options: ResolvedOptions): Promise<string | undefined> {
  if (options.fileExt !== '.ts') return undefined
  for (let dir = options.out; ; dir = dirname(dir)) {
    let text: string | undefined
    try {
      text = await readFile(join(dir, 'package.json'), 'utf8')
    } catch {
      // none here: look further up
    }
    if (text !== undefined) {
      let type: unknown
      try {
        type = (JSON.parse(text) as { type?: unknown }).type
      } catch {
        return undefined
      }
      if (type === 'module') return undefined
      // A bundler compiles them as ESM whatever the package says (tsconfig.json resolving as a bundler).
      if (moduleResolution(await readTsconfig(join(dir, 'tsconfig.json'))) === 'bundler') return undefined
      return (
        `${join(dir, 'package.json')} makes the generated ${options.emit === 'js' ? '.js' : '.ts'} files CommonJS for Node and tsc, and they are ESM: ` +
        "generate with --file-ext .mts (or set \"type\": \"module\"), unless a bundler compiles them"
      )
    }
    if (dirname(dir) === dir) return undefined
  }
}
