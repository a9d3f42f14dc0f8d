/**
 * Lexicon data model types as they travel in JSON, shared by all generated modules.
 * They are types only (plus one tiny guard), so they cost nothing in a bundle.
 */

/** A `cid-link` in JSON form. */
export interface CidLink {
  $link: string
}

/** A `bytes` value in JSON form (base64, no padding). */
export interface Bytes {
  $bytes: string
}

/** A `blob` reference in JSON form. */
export interface BlobRef {
  $type: 'blob'
  ref: CidLink
  mimeType: string
  size: number
}

/**
 * An `unknown` lexicon value as the client receives it: any object. Read its fields as `unknown`,
 * or narrow it with a generated guard (`AppBskyFeedPost.isRecord(value)`), which checks only `$type`:
 * `validate(AppBskyFeedPost.validateRecord, value, false)` checks the rest.
 */
export type UnknownObject = { [key: string]: unknown }

/**
 * An `unknown` lexicon value as the client sends it (in an input, or a record a program writes):
 * any object, a generated record or def included, but not an array, a Map or a Set.
 * {@link UnknownObject} alone would refuse every generated type: an `interface` never satisfies an
 * index signature (TypeScript infers one for object literal types only). The second member takes
 * those (no iterator: no array); the first keeps object literals free of excess-property errors.
 * A field of this type cannot be read without narrowing it first.
 */
export type UnknownObjectInput = UnknownObject | (object & { readonly [Symbol.iterator]?: never })

/**
 * An open union's member that this client does not know (a newer schema may add members), where
 * the client receives the union: its other fields read as `unknown`.
 */
export type Unknown$TypedObject = { $type: string; [key: string]: unknown }

/**
 * The same member where the client sends the union (an `Input`, a record, a def reached from
 * either). Without an index signature: with one, an object literal of a known member with a
 * misspelt field (`{ $type: 'app.bsky.embed.record', recrod }`), or a nested one missing, would
 * pass as this member. A member from a newer lexicon goes as a variable, whose other fields are
 * not checked.
 */
export type Unknown$TypedObjectInput = { $type: string }

/** `V` with its `$type` made required, as union members carry it on the wire. */
export type $Typed<V extends { $type?: string }> = V & { $type: NonNullable<V['$type']> }

/**
 * True when `value` is an object whose `$type` names `nsid#hash`; a `main` def
 * may be written either as `nsid` or `nsid#main`.
 */
export function is$typed(value: unknown, nsid: string, hash: string): boolean {
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { $type?: unknown }).$type
  if (typeof type !== 'string') return false
  if (hash === 'main' && type === nsid) return true
  return type.length === nsid.length + 1 + hash.length && type.startsWith(nsid) && type.charCodeAt(nsid.length) === 35 /* # */ && type.endsWith(hash)
}
