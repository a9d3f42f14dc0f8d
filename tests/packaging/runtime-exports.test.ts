/**
 * What generated code may import from @lexgen/runtime, per version (runtime/exports.json). Code a
 * lexgen generated imports names from the runtime by the version lexgen pins, and `generate` and
 * `check` warn when the project's runtime is outside that version's caret range
 * (codegen/runtime-note.ts). That warning is only as true as the versions: the runtime was 0.1.0
 * while helpers generated validators call were removed and others added, so old code met a
 * runtime without them (`v.unionType is not a function` at the first call) and new code an old
 * runtime, and nothing warned. So every name each entry point exports, types too, as TypeScript
 * sees them, is recorded for the runtime's version, and a change of names must come with a new
 * version (a changed signature under the same name is not seen here: bump for it by hand):
 *   - the current version's record is exactly what the runtime exports;
 *   - lexgen pins exactly that version;
 *   - a version in an earlier one's caret range keeps all of its exports (code generated for it
 *     runs on this one); a removal needs a new minor (0.x) or major version.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Project } from 'ts-morph'
import { describe, expect, it } from 'vitest'
import { compatible } from '../../codegen/runtime-note.js'
import { ROOT } from '../codegen/helpers.js'

interface ExportsRecord {
  readonly versions: Record<string, Record<string, string[]>>
}

/** The entry points generated code imports, and their sources. */
const ENTRIES: Record<string, string> = { '.': 'runtime/index.ts', './validate': 'runtime/validate.ts' }

/** Every name each entry point exports, values and types, sorted: as a real compiler (ts-morph's TypeScript) resolves them. */
function exportedNames(): Record<string, string[]> {
  const project = new Project({ tsConfigFilePath: join(ROOT, 'tsconfig.json'), skipAddingFilesFromTsConfig: true })
  return Object.fromEntries(Object.entries(ENTRIES).map(([entry, file]) => [entry, [...project.addSourceFileAtPath(join(ROOT, file)).getExportedDeclarations().keys()].sort()]))
}

const json = async <T>(path: string) => JSON.parse(await readFile(join(ROOT, path), 'utf8')) as T
const record = await json<ExportsRecord>('runtime/exports.json')
const { version } = await json<{ version: string }>('runtime/package.json')
const actual = exportedNames()

/** `+a -b` between two lists of names. */
function difference(from: readonly string[], to: readonly string[]): string {
  return [...to.filter((name) => !from.includes(name)).map((name) => `+${name}`), ...from.filter((name) => !to.includes(name)).map((name) => `-${name}`)].join(' ')
}

describe("the runtime's exports, per version", () => {
  it('are recorded for the current version as they are', () => {
    const recorded = record.versions[version]
    const changed = Object.keys(ENTRIES)
      .map((entry) => [entry, difference(recorded?.[entry] ?? [], actual[entry]!)] as const)
      .filter(([, diff]) => diff !== '')
    expect(
      changed.map(([entry, diff]) => `${entry}: ${diff}`),
      `runtime/exports.json has ${recorded ? 'other exports' : 'no entry'} for @lexgen/runtime ${version}: give the runtime a new version (runtime/package.json, lexgen's pin in codegen/package.json, package-lock.json) and record its exports under it`,
    ).toEqual([])
  })

  it('are the version lexgen pins', async () => {
    const lexgen = await json<{ dependencies: Record<string, string> }>('codegen/package.json')
    expect(lexgen.dependencies['@lexgen/runtime']).toBe(version)
  })

  it('keep every export of each earlier version whose caret range takes this one', () => {
    for (const [earlier, exports] of Object.entries(record.versions)) {
      if (earlier === version || !compatible(version, earlier)) continue
      for (const entry of Object.keys(ENTRIES)) {
        const lost = (exports[entry] ?? []).filter((name) => !actual[entry]!.includes(name))
        expect(lost, `${version} is in ${earlier}'s caret range, so code generated for ${earlier} imports these from ${entry}: keep them, or make this a new minor version`).toEqual([])
      }
    }
  })
})
