/**
 * The runtime's error classes (runtime/errors.ts) as the docs present them: where each sits in
 * the hierarchy, the statuses that produce it and when. tests/docs pins this list to the runtime.
 */

export interface GeneralError {
  readonly className: string
  /** The class it extends; the root has none. */
  readonly parent?: string
  /** The HTTP statuses (or `0`, no response) it comes with, as the docs print them. */
  readonly status: string
  readonly when: string
  /** Only some methods can fail with it. */
  readonly only?: 'params-or-input' | 'json-output' | 'paginated'
  /** A base class to catch; not raised itself (or only for statuses no subclass covers). */
  readonly base?: boolean
}

export const GENERAL_ERRORS: readonly GeneralError[] = [
  { className: 'XrpcError', status: 'any', when: 'every failure a call can return or throw', base: true },
  { className: 'XrpcResponseError', parent: 'XrpcError', status: 'any other non-2xx', when: 'the server answered with an error status', base: true },
  { className: 'UnexpectedRedirectError', parent: 'XrpcResponseError', status: '3xx', when: 'a redirect: never followed, so the token never reaches another origin' },
  { className: 'InvalidRequestError', parent: 'XrpcResponseError', status: '400', when: 'the server rejected the request (and named no declared error)' },
  { className: 'AuthenticationRequiredError', parent: 'XrpcResponseError', status: '401', when: 'missing or rejected credentials' },
  { className: 'ExpiredTokenError', parent: 'AuthenticationRequiredError', status: '400 or 401', when: 'error `ExpiredToken`; with a `CredentialSession`, seen only if the one refresh and replay failed, or for a streamed input, which is not sent twice' },
  { className: 'InvalidTokenError', parent: 'AuthenticationRequiredError', status: '400 or 401', when: 'error `InvalidToken`' },
  { className: 'ForbiddenError', parent: 'XrpcResponseError', status: '403', when: 'not allowed' },
  { className: 'NotFoundError', parent: 'XrpcResponseError', status: '404', when: 'no such method on the server' },
  { className: 'PayloadTooLargeError', parent: 'XrpcResponseError', status: '413', when: 'the request body is too large' },
  { className: 'RateLimitExceededError', parent: 'XrpcResponseError', status: '429', when: 'rate limited: `retryAfter` says until when, and `rateLimit.reset` when `rateLimit.remaining` is 0 (a PDS puts its own window, with room left, on a proxied 429) (retried first)' },
  { className: 'InternalServerError', parent: 'XrpcResponseError', status: '500, other 5xx', when: 'the server failed' },
  { className: 'MethodNotImplementedError', parent: 'XrpcResponseError', status: '501', when: 'the server does not implement the method' },
  { className: 'UpstreamFailureError', parent: 'XrpcResponseError', status: '502, 503, 504', when: 'the PDS could not reach the service it proxies to, or is overloaded' },
  { className: 'InvalidResponseError', parent: 'XrpcError', status: '2xx', when: 'a success whose body could not be decoded; `body` keeps its start', only: 'json-output' },
  { className: 'ResponseTooLargeError', parent: 'XrpcError', status: 'any', when: 'a body over `maxResponseBytes` (16 MiB by default); reading stopped there' },
  { className: 'PaginationLoopError', parent: 'XrpcError', status: '0', when: 'the server repeated a cursor while paging, or sent `maxEmptyPages` pages in a row with no items', only: 'paginated' },
  { className: 'ValidationError', parent: 'XrpcError', status: '0 or 2xx', when: 'params, input or a response broke the lexicon', base: true },
  { className: 'RequestValidationError', parent: 'ValidationError', status: '0', when: 'params or input broke the lexicon: nothing was sent', only: 'params-or-input' },
  { className: 'ResponseValidationError', parent: 'ValidationError', status: '2xx', when: 'the response broke the lexicon; `body` keeps its first 64 Ki characters, credentials redacted', only: 'json-output' },
  { className: 'XrpcTransportError', parent: 'XrpcError', status: '0', when: 'no response at all', base: true },
  { className: 'ConnectionError', parent: 'XrpcTransportError', status: '0', when: "the service could not be reached, or gave no complete answer (`unsent` says whether the request provably never left); `error` `'SessionFailed'`: a session manager refused on its own (a revoked OAuth session)" },
  { className: 'TimeoutError', parent: 'XrpcTransportError', status: '0', when: 'an attempt took longer than `timeout` (30 s by default)' },
  { className: 'AbortError', parent: 'XrpcTransportError', status: '0', when: 'your `signal` aborted the call' },
]
