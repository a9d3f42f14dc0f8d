/// <reference lib="es2018.asynciterable" preserve="true" />
/**
 * Cursor pagination. A page is the method's output plus non-enumerable helpers:
 * it is async-iterable over pages (starting with itself), `allItems()` flattens the
 * items array across pages, and `nextPage()` fetches one more page as a Result.
 *
 * Memory stays flat however long a chain runs: only the current page is held, and the loop guard
 * keeps fingerprints of the last 4,096 cursors sent, not the cursors (which a server may make
 * megabytes long). Two guards end a chain that would never end: a cursor coming back, and
 * `maxEmptyPages` pages in a row with no items (default 32), each a `PaginationLoopError`. An empty
 * page giving back the cursor it was fetched with is no loop but the end: a log has nothing newer.
 *
 * The reference above stays in the emitted paginate.d.ts: pages are async-iterable, and a project
 * whose `lib` predates ES2018 (`tsc --init` of TypeScript 5.8 and older sets `"target": "es2016"`)
 * would otherwise find no `AsyncIterableIterator` there: an error with `skipLibCheck: false`, and
 * with `skipLibCheck: true` an `allItems()` whose items are silently `any`.
 */
import { call, callOptions } from './call.js'
import type { Core } from './core.js'
import { AbortError, PaginationLoopError, type XrpcError } from './errors.js'
import type { Method } from './method.js'
import { err, ok, type Result } from './result.js'
import { shown } from './shown.js'
import type { CallOptions } from './stack.js'

export interface PageOptions extends CallOptions {
  /** Stop iterating after this many pages, the first included; default: no limit. */
  maxPages?: number | undefined
  /**
   * Fail with a PaginationLoopError after this many pages in a row without items (each with a
   * new cursor): a server that pages through nothing forever; default 32.
   */
  maxEmptyPages?: number | undefined
}

/**
 * The helpers every page has. A class, declared only (nothing of it is emitted): TypeScript drops a
 * class's methods from the type of a spread copy (`{ ...page }`), as the copy drops them, being
 * non-enumerable; as an interface, the copy's type promised helpers that were not there.
 */
export declare abstract class PageMethods<O, Item, E> {
  /**
   * True when the server returned a cursor to follow and `maxPages` is not reached: `nextPage()`
   * then fetches a page, unless following it would loop (a cursor already fetched, or
   * `maxEmptyPages` empty pages in a row), when it returns a PaginationLoopError without a request.
   * At the limit it is false though the server may hold more: `output.cursor` says so,
   * and a new call with that cursor goes on. False too for a page with no items that gave back the
   * cursor it was fetched with: nothing follows it yet (a log caught up), and a later call with
   * that cursor polls for what comes next.
   */
  hasNextPage(): boolean
  /** The next page as a Result (never throws for HTTP/XRPC/transport failures), or `undefined` after the last page or at `maxPages`. */
  nextPage(): Promise<Result<Paginated<O, Item, E>, E | PaginationLoopError> | undefined>
  /** Every item from this page on, across pages; throws the typed error if a page fails. */
  allItems(): AsyncIterableIterator<Item>
  /** This page, then each following page; throws the typed error if a page fails. */
  [Symbol.asyncIterator](): AsyncIterator<Paginated<O, Item, E>>
}

export type Paginated<O, Item, E> = O & PageMethods<O, Item, E>

const DEFAULT_MAX_EMPTY_PAGES = 32
/** Cursors the loop guard remembers: a longer cycle is caught by `maxPages`, or by `maxEmptyPages`. */
const REMEMBERED_CURSORS = 4096

interface PageState {
  readonly core: Core
  readonly method: Method
  readonly params: { cursor?: string; [key: string]: unknown }
  readonly options: PageOptions
  /** 1 for the first page. */
  readonly number: number
  /** Pages in a row, this one included, that held no items (when the method has an items array). */
  readonly empty: number
  /**
   * Fingerprints of the last cursors sent in this chain, with the number of the page each fetched.
   * A cursor that fetched this page or an earlier one coming back would page forever; one that
   * fetched a later page is just this page being asked for its next one again.
   */
  readonly sent: Map<number, number>
}

/** Calls a paginated query and returns its first page. */
export async function callPaginated<O, Item, E extends XrpcError = XrpcError>(
  core: Core,
  method: Method,
  args: { params?: object | undefined },
  given?: PageOptions | null,
): Promise<Result<Paginated<O, Item, E>, E>> {
  const options: PageOptions = callOptions(given)
  checkPageLimit('maxPages', options.maxPages)
  checkPageLimit('maxEmptyPages', options.maxEmptyPages)
  const params = { ...(args.params as PageState['params']) }
  const sent = new Map<number, number>(typeof params.cursor === 'string' ? [[fingerprint(params.cursor), 1]] : [])
  return fetchPage<O, Item, E>({ core, method, params, options, number: 1, empty: 0, sent }) as Promise<Result<Paginated<O, Item, E>, E>>
}

