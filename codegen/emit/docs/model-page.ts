/**
 * One page per lexicon doc whose defs are documented (`models/chat.bsky.convo.defs.md`): a
 * section per def with its kind, TypeScript names, fields or values, and what uses it.
 */
import type { LexUserType } from '@atproto/lexicon'
import { typeId, type DocModel } from '../../model.js'
import { deprecation } from '../writer.js'
import { modelPage, type DocumentedDef } from './catalog.js'
import { INDEX_SECTIONS, type DocsContext } from './context.js'
import { constraints, Fields } from './fields.js'
import { code, firstSentence, inline, prose, table } from './markdown.js'
import type { Page } from './site.js'

export function writeModelPage(ctx: DocsContext, doc: DocModel, defs: readonly DocumentedDef[]): void {
  const page = ctx.site.page(modelPage(doc), doc.source)
  page.heading(1, inline(doc.nsid), `page:${modelPage(doc)}`)
  if (doc.doc.description) page.add(prose(doc.doc.description))
  page.add(
    `Its types, type guards and validators are in the namespace ${code(doc.alias)}: ${code(`import { ${doc.alias} } from '${ctx.clientImport}'`)}. ` +
      `${ctx.site.link('Reference index', INDEX_SECTIONS.models)}.`,
  )
  page.add(table(['Def', 'Kind', 'Description'], defs.map((entry) => [ctx.site.link(code(entry.name), entry.key), entry.def.type, inline(firstSentence(describe(entry.def)))])))
  for (const entry of defs) writeDef(ctx, page, entry)
}

function writeDef(ctx: DocsContext, page: Page, entry: DocumentedDef): void {
  const { doc, name, def } = entry
  const names = doc.names.get(name)
  const typeName = Fields.typeName(doc, name)
  page.heading(2, inline(name), entry.key)
  const description = describe(def)
  if (description) page.add(prose(description))
  const facts: string[] = []
  switch (def.type) {
    case 'object':
    case 'record': {
      const kind = def.type === 'record' ? `record (key ${code(def.key ?? 'any')})` : 'object'
      // A record in a repository always carries its $type; an object only needs it as a union member.
      facts.push(`**Kind:** ${kind}, ${code(`$type: '${typeId(doc.nsid, name)}'`)} ${def.type === 'record' ? 'always (in the repository too)' : 'when it is a union member'}`)
      facts.push(
        `**TypeScript:** ${code(typeName)}; guard ${code(`${doc.alias}.${names?.guard}(value)`)}; validator ${code(`${doc.alias}.${names?.validator}`)}`,
      )
      break
    }
    case 'token':
      facts.push(`**Kind:** token: the string ${code(`'${typeId(doc.nsid, name)}'`)}, exported as ${code(`${doc.alias}.${names?.constant}`)}`)
      break
    default:
      facts.push(`**Kind:** ${ctx.fields.type(doc, def as never)}${constraintsText(def)}`)
      facts.push(`**TypeScript:** ${code(typeName)}`)
  }
  if (deprecation(description)) facts.push('**Deprecated:** the lexicon says so.')
  page.add(facts.map((fact) => `- ${fact}`).join('\n'))
  if (def.type === 'object') page.add(ctx.fields.table(doc, def))
  if (def.type === 'record') page.add(ctx.fields.table(doc, def.record))
  if (entry.usedBy.length) {
    const uses = entry.usedBy.map((use) => `${ctx.site.link(code(use.label), use.key)}${use.role ? ` (${use.role})` : ''}`)
    page.add(`**Used by:** ${uses.join(', ')}`)
  } else if (def.type === 'record') {
    page.add('**Used by:** no method in this selection: records are written to a repository with `com.atproto.repo` methods.')
  }
}

function describe(def: LexUserType): string {
  const own = 'description' in def && typeof def.description === 'string' ? def.description : ''
  return own || (def.type === 'record' ? (def.record.description ?? '') : '')
}

function constraintsText(def: LexUserType): string {
  const text = constraints(def)
  return text ? `, ${text}` : ''
}
