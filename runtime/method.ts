/** What the runtime knows about one XRPC method: generated modules hold one of these per query and procedure. */
import type { DeclaredErrorClass } from './errors.js'

export type MethodType = 'query' | 'procedure'

/** The method's description; all behaviour lives in the runtime. */
export interface Method {
  readonly nsid: string
  readonly type: MethodType
  /** Encoding of the request body; absent when the lexicon declares no input. */
  readonly input?: string
  /** Encoding of the response body; absent when the lexicon declares no output. */
  readonly output?: string
  /** Lexicon-declared error classes by XRPC error name. */
  readonly errors?: Readonly<Record<string, DeclaredErrorClass>>
  /**
   * For queries paged by `cursor` (a `cursor` param and a `cursor` in the output):
   * the output array that holds the page's items, when the schema has one.
   */
  readonly paginate?: { readonly items?: string }
}
