import type { LexiconDoc } from '@atproto/lexicon'

/**
 * A lexicon with keys its schemas' types do not define, one of each kind of place: a params'
 * `nullable`, a boolean's `enum`, a union's annotation, an integer's `$comment`, and a query's
 * `input` (ignored whole, with a constraint of its own inside).
 */
export const IGNORED_KEYS_DOC = {
  lexicon: 1,
  id: 'com.example.get',
  defs: {
    main: {
      type: 'query',
      parameters: { type: 'params', nullable: ['p'], properties: { p: { type: 'string' } } },
      input: { encoding: 'application/json', schema: { type: 'object', properties: { z: { type: 'integer', maxLength: 1 } } } },
      output: { encoding: 'application/json', schema: { type: 'object', properties: { b: { type: 'boolean', enum: [true] }, u: { type: 'union', refs: ['#thing'], title: 'x' } } } },
    },
    thing: { type: 'object', properties: { n: { type: 'integer', minimum: 0, $comment: 'y' } } },
  },
} as unknown as LexiconDoc
