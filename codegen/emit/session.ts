import type { Model } from '../model.js'
import { relativeImport } from './module.js'
import { banner, newWriter, quote, writeDoc } from './writer.js'

/** The `com.atproto.server` methods a credential session needs, by the role they play. */
const SESSION_METHODS = {
  createSession: 'com.atproto.server.createSession',
  refreshSession: 'com.atproto.server.refreshSession',
  deleteSession: 'com.atproto.server.deleteSession',
} as const

/**
 * `session.ts`: the runtime's `CredentialSession` wired to the generated `com.atproto.server`
 * functions. Emitted only when the selection includes all three methods.
 */
export function emitSessionModule(model: Model): string | undefined {
  const docs = Object.entries(SESSION_METHODS).map(([role, nsid]) => [role, model.byNsid.get(nsid)] as const)
  if (docs.some(([, doc]) => !doc?.method)) return undefined
  const w = newWriter()
  const self = `session${model.fileExt}`
  w.writeLine(`import { CredentialSession as SessionBase, type CredentialSessionConfig } from ${quote(model.runtimeImport)}`)
  for (const [, doc] of docs) w.writeLine(`import { ${doc!.method!.functionName} } from ${quote(relativeImport(self, doc!.path))}`)
  w.writeLine(`import { validation } from ${quote(relativeImport(self, `validation${model.fileExt}`))}`)
  w.blankLine()
  writeDoc(w, [
    'A password login session: `await session.login({ identifier, password })`, then',
    '`new Client(session.core)`. Expired access tokens are refreshed once for all waiting calls;',
    'persist the tokens `onSessionChange` reports, since each refresh token works only once.',
    'Like the `Client`, `session.core` validates with the generated validators unless configured otherwise.',
  ])
  w.write('export class CredentialSession extends SessionBase').block(() => {
    w.write('constructor(config: CredentialSessionConfig)').block(() => {
      w.write('super({ validation, ...config }, ').inlineBlock(() => {
        for (const [role, doc] of docs) w.writeLine(`${role}: ${doc!.method!.functionName},`)
      })
      w.write(')').newLine()
    })
  })
  return banner('the selected lexicons') + w.toString().trimEnd() + '\n'
}
