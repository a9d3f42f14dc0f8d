/**
 * The Markdown reference for a model: `README.md` (the index), one page per namespace with a
 * section per method, and one page per lexicon whose defs those methods use. Output files by
 * path, like the code emitter's, so `generate` writes and `check` compares them the same way.
 */
import type { DocsOptions, EmitLanguage } from '../../config.js'
import type { DocModel, Model } from '../../model.js'
import { compare } from '../../order.js'
import type { OutputFiles } from '../../emit.js'
import { ExampleValues } from '../examples/values.js'
import { markdownBanner } from '../writer.js'
import { Catalog, isSubscription, namespacePages } from './catalog.js'
import type { DocsContext } from './context.js'
import { Fields } from './fields.js'
import { writeIndexPage } from './index-page.js'
import { writeModelPage } from './model-page.js'
import { writeNamespacePage } from './namespace-page.js'
import { Site } from './site.js'

/** `options`: what examples import the client from, and the command that regenerates the docs (see DocsOptions). */
export function emitDocs(model: Model, options: Pick<DocsOptions, 'clientImport' | 'regenerate'>, language: EmitLanguage = 'ts'): OutputFiles {
  const site = new Site()
  const catalog = new Catalog(model)
  // JavaScript keeps the module kind: .mts modules are written as .mjs.
  const indexFile = language === 'js' ? `index${model.fileExt === '.mts' ? '.mjs' : '.js'}` : `index${model.fileExt}`
  const { clientImport, regenerate } = options
  const ctx: DocsContext = { model, site, fields: new Fields(model, site), values: new ExampleValues(model), clientImport, regenerate, indexFile }

  // Methods, and subscriptions (types only: no call), by the namespace their NSID is in.
  const byNamespace = new Map<string, { docs: DocModel[]; subscriptions: DocModel[] }>()
  for (const doc of model.docs) {
    const subscription = isSubscription(doc)
    if (!doc.method && !subscription) continue
    const name = doc.nsid.split('.').slice(0, -1).join('.')
    const entry = byNamespace.get(name) ?? { docs: [], subscriptions: [] }
    ;(subscription ? entry.subscriptions : entry.docs).push(doc)
    byNamespace.set(name, entry)
  }
  const pages = namespacePages(byNamespace.keys())
  const namespaces = [...byNamespace]
    .sort(([a], [b]) => compare(a, b))
    .map(([name, entry]) => ({ name, path: pages.get(name)!, ...entry }))
  const models = catalog.byDoc()

  writeIndexPage(ctx, { namespaces, models })
  for (const ns of namespaces) writeNamespacePage(ctx, ns)
  for (const [doc, defs] of models) writeModelPage(ctx, doc, defs)
  return site.finish(markdownBanner)
}
