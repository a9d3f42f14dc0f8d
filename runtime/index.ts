/**
 * The public runtime API: what generated modules and their callers import from `@lexgen/runtime`.
 * What only generated validators call lives in `@lexgen/runtime/validate` (validate.ts).
 *
 * The optional properties of what callers write (configs, call and page options, session data,
 * requests a layer passes on) take `undefined` too, which the runtime reads as left out: under
 * exactOptionalPropertyTypes, `{ signal }` then compiles while the signal may be unset.
 */
export { call, type CallArgs } from './call.js'
export { Core, type CoreConfig } from './core.js'
export { withDefaults, type DefaultsConfig } from './defaults.js'
export type { AuthSource } from './auth.js'
export { hooks, type ErrorContext, type Hooks, type RequestContext, type ResponseContext } from './hooks.js'
export { retry } from './retry.js'
export { timeout } from './timeout.js'
export type {
  AuthLayer,
  CallOptions,
  Layer,
  LayerOption,
  OptionChecks,
  Outcome,
  RetryOption,
  RetryPolicy,
  Send,
  ValidationCheck,
  ValidationMode,
  XrpcRequest,
} from './stack.js'
export type { RawRequest, RawResponse, Transport } from './transport/types.js'
export { fetchTransport, type FetchFunction } from './transport/fetch.js'
export {
  AbortError,
  AuthenticationRequiredError,
  ConfigurationError,
  ConnectionError,
  declaredError,
  ExpiredTokenError,
  ForbiddenError,
  InternalServerError,
  InvalidRequestError,
  InvalidResponseError,
  InvalidTokenError,
  MethodNotImplementedError,
  NotFoundError,
  PaginationLoopError,
  PayloadTooLargeError,
  RateLimitExceededError,
  RequestValidationError,
  ResponseTooLargeError,
  ResponseValidationError,
  TimeoutError,
  UnexpectedRedirectError,
  UpstreamFailureError,
  ValidationError,
  XrpcError,
  XrpcResponseError,
  XrpcTransportError,
  type DeclaredError,
  type DeclaredErrorClass,
  type ValidationIssue,
  type XrpcErrorInit,
  type XrpcTransportErrorInit,
} from './errors.js'
export { is$typed, type $Typed, type BlobRef, type Bytes, type CidLink, type Unknown$TypedObject, type Unknown$TypedObjectInput, type UnknownObject, type UnknownObjectInput } from './lexicon.js'
export type { Method, MethodType } from './method.js'
export type { RateLimit } from './rate-limit.js'
export { callPaginated, type PageMethods, type PageOptions, type Paginated } from './paginate.js'
export { BSKY_CHAT_PROXY } from './proxy.js'
export type { SessionManager } from './session-manager.js'
export {
  CredentialSession,
  type CredentialSessionConfig,
  type LoginInput,
  type SessionData,
  type SessionEvent,
  type SessionMethods,
} from './session.js'
export type { BinaryInput } from './request.js'
export { err, ok, unwrap, type Err, type Ok, type ResponseInfo, type Result } from './result.js'
export type { MethodValidators, Validator } from './validate.js'
export { validate, validating, type ValidationRegistry } from './validation.js'
