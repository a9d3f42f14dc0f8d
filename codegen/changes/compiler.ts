/**
 * The source-compatibility check: does code written against the old generated client still
 * compile against the new one? Decided by the TypeScript compiler (the one ts-morph bundles),
 * over one in-memory project holding both clients and the runtime's types:
 *
 *   /old/…, /new/…   the two generated clients (each with its own runtime import, see CHECK_RUNTIME_IMPORTS)
 *   /runtime/…       the runtime's declarations, as `@lexgen/runtime` resolves to them, plus the old
 *                    client's entry and lexicon types (`index-old`, `lexicon-old`)
 *   /imports.ts      both versions of every doc, imported, so the compiler can list their exports
 *   /check.ts        the same imports, then one line per check, e.g. `export function c1(v: O0.Params): N0.Params { return v }`
 *                    (old Params into the new): a function, so the compiler's flow analysis of `v` starts on that line
 *
 * The compiler's diagnostics on /check.ts, mapped back by line, are the findings. ts-morph is
 * loaded here only, on demand: importing it loads the whole compiler (~0.4 s).
 */
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import type { OutputFiles } from '../emit.js'
import type { DocModel, Model } from '../model.js'
import { compare } from '../order.js'
import { indexNames } from './exports.js'
import type { Side } from './rules.js'
import { defKey, type DefUsage } from '../usage.js'

/** What a source check verifies. */
export type SourceCheck =
  /** The doc's module is still generated. */
  | 'module-kept'
  /** The name is still exported by the module. */
  | 'export-kept'
  /** A value of the old type is accepted where the new type is expected (what old code sends). */
  | 'old-fits-new'
  /** A value of the new type is accepted where the old type is expected (what old code receives). */
  | 'new-fits-old'
  /** Every property of the old type still exists on the new one (old code names them). */
  | 'properties-kept'
  /** Arguments written for the old function are accepted by the new one. */
  | 'call-accepted'

/** A check the compiler failed: old code using `symbol` no longer compiles. */
export interface CompilerFinding {
  readonly nsid: string
  readonly def: string
  /** As users import it, e.g. `ChatBskyConvoGetConvo.Output`. */
  readonly symbol: string
  readonly check: SourceCheck
  /** The compiler's reason in plain words. */
  readonly reason: string
  /** The compiler's own message, with the two clients' paths shortened to `old:`/`new:`. */
  readonly compilerMessage?: string
  /** Set when the failure follows from another failing symbol this one contains (the cause to read first). */
  readonly through?: string
}

export interface CompilerResult {
  /** The compiler's version. */
  readonly typescript: string
  readonly checks: number
  readonly findings: readonly CompilerFinding[]
}

/** One side's generated client, as the codegen pipeline produces it in memory. */
export interface GeneratedClient {
  readonly model: Model
  readonly files: OutputFiles
}

/**
 * The module specifiers the two clients are generated with, both mapped to the runtime's
 * declarations. They differ in the open-union catch-alls only (see checkRuntimes), so that what old
 * code receives may carry members added since.
 */
export const CHECK_RUNTIME_IMPORTS = { old: '@lexgen/runtime-old', new: '@lexgen/runtime' } as const

interface Check {
  readonly nsid: string
  readonly def: string
  readonly symbol: string
  readonly check: SourceCheck
}

/** A method module's own types, by the direction values of them travel (Item, Page and Errors derive from these). */
const METHOD_TYPES_IN = ['Params', 'Input'] as const
const METHOD_TYPES_OUT = ['Output', 'Message'] as const
const METHOD_DEFS = new Set(['query', 'procedure', 'subscription'])

/**
 * Checks every doc of `before` that `after` still has: its exported names, its method's
 * Params/Input (old → new), Output/Message (new → old) and call signature, and each def's type
 * in the direction(s) its usage calls for (both when no method or record reaches it).
 */
