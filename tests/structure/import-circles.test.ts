/**
 * No import circles in runtime/ or codegen/, type-only imports included: a circle means two
 * modules that cannot be read (or loaded, or bundled) one without the other.
 *
 * The graph comes from TypeScript's own scanner (`ts.preProcessFile`, from the compiler ts-morph
 * bundles): every `import`, `export … from` and `import()` of a module, as written. madge and
 * dpdm would do the same through the `typescript` package's API, which this repo's TypeScript 7
 * (native) does not have; ts-morph is a dependency already.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { ts } from 'ts-morph'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../codegen/helpers.js'

/** What `#transport` may resolve to (package.json `imports`). */
const ALIASES: Record<string, string[]> = { '#transport': ['runtime/transport/node.ts', 'runtime/transport/fetch.ts'] }

/** Module → the modules it imports, for every .ts file under `dirs` (paths relative to the repo root). */
function importGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const [file, text] of files) {
    const specifiers = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)
    const targets = specifiers.flatMap((spec) => {
      if (ALIASES[spec]) return ALIASES[spec]
      if (!spec.startsWith('.')) return [] // a package
      return [join(dirname(file), spec).replace(/\.js$/, '.ts')]
    })
    graph.set(file, targets.filter((target) => files.has(target)))
  }
  return graph
}

/** Every circle, as the modules on it (Tarjan's strongly connected components of two or more, or a self-import). */
function circles(graph: ReadonlyMap<string, string[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (node: string) => {
    index.set(node, index.size)
    low.set(node, index.get(node)!)
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!))
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = []
      let member: string
      do component.push((member = stack.pop()!))
      while (member !== node)
      if (component.length > 1 || graph.get(node)!.includes(node)) found.push(component.sort())
    }
  }
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node)
  return found
}

function sources(dir: string): Map<string, string> {
  const files = readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
  return new Map(files.map((f) => [relative(ROOT, join(ROOT, dir, f)), readFileSync(join(ROOT, dir, f), 'utf8')]))
}

describe('import circles', () => {
  it.each(['runtime', 'codegen'])('%s/ has none, type-only imports included', (dir) => {
    const graph = importGraph(sources(dir))
    expect(graph.size).toBeGreaterThan(10)
    expect(circles(graph)).toEqual([])
  })

  it('finds a circle, type-only or through an export', () => {
    const files = new Map([
      ['x/a.ts', "import type { B } from './b.js'\nexport type A = B"],
      ['x/b.ts', "export { c } from './c.js'\nexport type B = 1"],
      ['x/c.ts', "import { a } from './a.js' // a comment with import './d.js'\nexport const c = 1"],
      ['x/d.ts', "import './d.js'"],
      ['x/e.ts', "import { readFile } from 'node:fs'\nconst lazy = () => import('./a.js')"],
    ])
    expect(circles(importGraph(files))).toEqual([['x/a.ts', 'x/b.ts', 'x/c.ts'], ['x/d.ts']])
  })
})
