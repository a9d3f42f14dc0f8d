import type { LexUserType } from '@atproto/lexicon'
import { relativeImport, VALIDATE_NAMESPACE, type DocModel, type Model } from '../model.js'
import type { MethodExamples } from './examples/method.js'
import { MAX_LINE } from './layout.js'
import { writeMethod, writeMethodTypes } from './method.js'
import { writeDef, type ModuleContext } from './types.js'
import { writeValidators, type ValidatorImports } from './validators.js'
import { banner, Lines, quote, writeDoc } from './writer.js'

/**
 * The module for one lexicon doc: its types, guards, tokens, validators and, for a method, the
 * callable function (whose JSDoc shows `examples`).
 */
export function emitDocModule(model: Model, doc: DocModel, examples: MethodExamples | undefined): string {
  const ctx: ModuleContext = { model, doc, runtime: new Set(), runtimeValues: new Set() }
  // Laid out line by line, no writer's bookkeeping: a module is mostly validators and interfaces.
  const w = new Lines()
  const main = doc.doc.defs.main as LexUserType | undefined
  const isMethod = main?.type === 'query' || main?.type === 'procedure' || main?.type === 'subscription'

  // A doc's description goes on its main def when that has none (types.ts), where a hover on the
  // type finds it; else it stays here, on the doc's id.
  const onMain = main !== undefined && !isMethod && !(main as { description?: string }).description
  writeDoc(w, [isMethod || onMain ? undefined : doc.doc.description])
  w.writeLine(`export const id = ${quote(doc.nsid)}`)
  if (isMethod) writeMethodTypes(ctx, w)
  for (const [name, def] of Object.entries(doc.doc.defs) as [string, LexUserType][]) writeDef(ctx, w, name, def)
  if (doc.method) writeMethod(ctx, w, doc.method, examples!)
  const validators = writeValidators(ctx, w)

  return banner(doc.source) + imports(ctx, doc, validators) + '\n' + w.toString().trimEnd() + '\n'
}

/**
 * The runtime names used and the validators' helpers (as the namespace `v`), both from `runtime.ts`,
 * then each referenced doc: as a value where validators call into it, else types only.
 */
function imports(ctx: ModuleContext, doc: DocModel, validators: ValidatorImports): string {
  let out = ''
  const runtime = quote(relativeImport(doc.path, ctx.model.runtimeModule, ctx.model.importExt))
  if (ctx.runtime.size) {
    const isValue = (name: string) => (ctx.runtimeValues.has(name) ? 0 : 1)
    const names = [...ctx.runtime].sort((a, b) => isValue(a) - isValue(b) || byName(a, b))
    const allTypes = names.every((name) => !ctx.runtimeValues.has(name))
    const list = names.map((name) => (allTypes || ctx.runtimeValues.has(name) ? name : `type ${name}`))
    const from = ` } from ${runtime}\n`
    const line = `import ${allTypes ? 'type ' : ''}{ ${list.join(', ')}${from}`
    // Wrapped one name per line when long, as a formatter would.
    out += line.length <= MAX_LINE + 1 ? line : `import ${allTypes ? 'type ' : ''}{\n${list.map((name) => `  ${name},\n`).join('')}${from.trimStart()}`
  }
  if (validators.helpers) out += `import * as ${VALIDATE_NAMESPACE} from ${runtime}\n`
  for (const [nsid, alias] of doc.imports) {
    const kind = validators.docs.has(nsid) ? '' : 'type '
    out += `import ${kind}* as ${alias} from ${quote(relativeImport(doc.path, ctx.model.byNsid.get(nsid)!.path, ctx.model.importExt))}\n`
  }
  return out
}

/** Case-insensitive alphabetical, the order a person would keep an import list in. */
function byName(a: string, b: string): number {
  return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0
}
