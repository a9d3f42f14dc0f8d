/**
 * Validation in calls: the registry a Core is given (validators by NSID), the response modes,
 * and the checks `call()` runs before sending and after a 2xx, with the errors they fail with.
 */
import type { CallOptions, Core } from './client.js'
import { RequestValidationError, ResponseValidationError, type XrpcErrorInit } from './errors.js'
import type { Method } from './method.js'
import type { ValidationContext, ValidationIssue, Validator } from './validate.js'

/** The validators of one XRPC method, for the parts it has in JSON. */
export interface MethodValidators {
  readonly params?: Validator
  readonly input?: Validator
  readonly output?: Validator
}

/** Validators by NSID: the generated `validation.ts`, or only the methods a program calls. */
export type ValidationRegistry = Readonly<Record<string, MethodValidators>>

/**
 * How responses are checked. `lenient` matches @atproto/lexicon: it tolerates what lexicon evolution
 * allows (unknown fields, unknown `$type` in open unions, unknown `knownValues`); `strict` rejects those too.
 */
export type ValidationMode = 'lenient' | 'strict' | 'off'

const MODES: readonly string[] = ['lenient', 'strict', 'off']

export function assertValidationMode(mode: unknown): asserts mode is ValidationMode | undefined {
  if (mode !== undefined && !MODES.includes(mode as string)) {
    throw new TypeError(`validate must be 'lenient', 'strict' or 'off', got ${JSON.stringify(mode)}`)
  }
}

/** Runs one validator from the top; the issues come back with readable paths (`limit`, `message.text`). */
export function validate(validator: Validator, value: unknown, strict: boolean, blobLimits = strict): ValidationIssue[] {
  const ctx: ValidationContext = { issues: [], strict, blobLimits }
  if (!validator(value, ctx)) for (const issue of ctx.issues) issue.path = issue.path.replace(/^\./, '')
  return ctx.issues
}

/**
 * A call's params, then its input, before anything is sent (an error means nothing was). Lenient,
 * so what lexicon evolution allows still goes out; blob limits are checked, as the PDS would refuse them.
 * Lexicon defaults (`limit` 50) are not filled in: the server applies its own, current ones, and
 * what is sent stays exactly what the caller gave.
 */
export function checkRequest(
  core: Core,
  method: Method,
  args: { params?: object; input?: unknown },
  options: CallOptions,
): RequestValidationError | undefined {
  const validators = core.validation?.[method.nsid]
  if (!validators || !(options.validateRequest ?? core.validateRequest)) return undefined
  // A JSON input left out is sent as `{}` (see encodeInput), so that is what is checked.
  for (const [part, value] of [['params', args.params], ['input', args.input ?? {}]] as const) {
    const issues = validators[part] ? validate(validators[part], value, false, true) : []
    if (issues.length) return new RequestValidationError({ ...failure(method.nsid, part, issues), status: 0, error: 'InvalidRequest' })
  }
  return undefined
}

/** The check a call runs on each decoded 2xx body: issues when the body breaks the lexicon. */
export function outputCheck(core: Core, method: Method, options: CallOptions): ((value: unknown) => ValidationIssue[] | undefined) | undefined {
  assertValidationMode(options.validate)
  const validator = core.validation?.[method.nsid]?.output
  const mode = options.validate ?? core.validate
  if (!validator || mode === 'off') return undefined
  return (value) => {
    const issues = validate(validator, value, mode === 'strict')
    return issues.length ? issues : undefined
  }
}

export function responseValidationError(
  init: Omit<XrpcErrorInit, 'error' | 'message'>,
  issues: ValidationIssue[],
  body: string,
): ResponseValidationError {
  return new ResponseValidationError({ ...init, ...failure(init.nsid, 'output', issues), error: 'InvalidResponse', body })
}

/** One line: the NSID, the part, the first issue and how many more. */
function failure<P extends 'params' | 'input' | 'output'>(nsid: string, part: P, issues: ValidationIssue[]) {
  const [first] = issues
  const where = first!.path === '' ? '' : `${first!.path}: `
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
  return { nsid, part, issues, message: `${nsid} ${part} does not match the lexicon: ${where}${first!.message}${more}` }
}
