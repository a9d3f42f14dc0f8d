/**
 * Cursor pagination. A page is the method's output plus non-enumerable helpers:
 * it is async-iterable over pages (starting with itself), `allItems()` flattens the
 * items array across pages, and `nextPage()` fetches one more page as a Result.
 * Only the current page is held while iterating, so memory stays flat.
 */
import { call } from './call.js'
import type { Core } from './core.js'
import { PaginationLoopError, type XrpcError } from './errors.js'
import type { Method } from './method.js'
import { err, ok, type Result } from './result.js'
import type { CallOptions } from './stack.js'

export interface PageOptions extends CallOptions {
  /** Stop iterating after this many pages, the first included. */
  maxPages?: number
}

export interface PageMethods<O, Item, E> {
  /** True when the server returned a cursor, so there may be more. */
  hasNextPage(): boolean
  /** The next page as a Result (never throws for HTTP/XRPC/transport failures), or `undefined` after the last page. */
  nextPage(): Promise<Result<Paginated<O, Item, E>, E | PaginationLoopError> | undefined>
  /** Every item from this page on, across pages; throws the typed error if a page fails. */
  allItems(): AsyncIterableIterator<Item>
  /** This page, then each following page; throws the typed error if a page fails. */
  [Symbol.asyncIterator](): AsyncIterator<Paginated<O, Item, E>>
}

export type Paginated<O, Item, E> = O & PageMethods<O, Item, E>

interface PageState {
  readonly core: Core
  readonly method: Method
  readonly params: { cursor?: string; [key: string]: unknown }
  readonly options: PageOptions
  /** 1 for the first page. */
  readonly number: number
  /**
   * Every cursor sent in this chain, with the number of the page it fetched. A cursor that
   * fetched this page or an earlier one coming back would page forever; one that fetched a
   * later page is just this page being asked for its next one again.
   */
  readonly sent: Map<string, number>
}

/** Calls a paginated query and returns its first page. */
export async function callPaginated<O, Item, E extends XrpcError = XrpcError>(
  core: Core,
  method: Method,
  args: { params?: object | undefined },
  options: PageOptions = {},
): Promise<Result<Paginated<O, Item, E>, E>> {
  const params = { ...(args.params as PageState['params']) }
  const sent = new Map<string, number>(params.cursor === undefined ? [] : [[params.cursor, 1]])
  return fetchPage<O, Item, E>({ core, method, params, options, number: 1, sent }) as Promise<Result<Paginated<O, Item, E>, E>>
}

async function fetchPage<O, Item, E>(state: PageState): Promise<Result<Paginated<O, Item, E>, E | PaginationLoopError>> {
  const { maxPages: _maxPages, ...callOptions } = state.options
  const result = await call<O, XrpcError>(state.core, state.method, { params: state.params }, callOptions)
  if (!result.ok) return result as Result<never, E>
  return ok(asPage<O, Item, E>(result.value, state), result.response)
}

function asPage<O, Item, E>(output: O, state: PageState): Paginated<O, Item, E> {
  const cursor = (output as { cursor?: unknown } | undefined)?.cursor
  const next = typeof cursor === 'string' && cursor !== '' ? cursor : undefined
  const withinLimit = state.options.maxPages === undefined || state.number < state.options.maxPages
  const page = (typeof output === 'object' && output !== null ? output : {}) as Paginated<O, Item, E>

  const nextPage = async (): Promise<Result<Paginated<O, Item, E>, E | PaginationLoopError> | undefined> => {
    if (next === undefined || !withinLimit) return undefined
    const fetched = state.sent.get(next)
    if (fetched !== undefined && fetched <= state.number) return err(new PaginationLoopError(state.method.nsid, next, state.number))
    state.sent.set(next, state.number + 1)
    return fetchPage<O, Item, E>({ ...state, params: { ...state.params, cursor: next }, number: state.number + 1 })
  }

  Object.defineProperties(page, {
    hasNextPage: { value: () => next !== undefined && withinLimit },
    nextPage: { value: nextPage },
    [Symbol.asyncIterator]: { value: () => iteratePages(page) },
    allItems: { value: () => iterateItems(page, state.method.paginate?.items) },
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

async function* iterateItems<O, Item, E>(first: Paginated<O, Item, E>, field: string | undefined): AsyncGenerator<Item> {
  if (field === undefined) throw new TypeError('this method has no single items array to iterate; iterate pages instead')
  for await (const page of iteratePages(first)) {
    const items = (page as Record<string, unknown>)[field]
    if (Array.isArray(items)) yield* items as Item[]
  }
}