export async function checkSourceCompatibility(
  before: GeneratedClient,
  after: GeneratedClient,
  usage: ReadonlyMap<string, DefUsage>,
): Promise<CompilerResult> {
  const { Project, ts } = await import('ts-morph')
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts'],
      types: [],
      skipLibCheck: true,
      noEmit: true,
      paths: {
        [CHECK_RUNTIME_IMPORTS.new]: ['/runtime/index'],
        [`${CHECK_RUNTIME_IMPORTS.new}/*`]: ['/runtime/*'],
        [CHECK_RUNTIME_IMPORTS.old]: ['/runtime/index-old'],
        [`${CHECK_RUNTIME_IMPORTS.old}/*`]: ['/runtime/*'],
      },
    },
  })
  // Files go into the in-memory file system, not the project: the compiler then parses only
  // what /check.ts imports (doc modules and the runtime, not validation.ts or client.ts).
  const fs = project.getFileSystem()
  for (const [path, text] of checkRuntimes(await runtimeDeclarations())) fs.writeFileSync(`/runtime/${path}`, text)
  for (const [path, text] of before.files) fs.writeFileSync(`/old/${path}`, text)
  for (const [path, text] of after.files) fs.writeFileSync(`/new/${path}`, text)

  const findings: CompilerFinding[] = []
  let presenceChecks = before.model.docs.length
  const pairs: { oldDoc: DocModel; newDoc: DocModel }[] = []
  for (const oldDoc of before.model.docs) {
    const newDoc = after.model.byNsid.get(oldDoc.nsid)
    if (newDoc) pairs.push({ oldDoc, newDoc })
    else findings.push({ nsid: oldDoc.nsid, def: 'main', symbol: oldDoc.alias, check: 'module-kept', reason: `module \`${oldDoc.path}\` is no longer generated` })
  }

  // The index's names for each doc (its namespace, its function): the model hands them out, so
  // they are read there. One another doc took still compiles, naming that doc: a finding too.
  const { owner } = indexNames(after.model)
  for (const { oldDoc } of pairs) {
    for (const name of [oldDoc.alias, oldDoc.method?.functionName]) {
      if (name === undefined) continue
      presenceChecks++
      const now = owner.get(name)
      if (now === oldDoc.nsid) continue
      const reason = now === undefined ? `the index no longer exports \`${name}\`` : `the index's \`${name}\` now names ${now}`
      findings.push({ nsid: oldDoc.nsid, def: 'main', symbol: name, check: 'export-kept', reason })
    }
  }

  // Phase 1: import both versions of every doc, so the compiler can say what each exports.
  const specifier = (dir: string, doc: DocModel) => `'./${dir}/${doc.path.replace(/\.ts$/, '.js')}'`
  const lines = pairs.flatMap(({ oldDoc, newDoc }, i) => [`import type * as O${i} from ${specifier('old', oldDoc)}`, `import type * as N${i} from ${specifier('new', newDoc)}`])
  project.createSourceFile('/imports.ts', lines.join('\n') + '\nexport {}\n')
  const exportsOf = moduleExports(project.getProgram().compilerObject, ts)

  // Phase 2: one line per check. The compiler's errors, mapped back by line, are the findings.
  const checks = new Map<number, Check>()
  pairs.forEach(({ oldDoc, newDoc }, i) => {
    const isMethod = METHOD_DEFS.has((oldDoc.doc.defs.main as { type?: string } | undefined)?.type ?? '')
    const oldExports = exportsOf(`/old/${oldDoc.path}`)
    const newExports = exportsOf(`/new/${newDoc.path}`)
    const defOf = exportOwners(oldDoc)
    const add = (def: string, name: string, check: SourceCheck, line: string) => {
      checks.set(lines.length, { nsid: oldDoc.nsid, def, symbol: `${oldDoc.alias}.${name}`, check })
      lines.push(line)
    }
    const fits = (def: string, name: string, direction: 'old-fits-new' | 'new-fits-old') => {
      const [from, to] = direction === 'old-fits-new' ? ['O', 'N'] : ['N', 'O']
      add(def, name, direction, `export function c${lines.length}(v: ${from}${i}.${name}): ${to}${i}.${name} { return v }`)
    }
    const propertiesKept = (def: string, name: string) =>
      add(def, name, 'properties-kept', `export function c${lines.length}(v: keyof O${i}.${name}): keyof N${i}.${name} { return v }`)

    for (const [name, kinds] of oldExports) {
      const def = defOf.get(name) ?? 'main'
      const symbol = `${oldDoc.alias}.${name}`
      presenceChecks++
      if (!newExports.has(name)) {
        findings.push({ nsid: oldDoc.nsid, def, symbol, check: 'export-kept', reason: `\`${symbol}\` is no longer exported` })
        continue
      }
      if (!kinds.has('type') || !newExports.get(name)!.has('type')) continue
      if (isMethod && (METHOD_TYPES_IN as readonly string[]).includes(name)) {
        fits('main', name, 'old-fits-new')
        propertiesKept('main', name)
      } else if (isMethod && (METHOD_TYPES_OUT as readonly string[]).includes(name)) {
        fits('main', name, 'new-fits-old')
        propertiesKept('main', name)
      } else if (defOf.has(name) && isDefType(oldDoc, name)) {
        const sides = usage.get(defKey(oldDoc.nsid, def))?.sides ?? []
        for (const direction of directions(sides)) fits(def, name, direction)
        propertiesKept(def, name)
      }
    }
    const fn = oldDoc.method?.functionName
    if (fn && newExports.has(fn)) {
      add('main', fn, 'call-accepted', `export function c${lines.length}(v: Parameters<typeof O${i}.${fn}>): Parameters<typeof N${i}.${fn}> { return v }`)
    }
  })

  const file = project.createSourceFile('/check.ts', lines.join('\n') + '\nexport {}\n')
  const program = project.getProgram().compilerObject
  const reported = new Set<number>()
  for (const diagnostic of program.getSemanticDiagnostics(file.compilerNode)) {
    const line = diagnostic.start === undefined ? -1 : file.compilerNode.getLineAndCharacterOfPosition(diagnostic.start).line
    const check = checks.get(line)
    if (!check || reported.has(line)) {
      if (!check) throw new Error(`source check: unexpected compiler error: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`)
      continue
    }
    reported.add(line)
    const message = shortenPaths(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
    findings.push({ ...check, reason: plainWords(check, message), compilerMessage: message })
  }
  findings.sort((a, b) => compare(a.nsid, b.nsid) || compare(a.symbol, b.symbol) || compare(a.check, b.check))
  return { typescript: ts.version, checks: checks.size + presenceChecks, findings }
}