async function fetchPage<O, Item, E>(state: PageState): Promise<Result<Paginated<O, Item, E>, E | PaginationLoopError>> {
  const { maxPages: _maxPages, maxEmptyPages: _maxEmptyPages, ...callOptions } = state.options
  const result = await call<O, XrpcError>(state.core, state.method, { params: state.params }, callOptions)
  if (!result.ok) return result as Result<never, E>
  return ok(asPage<O, Item, E>(result.value, state), result.response)
}

function asPage<O, Item, E>(output: O, state: PageState): Paginated<O, Item, E> {
  const cursor = (output as { cursor?: unknown } | undefined)?.cursor
  const next = typeof cursor === 'string' && cursor !== '' ? cursor : undefined
  const { maxPages, maxEmptyPages = DEFAULT_MAX_EMPTY_PAGES } = state.options
  const withinLimit = maxPages === undefined || state.number < maxPages
  const page = (typeof output === 'object' && output !== null ? output : {}) as Paginated<O, Item, E>
  const field = state.method.paginate?.items
  const empty = field !== undefined && itemsOf(page, field).length === 0 ? state.empty + 1 : 0
  // An empty page that gives back the cursor it was fetched with has nothing after it yet: a log
  // such as chat.bsky.convo.getLog, caught up. Paging ends there; its `cursor` is where to poll from.
  const following = empty > 0 && next === state.params.cursor ? undefined : next

  const nextPage = async (): Promise<Result<Paginated<O, Item, E>, E | PaginationLoopError> | undefined> => {
    if (following === undefined || !withinLimit) return undefined
    if (empty >= maxEmptyPages) return err(new PaginationLoopError(state.method.nsid, state.number, empty))
    const key = fingerprint(following)
    const fetched = state.sent.get(key)
    if (fetched !== undefined && fetched <= state.number) return err(new PaginationLoopError(state.method.nsid, state.number))
    remember(state.sent, key, state.number + 1)
    return fetchPage<O, Item, E>({ ...state, params: { ...state.params, cursor: following }, number: state.number + 1, empty })
  }

  Object.defineProperties(page, {
    hasNextPage: { value: () => following !== undefined && withinLimit },
    nextPage: { value: nextPage },
    [Symbol.asyncIterator]: { value: () => iteratePages(page) },
    allItems: { value: () => iterateItems(page, field, state) },
  })
  return page
}

async function* iteratePages<O, Item, E>(first: Paginated<O, Item, E>): AsyncGenerator<Paginated<O, Item, E>> {
  let page: Paginated<O, Item, E> | undefined = first
  while (page) {
    yield page
    const next: Result<Paginated<O, Item, E>, unknown> | undefined = await page.nextPage()
    if (next && !next.ok) throw next.error
    page = next?.value
  }
}

async function* iterateItems<O, Item, E>(first: Paginated<O, Item, E>, field: string | undefined, { method, options }: PageState): AsyncGenerator<Item> {
  if (field === undefined) throw new TypeError('this method has no single items array to iterate; iterate pages instead')
  const { signal } = options
  for await (const page of iteratePages(first)) {
    for (const item of itemsOf(page, field) as Item[]) {
      // Checked between items too: a bot shutting down would otherwise handle the rest of a page (100 messages).
      if (signal?.aborted) throw new AbortError({ nsid: method.nsid, status: 0, error: 'Aborted', message: `${method.nsid} was aborted`, cause: signal.reason })
      yield item
    }
  }
}

/** The page's items: the field is named by the lexicon, so only the page's own property counts. */
function itemsOf(page: object, field: string): readonly unknown[] {
  const items = Object.hasOwn(page, field) ? (page as Record<string, unknown>)[field] : undefined
  return Array.isArray(items) ? items : []
}

function remember(sent: Map<number, number>, key: number, page: number): void {
  sent.delete(key)
  sent.set(key, page)
  if (sent.size > REMEMBERED_CURSORS) sent.delete(sent.keys().next().value!)
}

/**
 * A 53-bit fingerprint of a cursor (two 32-bit multiplicative hashes): a chance collision would
 * need billions of pages, and a server that forges one only ends its own paging early.
 */
function fingerprint(text: string): number {
  let a = 0x811c9dc5
  let b = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    a = Math.imul(a ^ code, 0x01000193)
    b = Math.imul(b ^ code, 0x5bd1e995)
    b ^= b >>> 13
  }
  return ((b >>> 0) % 0x200000) * 0x100000000 + (a >>> 0)
}

function checkPageLimit(name: string, value: number | undefined): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !(value >= 1) || (Number.isFinite(value) && !Number.isInteger(value))) {
    throw new TypeError(`${name} must be a whole number >= 1 (or Infinity), got ${shown(value)}`)
  }
}
