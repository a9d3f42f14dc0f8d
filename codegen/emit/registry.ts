import { relativeImport, type Model } from '../model.js'
import { banner, quote } from './writer.js'

/** `validation.ts`: every method's validators by NSID, as the check a Core consults; the Client installs it. */
export function emitValidationModule(model: Model): string {
  const methods = model.docs.filter((doc) => doc.method)
  const self = `validation${model.fileExt}`
  const lines = [`import { validating, type ValidationCheck } from ${quote(relativeImport(self, model.runtimeModule, model.importExt))}`]
  for (const doc of methods) lines.push(`import { validators as ${doc.method!.functionName} } from ${quote(relativeImport(self, doc.path, model.importExt))}`)
  lines.push(
    '',
    '/**',
    ' * Validation for every selected method. Give it to a Core (`new Core({ service, validation })`) to',
    ' * validate requests before sending and responses on arrival; the Client installs it by default. A',
    ' * program that calls few methods can pass `validating({ [id]: validators })` to keep its bundle small.',
    ' */',
    'export const validation: ValidationCheck = /*#__PURE__*/ validating({',
    ...methods.map((doc) => `  ${quote(doc.nsid)}: ${doc.method!.functionName},`),
    '})',
  )
  return banner('the selected lexicons') + lines.join('\n') + '\n'
}