/** Which way values of a def's type flow for old code: into the new client (request), out of it (response), or both. */
function directions(sides: readonly Side[]): ('old-fits-new' | 'new-fits-old')[] {
  const out: ('old-fits-new' | 'new-fits-old')[] = []
  if (sides.length === 0 || sides.includes('request') || sides.includes('record')) out.push('old-fits-new')
  if (sides.length === 0 || sides.includes('response') || sides.includes('record')) out.push('new-fits-old')
  return out
}

type ExportKinds = ReadonlyMap<string, ReadonlySet<'type' | 'value'>>

/** The names a module exports, and whether each is a type, a value or both, as the compiler sees them. */
function moduleExports(program: import('ts-morph').ts.Program, ts: typeof import('ts-morph').ts): (path: string) => ExportKinds {
  const checker = program.getTypeChecker()
  return (path) => {
    const source = program.getSourceFile(path)
    const module = source && checker.getSymbolAtLocation(source)
    if (!module) throw new Error(`source check: ${path} is not in the program`)
    const out = new Map<string, Set<'type' | 'value'>>()
    for (const symbol of checker.getExportsOfModule(module)) {
      const kinds = new Set<'type' | 'value'>()
      if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) kinds.add('type')
      if (symbol.flags & ts.SymbolFlags.Value) kinds.add('value')
      out.set(symbol.getName(), kinds)
    }
    return out
  }
}

