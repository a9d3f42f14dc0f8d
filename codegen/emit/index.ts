import { relativeImport, type Model } from '../model.js'
import { banner, quote } from './writer.js'

/** `index.ts`: the client (and session), every doc as a namespace, and every standalone function by name. */
export function emitIndexModule(model: Model, withSession: boolean): string {
  const lines = [
    `export { Client } from './client.js'`,
    `export { validation } from './validation.js'`,
    ...(withSession ? [`export { CredentialSession } from './session.js'`] : []),
    `export { Core, withDefaults, type CallOptions, type CoreConfig, type DefaultsConfig, type Result } from ${quote(model.runtimeImport)}`,
    '',
  ]
  for (const doc of model.docs) {
    lines.push(`export * as ${doc.alias} from ${quote(relativeImport('index.ts', doc.path))}`)
  }
  lines.push('')
  for (const doc of model.docs) {
    if (doc.method) lines.push(`export { ${doc.method.functionName} } from ${quote(relativeImport('index.ts', doc.path))}`)
  }
  return banner('the selected lexicons') + '\n' + lines.join('\n') + '\n'
}
