/**
 * Validation in calls: `validating(registry)` turns generated validators (by NSID) into the
 * check `call` consults: params and input before sending, and each 2xx body in the call's mode.
 * A Core without it bundles none of this, nor any validator.
 */
import { checkValidateMode } from './core.js'
import { moreIssues, RequestValidationError, ResponseValidationError } from './errors.js'
import { redactCredentials, type Redact } from './redact.js'
import type { ValidationCheck, ValidationMode } from './stack.js'
import { MAX_DEPTH, type MethodValidators, type ValidationContext, type ValidationIssue, type Validator } from './validate.js'

/** Validators by NSID: the generated ones, or only the methods a program calls. */
export type ValidationRegistry = Readonly<Record<string, MethodValidators>>

/**
 * The check for a Core's `validation`. Requests are checked leniently, so what lexicon evolution
 * allows still goes out; blob limits are checked, as the PDS would refuse them. Lexicon defaults
 * (`limit` 50) are not filled in: the server applies its own, and what is sent stays exactly
 * what the caller gave.
 */
export function validating(registry: ValidationRegistry): ValidationCheck {
  return {
    request(method, args) {
      // NSIDs are looked up as own keys: a registry is a plain object.
      const validators = Object.hasOwn(registry, method.nsid) ? registry[method.nsid] : undefined
      if (!validators) return undefined
      // A JSON input left out is sent as `{}` (see encodeInput), so that is what is checked. A token
      // put in by mistake (the access token as a DID) is no more shown than one a server echoes.
      for (const [part, value] of [['params', args.params], ['input', args.input ?? {}]] as const) {
        const issues = validators[part] ? validate(validators[part], value, false, true, redactCredentials) : []
        if (issues.length) return new RequestValidationError({ nsid: method.nsid, status: 0, part, issues: issues as [ValidationIssue, ...ValidationIssue[]] })
      }
      return undefined
    },
    response(method, mode: ValidationMode) {
      checkValidateMode(mode)
      const validator = Object.hasOwn(registry, method.nsid) ? registry[method.nsid]!.output : undefined
      if (!validator || mode === 'off') return undefined
      return (value, response) => {
        const issues = validate(validator, value, mode === 'strict', mode === 'strict', response.redact)
        if (!issues.length) return undefined
        const { nsid, attempts, status, headers } = response
        return new ResponseValidationError({ nsid, attempts, status, headers, issues: issues as [ValidationIssue, ...ValidationIssue[]], body: response.body() })
      }
    },
  }
}

/**
 * Runs one validator from the top; the issues come back with readable paths (`limit`,
 * `message.text`), and any wire text they quote passed through `redact`.
 */
export function validate(validator: Validator, value: unknown, strict: boolean, blobLimits = strict, redact?: Redact): ValidationIssue[] {
  const ctx: ValidationContext = { issues: [], strict, blobLimits, redact, depthLeft: MAX_DEPTH }
  if (!validator(value, ctx)) for (const issue of ctx.issues) issue.path = issue.path.replace(/^\./, '')
  if (ctx.unlisted) ctx.issues.push(moreIssues(ctx.unlisted, ctx.issues.length))
  return ctx.issues
}