/** The def each exported name of a doc module belongs to (method names belong to `main`). */
function exportOwners(doc: DocModel): Map<string, string> {
  const owners = new Map<string, string>()
  for (const [def, names] of doc.names) {
    for (const name of [names.type, names.guard, names.constant, names.validator]) if (name) owners.set(name, def)
  }
  return owners
}

/** A def's own type (not a token's literal type, which changes only with its NSID). */
function isDefType(doc: DocModel, name: string): boolean {
  for (const names of doc.names.values()) if (names.type === name) return names.constant === undefined
  return false
}

/**
 * The declarations of the runtime package the generated code imports: `@lexgen/runtime`, a dependency
 * of this CLI, as published (its `dist/*.d.ts`).
 */
async function runtimeDeclarations(): Promise<Map<string, string>> {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@lexgen/runtime/package.json')), 'dist')
  // Names, not Dirents: under Yarn Plug'n'Play the package is read from a zip archive through Yarn's
  // own fs, whose recursive Dirents have the parentPath '.', which would send every read to the cwd.
  let names
  try {
    names = await readdir(dir, { recursive: true })
  } catch {
    throw new Error(`source check: the runtime's declarations are missing (${dir}); build @lexgen/runtime first`)
  }
  const paths = names.filter((name) => name.endsWith('.d.ts')).map((name) => name.split(sep).join('/'))
  return new Map(await Promise.all(paths.map(async (p) => [p, await readFile(join(dir, p), 'utf8')] as const)))
}

/**
 * The runtime's declarations as the two clients see them in the check: the real ones, but for the
 * open-union catch-alls, which stand for the members a newer lexicon adds.
 *
 * The old client's `Unknown$TypedObject` is the bare `{ $type: string }`: its index signature
 * would make every such member (an interface, which never satisfies an index signature) fail the
 * new → old check, though code reading the union still compiles. The new client's send-side
 * catch-all `Unknown$TypedObjectInput` takes the index signature the receiving one has: old code
 * writes a member as an object literal, which the bare type refuses field by field (excess
 * properties) once the member has left the union, and an interface not fitting the indexed type
 * stands for that. So a member removed from an open union fails the old → new check, as old code
 * sending it finds.
 */
function checkRuntimes(runtime: ReadonlyMap<string, string>): Map<string, string> {
  const index = runtime.get('index.d.ts') ?? ''
  const lexicon = runtime.get('lexicon.d.ts') ?? ''
  const received = /(type Unknown\$TypedObject = \{\s*\$type: string;)\s*\[key: string\]: unknown;?\s*\}/
  const sent = /(type Unknown\$TypedObjectInput = \{\s*\$type: string;)\s*\}/
  if (!received.test(lexicon)) throw new Error('source check: the runtime no longer declares Unknown$TypedObject as { $type: string; [key: string]: unknown }')
  if (!sent.test(lexicon)) throw new Error('source check: the runtime no longer declares Unknown$TypedObjectInput as { $type: string }')
  if (!index.includes("from './lexicon.js'")) throw new Error("source check: the runtime's index no longer re-exports ./lexicon.js")
  return new Map([
    ...runtime,
    ['lexicon.d.ts', lexicon.replace(sent, '$1 [key: string]: unknown }')],
    ['index-old.d.ts', index.replaceAll("from './lexicon.js'", "from './lexicon-old.js'")],
    ['lexicon-old.d.ts', lexicon.replace(received, '$1 }')],
  ])
}

function shortenPaths(message: string): string {
  return message.replace(/import\("\/(old|new)\/[^"]+"\)\./g, '$1:').replace(/import\("\/runtime\/[^"]+"\)\./g, '')
}

