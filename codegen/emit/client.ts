import { LexgenError } from '../errors.js'
import { clientMember, relativeImport, type DocModel, type Model } from '../model.js'
import { compare } from '../order.js'
import { methodArgs } from './args.js'
import { exampleTag, type MethodExamples } from './examples/method.js'
import { banner, deprecation, Lines, propertyKey, quote, writeDoc } from './writer.js'

interface NamespaceNode {
  readonly path: readonly string[]
  readonly children: Map<string, NamespaceNode>
  readonly methods: DocModel[]
}

/**
 * `client.ts`: the namespaced client (`client.chat.bsky.convo.getConvo(...)`).
 * Each method awaits the standalone function and throws its error, so both
 * styles share one implementation. `examples`: each method's, for its JSDoc.
 */
export function emitClientModule(model: Model, examples: ReadonlyMap<DocModel, MethodExamples>): string {
  const root = namespaceTree(model)
  // Laid out line by line: a class per namespace node, a method per doc (see `laidOut`).
  const w = new Lines()
  const methodDocs = model.docs.filter((doc) => doc.method)

  const binary = methodDocs.some((doc) => methodArgs(doc).some((arg) => arg.type === 'BinaryInput'))
  const paged = methodDocs.some((doc) => doc.method!.paginate)
  const types = [...(binary ? ['BinaryInput'] : []), 'CallOptions', 'DefaultsConfig', ...(paged ? ['PageOptions'] : [])]
  const self = `client${model.fileExt}`
  w.writeLine(`import { Core, unwrap, withDefaults, ${types.map((name) => `type ${name}`).join(', ')} } from ${quote(relativeImport(self, model.runtimeModule, model.importExt))}`)
  for (const doc of methodDocs) w.writeLine(`import * as ${doc.alias} from ${quote(relativeImport(self, doc.path, model.importExt))}`)
  w.writeLine(`import { validation } from ${quote(relativeImport(self, `validation${model.fileExt}`, model.importExt))}`)

  w.blankLine()
  writeDoc(w, [
    'The namespaced client: every selected method under its NSID, as in',
    '`client.chat.bsky.convo.getConvo({ convoId })`. Methods resolve to the output and throw',
    'the typed error; the standalone functions return Results instead.',
    '',
    'Built from a config, it has `withDefaults` (retries, a 30 s timeout per attempt) and validates:',
    "params and input before sending, responses leniently (`validate: 'strict' | 'off'`,",
    '`validateRequest: false` to change that). Built from a Core, it does what that Core does.',
  ])
  const className = (node: NamespaceNode) => model.namespaceClasses.get(node.path.join('.'))!
  w.writeLine('export class Client {')
  w.indent(() => {
    w.writeLine('readonly core: Core')
    for (const [name, child] of sortedChildren(root)) w.writeLine(`readonly ${propertyKey(name)}: ${className(child)}`)
    w.blankLine()
    w.writeLine('constructor(config: DefaultsConfig | Core) {')
    w.indent(() => {
      w.writeLine('this.core = config instanceof Core ? config : new Core(withDefaults({ validation, ...config }))')
      for (const [name, child] of sortedChildren(root)) w.writeLine(`this${member(name)} = new ${className(child)}(this.core)`)
    })
    w.writeLine('}')
  })
  w.writeLine('}')

  for (const node of walk(root)) {
    if (node === root) continue
    w.blankLine()
    writeDoc(w, [`The \`${node.path.join('.')}\` namespace.`])
    // `#core`, not a `core` member: no method name can collide with it, and no parameter property
    // (which `erasableSyntaxOnly` and Node's type stripping refuse).
    w.writeLine(`export class ${className(node)} {`)
    w.indent(() => {
      for (const [name, child] of sortedChildren(node)) w.writeLine(`readonly ${propertyKey(name)}: ${className(child)}`)
      if (node.methods.length) w.writeLine('readonly #core: Core')
      if (node.children.size || node.methods.length) w.blankLine()
      w.writeLine('constructor(core: Core) {')
      w.indent(() => {
        if (node.methods.length) w.writeLine('this.#core = core')
        for (const [name, child] of sortedChildren(node)) w.writeLine(`this${member(name)} = new ${className(child)}(core)`)
      })
      w.writeLine('}')
      for (const doc of node.methods) writeClientMethod(w, doc, doc.alias, examples.get(doc)!)
    })
    w.writeLine('}')
  }
  return `${banner('the selected lexicons')}${w}\n`
}

function writeClientMethod(w: Lines, doc: DocModel, alias: string, examples: MethodExamples): void {
  const method = doc.method!
  const main = doc.doc.defs.main as { description?: string; output?: unknown }
  const args = methodArgs(doc)
  const params = [
    ...args.map((arg) => `${arg.name}${arg.optional ? '?' : ''}: ${arg.type === 'BinaryInput' ? 'BinaryInput' : `${alias}.${arg.type}`}`),
    method.paginate ? 'options?: PageOptions' : 'options?: CallOptions',
  ]
  const output = method.paginate ? `${alias}.Page` : main.output ? `${alias}.Output` : 'void'
  w.blankLine()
  writeDoc(w, [main.description, deprecation(main.description), '', `Calls \`${doc.nsid}\`. Throws {@link ${alias}.Errors} on failure.`, '', ...exampleTag(examples.client)])
  // An arrow property, not a method: `const { getConvo } = client.chat.bsky.convo`, or a method
  // passed as a callback, keeps its namespace's Core.
  w.writeLine(`readonly ${propertyKey(method.name)} = async (${params.join(', ')}): Promise<${output}> =>`)
  const call = ['this.#core', ...args.map((arg) => arg.name), 'options'].join(', ')
  w.indent(() => w.writeLine(`unwrap(await ${alias}.${method.functionName}(${call}))`))
}

function namespaceTree(model: Model): NamespaceNode {
  const root: NamespaceNode = { path: [], children: new Map(), methods: [] }
  for (const doc of model.docs) {
    if (!doc.method) continue
    let node = root
    for (const segment of doc.method.namespace) {
      let child = node.children.get(segment)
      if (!child) {
        child = { path: [...node.path, segment], children: new Map(), methods: [] }
        node.children.set(segment, child)
      }
      node = child
    }
    node.methods.push(doc)
  }
  for (const node of walk(root)) {
    const members = new Set(sortedChildren(node).map(([name]) => name))
    const clash = node.methods.find((doc) => members.has(doc.method!.name))
    if (clash) {
      const member = [...node.path, clash.method!.name].join('.')
      throw new LexgenError(`client member '${member}' would be both the method ${clash.nsid} and a namespace of other methods; leave one out with --exclude`)
    }
  }
  return root
}

/** Children by member name (escaped: `then_`, `constructor_`), in NSID order. */
function sortedChildren(node: NamespaceNode): [string, NamespaceNode][] {
  return [...node.children].sort(([a], [b]) => compare(a, b)).map(([name, child]) => [clientMember(name, node.path.length === 0), child])
}

/** `.name`, or `['odd-name']` for NSID segments that are not identifiers. */
function member(name: string): string {
  const key = propertyKey(name)
  return key === name ? `.${name}` : `[${key}]`
}

/** Depth-first, children in NSID order, so classes come out in a stable, readable order. */
function* walk(node: NamespaceNode): Generator<NamespaceNode> {
  yield node
  for (const [, child] of sortedChildren(node)) yield* walk(child)
}
