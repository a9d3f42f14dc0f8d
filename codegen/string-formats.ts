/**
 * The lexicon string formats and the `@lexgen/runtime/validate` helper that checks each: generated
 * validators call the helper by name, and the lexicon checks (contradictions.ts) call it, so a
 * `const` or `default` is judged exactly as the generated validator would judge it.
 */
import type { LexString } from '@atproto/lexicon'
import * as runtimeFormats from '@lexgen/runtime/validate'

type Format = NonNullable<LexString['format']>

export const FORMAT_HELPERS = {
  'at-identifier': 'validAtIdentifier',
  'at-uri': 'validAtUri',
  cid: 'validCid',
  datetime: 'validDatetime',
  did: 'validDid',
  handle: 'validHandle',
  language: 'validLanguage',
  nsid: 'validNsid',
  'record-key': 'validRecordKey',
  tid: 'validTid',
  uri: 'validUri',
} as const satisfies Readonly<Record<Format, keyof typeof runtimeFormats>>

/** Whether `value` is a valid `format` (a format lexgen does not know passes: @atproto/lexicon refuses it first). */
export function hasFormat(format: string, value: string): boolean {
  return !Object.hasOwn(FORMAT_HELPERS, format) || runtimeFormats[FORMAT_HELPERS[format as Format]](value)
}