/**
 * The compiler's message, reworded: the chain's property path (`Types of property 'x' are
 * incompatible`) becomes a dotted prefix, and the innermost reason is said in terms of the
 * old and the new client.
 */
function plainWords(check: Check, message: string): string {
  const lines = message.split('\n').map((line) => line.trim())
  const path: string[] = []
  for (const line of lines) {
    const property = /^Types of property '(.+)' are incompatible\.$/.exec(line) ?? /^The types of '(.+)' are incompatible between these types\.$/.exec(line)
    if (property) path.push(property[1]!)
    const argument = /^Type at position (\d+) in source is not compatible with type at position \d+ in target\.$/.exec(line)
    if (argument) path.push(`argument ${Number(argument[1]) + 1}`)
  }
  const leaf = lines.at(-1) ?? message
  const where = path.length ? `\`${path.join('.')}\`: ` : ''
  const [older, newer] = ['the old type', 'the new type']
  let m: RegExpExecArray | null
  if (check.check === 'properties-kept') {
    const gone = [...message.matchAll(/Type '"([^"]+)"' is not assignable/g)].map((x) => x[1])
    if (gone.length) return `${gone.map((name) => `property '${name}'`).join(', ')} no longer exist${gone.length === 1 ? 's' : ''} on \`${check.symbol}\``
  }
  // An open union's catch-all meeting a closed union: the compiler goes on to its last member and
  // names a field that member requires, which says nothing of what changed.
  const catchAll = lines.map((line) => /^Type 'Unknown\$TypedObject(?:Input)?' is not assignable to type '(.+)'\.$/.exec(line)).find((match) => match !== null)
  if (catchAll) {
    const [source, target] = check.check === 'new-fits-old' ? [newer, older] : [older, newer]
    return `${where}${source} is an open union (any typed object fits it), ${target} a closed one (${catchAll[1]})`
  }
  if ((m = /^Property '(.+)' is missing in type '.+' but required in type '.+'\.$/.exec(leaf))) {
    return check.check === 'new-fits-old'
      ? `${where}property '${m[1]}' is required by ${older} but missing from ${newer}`
      : `${where}property '${m[1]}' is required by ${newer} but old code does not set it`
  }
  if ((m = /^Property '(.+)' is optional in type '.+' but required in type '.+'\.$/.exec(leaf))) {
    return `${where}property '${m[1]}' is optional in ${check.check === 'new-fits-old' ? newer : older} but required in ${check.check === 'new-fits-old' ? older : newer}`
  }
  if ((m = /^Type 'undefined' is not assignable to type '(.+)'\.$/.exec(leaf))) {
    return check.check === 'new-fits-old' ? `${where}may be undefined in ${newer}; ${older} says ${m[1]}` : `${where}may be undefined in old code; ${newer} requires ${m[1]}`
  }
  if ((m = /^Index signature for type 'string' is missing in type '(.+)'\.$/.exec(leaf))) {
    // An interface met an open union's catch-all, last of the members tried: the member it stood
    // for left the union, or is still in it (the compiler names both sides alike) but changed.
    const [source, target] = check.check === 'new-fits-old' ? [newer, older] : [older, newer]
    const member = m[1]!
    const stillThere = lines.some((line) => {
      const union = /^Type '(.+)' is not assignable to type '(.+)'\.$/.exec(line)
      return union?.[1] === member && union[2]!.split(' | ').includes(member)
    })
    return stillThere
      ? `${where}${source}'s ${member} does not fit ${target}'s: its fields changed`
      : `${where}${source} allows ${member}, which is not a member of ${target}`
  }
  if ((m = /^Type '(.+)' is not assignable to type '(.+)'\.$/.exec(leaf))) {
    const [source, target] = check.check === 'new-fits-old' ? [newer, older] : [older, newer]
    return `${where}${source} allows ${m[1]}, which ${target} (${m[2]}) does not accept`
  }
  return `${where}${leaf}`
}
