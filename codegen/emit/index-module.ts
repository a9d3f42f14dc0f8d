import { relativeImport, type Model } from '../model.js'
import { banner, quote } from './writer.js'

/** `index.ts`: the client (and session), every doc as a namespace, and every standalone function by name. */
export function emitIndexModule(model: Model, withSession: boolean): string {
  const self = `index${model.fileExt}`
  const local = (name: string) => quote(relativeImport(self, `${name}${model.fileExt}`, model.importExt))
  const lines = [
    `export { Client } from ${local('client')}`,
    `export { validation } from ${local('validation')}`,
    ...(withSession ? [`export { CredentialSession, type SessionConfig } from ${local('session')}`] : []),
    `export { Core, withDefaults, type CallOptions, type CoreConfig, type DefaultsConfig, type Result } from ${quote(relativeImport(self, model.runtimeModule, model.importExt))}`,
    '',
  ]
  for (const doc of model.docs) {
    lines.push(`export * as ${doc.alias} from ${quote(relativeImport(self, doc.path, model.importExt))}`)
  }
  lines.push('')
  for (const doc of model.docs) {
    if (doc.method) lines.push(`export { ${doc.method.functionName} } from ${quote(relativeImport(self, doc.path, model.importExt))}`)
  }
  return banner('the selected lexicons') + '\n' + lines.join('\n') + '\n'
}
