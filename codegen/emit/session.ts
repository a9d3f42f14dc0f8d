import { relativeImport, type Model } from '../model.js'
import { banner, newWriter, quote, writeDoc } from './writer.js'

/** The `com.atproto.server` methods a credential session needs, by the role they play. */
const SESSION_METHODS = {
  createSession: 'com.atproto.server.createSession',
  refreshSession: 'com.atproto.server.refreshSession',
  deleteSession: 'com.atproto.server.deleteSession',
} as const

/** Whether the selection has the three methods, so `session.ts` (and the docs' Sessions section) is written. */
export function hasCredentialSession(model: Model): boolean {
  return Object.values(SESSION_METHODS).every((nsid) => model.byNsid.get(nsid)?.method)
}

/**
 * `session.ts`: the runtime's `CredentialSession` wired to the generated `com.atproto.server`
 * functions. Emitted only when the selection includes all three methods.
 */
export function emitSessionModule(model: Model): string | undefined {
  if (!hasCredentialSession(model)) return undefined
  const docs = Object.entries(SESSION_METHODS).map(([role, nsid]) => [role, model.byNsid.get(nsid)] as const)
  const w = newWriter()
  const self = `session${model.fileExt}`
  const names = ['CredentialSession as SessionBase', 'withDefaults', 'type CredentialSessionConfig', 'type DefaultsConfig']
  w.writeLine(`import {\n${names.map((name) => `  ${name},\n`).join('')}} from ${quote(relativeImport(self, model.runtimeModule, model.importExt))}`)
  for (const [, doc] of docs) w.writeLine(`import { ${doc!.method!.functionName} } from ${quote(relativeImport(self, doc!.path, model.importExt))}`)
  w.writeLine(`import { validation } from ${quote(relativeImport(self, `validation${model.fileExt}`, model.importExt))}`)
  w.blankLine()
  writeDoc(w, ['What `withDefaults` takes (retries, timeout, hooks, validation), the server to log in to (a PDS or an entryway), `onSessionChange` and `refreshTimeout`.'])
  w.writeLine("export type SessionConfig = Omit<DefaultsConfig, 'auth' | 'service'> & { service: string | URL } & Pick<CredentialSessionConfig, 'onSessionChange' | 'refreshTimeout'>")
  w.blankLine()
  writeDoc(w, [
    'A password login session: `await session.login({ identifier, password })`, then',
    '`new Client(session.core)`. Expired access tokens are refreshed once for all waiting calls;',
    'persist the tokens `onSessionChange` reports, since each refresh token works only once.',
    'Like the `Client`, `session.core` has `withDefaults` and validates unless configured otherwise.',
    "Its calls go to the PDS the account's DID document names (`session.session.pdsUrl`); login,",
    'refresh and logout stay on `service` (an entryway such as `https://bsky.social`).',
  ])
  w.write('export class CredentialSession extends SessionBase').block(() => {
    w.write('constructor({ onSessionChange, refreshTimeout, ...config }: SessionConfig)').block(() => {
      w.write('super({ ...withDefaults({ validation, ...config }), onSessionChange, refreshTimeout }, ').inlineBlock(() => {
        for (const [role, doc] of docs) w.writeLine(`${role}: ${doc!.method!.functionName},`)
      })
      w.write(')').newLine()
    })
  })
  return banner('the selected lexicons') + w.toString().trimEnd() + '\n'
}
