/** What a successful call saw on the wire, for callers who need more than the body. */
export interface ResponseInfo {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** Attempts made, including the successful one. */
  readonly attempts: number
}

export type Ok<T> = { readonly ok: true; readonly value: T; readonly response: ResponseInfo }
export type Err<E> = { readonly ok: false; readonly error: E }

/** The outcome of a standalone call: standalone functions never throw for HTTP, XRPC or transport failures. */
export type Result<T, E> = Ok<T> | Err<E>

export function ok<T>(value: T, response: ResponseInfo): Ok<T> {
  return { ok: true, value, response }
}

export function err<E>(error: E): Err<E> {
  return { ok: false, error }
}

/** Returns the value or throws the error: the bridge from the Result style to the throwing style. */
export function unwrap<T, E>(result: Result<T, E>): T {
  if (result.ok) return result.value
  throw result.error
}
