/** The public runtime API: what generated modules and their callers import from `@lexgen/runtime`. */
export {
  call,
  Core,
  type AuthSource,
  type CallOptions,
  type CoreConfig,
  type ErrorContext,
  type RequestContext,
  type ResponseContext,
} from './client.js'
export {
  AbortError,
  AuthenticationRequiredError,
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
  type RateLimit,
  type XrpcErrorInit,
} from './errors.js'
export { is$typed, type $Typed, type BlobRef, type Bytes, type CidLink, type Unknown$TypedObject, type UnknownObject } from './lexicon.js'
export type { DeclaredErrorClass, Method, MethodType } from './method.js'
export { callPaginated, type PageMethods, type PageOptions, type Paginated } from './paginate.js'
export { BSKY_CHAT_PROXY } from './proxy.js'
export type { RetryOption, RetryPolicy } from './retry.js'
export {
  CredentialSession,
  type CredentialSessionConfig,
  type LoginInput,
  type SessionAuth,
  type SessionData,
  type SessionEvent,
  type SessionMethods,
} from './session.js'
export type { BinaryInput } from './request.js'
export { err, ok, unwrap, type Err, type Ok, type ResponseInfo, type Result } from './result.js'
export {
  validAtIdentifier,
  validAtUri,
  validCid,
  validDatetime,
  validDid,
  validHandle,
  validLanguage,
  validNsid,
  validRecordKey,
  validTid,
  validUri,
} from './formats.js'
export {
  badFormat,
  checkBlob,
  checkBytes,
  checkCidLink,
  checked,
  graphemeCount,
  isObject,
  issue,
  maxBytes,
  maxGraphemes,
  minBytes,
  minGraphemes,
  missing,
  knownValue,
  notAMember,
  oneOf,
  unionType,
  unknownFields,
  utf8Length,
  wrongType,
  type PathSegment,
  type ValidationContext,
  type ValidationIssue,
  type Validator,
} from './validate.js'
export { validate, type MethodValidators, type ValidationMode, type ValidationRegistry } from './validation.js'
