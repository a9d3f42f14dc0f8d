/**
 * @atproto/lexicon's zod schemas (`lexiconDoc`, `lexUserType`, `lexObject`): the checker of the
 * parse stage. Loaded from its `dist/types.js` alone, not the package index (which also loads its
 * validators and CID code), and without `@atproto/common-web`, which that file requires only for
 * `validateLanguage` (itself `@atproto/syntax`'s `isValidLanguage`) and which costs about as much
 * CPU to load as everything else codegen loads (it builds a grapheme table, CID bases, ...).
 * The stand-in is visible to nothing else: it leaves the module cache as soon as the schemas are in.
 */
import { createRequire, Module } from 'node:module'

type Schemas = typeof import('@atproto/lexicon/dist/types.js')

const require = createRequire(import.meta.url)
const typesPath = require.resolve('@atproto/lexicon/dist/types.js')
const fromLexicon = createRequire(typesPath)

function load(): Schemas {
  if (require.cache[typesPath]) return require(typesPath) as Schemas
  const commonWeb = fromLexicon.resolve('@atproto/common-web')
  if (require.cache[commonWeb]) return fromLexicon(typesPath) as Schemas
  const standIn = new Module(commonWeb)
  standIn.exports = { validateLanguage: (fromLexicon('@atproto/syntax') as typeof import('@atproto/syntax')).isValidLanguage }
  standIn.loaded = true
  require.cache[commonWeb] = standIn
  try {
    return fromLexicon(typesPath) as Schemas
  } finally {
    delete require.cache[commonWeb]
  }
}

let schemas: Schemas | undefined

/**
 * Loaded on first use, not on import: a run that checks its docs on a worker thread (see lexicon-check.ts)
 * never loads them on the main thread.
 */
export function lexiconSchemas(): Pick<Schemas, 'lexiconDoc' | 'lexObject' | 'lexUserType'> {
  return (schemas ??= load())
}
