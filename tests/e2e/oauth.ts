/**
 * OAuth against the real PDS of the harness: a loopback `@atproto/oauth-client-node` client
 * (`http://localhost?…`, which the PDS's provider accepts without fetching metadata), and the
 * user's part of the flow — the authorization page, signing in, consenting — driven through the
 * provider's own JSON API as its web page calls it (cookies, CSRF token, same-origin headers), with
 * no browser. The client then exchanges the code for DPoP-bound tokens: a real `OAuthSession`.
 */
import { request as httpRequest } from 'node:http'
import { NodeOAuthClient, type NodeSavedSession, type NodeSavedState, type OAuthSession } from '@atproto/oauth-client-node'
import { expect } from 'vitest'
import type { Account, E2e } from './harness.js'

const REDIRECT_URI = 'http://127.0.0.1/callback'

/** A loopback OAuth client asking for `scope`, resolving identities through the harness (PLC, the PDS). */
function oauthClient(e2e: E2e, scope: string): NodeOAuthClient {
  const states = new Map<string, NodeSavedState>()
  const sessions = new Map<string, NodeSavedSession>()
  return new NodeOAuthClient({
    clientMetadata: {
      client_id: `http://localhost?${new URLSearchParams({ redirect_uri: REDIRECT_URI, scope })}`,
      redirect_uris: [REDIRECT_URI],
      scope,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      dpop_bound_access_tokens: true,
    },
    stateStore: { get: async (k) => states.get(k), set: async (k, v) => void states.set(k, v), del: async (k) => void states.delete(k) },
    sessionStore: { get: async (k) => sessions.get(k), set: async (k, v) => void sessions.set(k, v), del: async (k) => void sessions.delete(k) },
    handleResolver: e2e.pds.url,
    plcDirectoryUrl: e2e.plc.url,
    allowHttp: true,
  })
}

/** One request as a browser sends it (fetch would overwrite the `sec-fetch-*` headers the provider checks). */
function browserRequest(url: URL, init: { method?: string; headers: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; setCookies: string[]; body: string }>((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookies: res.headers['set-cookie'] ?? [], body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

/** Cookies as a browser keeps them for one site: set by responses, sent back with requests. */
class CookieJar {
  private readonly cookies = new Map<string, string>()
  take(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair] = line.split(';')
      const eq = pair!.indexOf('=')
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim())
    }
  }
  get(name: string): string | undefined {
    return this.cookies.get(name)
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

/**
 * What the user does on the PDS's authorization page: open it, sign in, consent. Resolves to the
 * parameters the provider redirects back to the client with (`code`, `state`, `iss`).
 */
async function authorizeAsUser(authorizeUrl: URL, account: Account): Promise<URLSearchParams> {
  const jar = new CookieJar()
  const page = await browserRequest(authorizeUrl, { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'none', 'sec-fetch-dest': 'document' } })
  jar.take(page.setCookies)
  expect(page.status, page.body).toBe(200)
  const api = async (endpoint: string, body: unknown, authorization?: string) => {
    const response = await browserRequest(new URL(`/@atproto/oauth-provider/~api${endpoint}`, authorizeUrl.origin), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: jar.header(),
        origin: authorizeUrl.origin,
        referer: authorizeUrl.href,
        'sec-fetch-mode': 'same-origin',
        'sec-fetch-site': 'same-origin',
        'sec-fetch-dest': 'empty',
        'x-csrf-token': jar.get('csrf-token') ?? '',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify(body),
    })
    jar.take(response.setCookies)
    expect(response.status, `${endpoint}: ${response.body}`).toBe(200)
    return JSON.parse(response.body) as Record<string, unknown>
  }
  const signedIn = await api('/sign-in', { locale: 'en', username: account.handle, password: account.password, remember: false })
  const sub = (signedIn.account as { sub: string }).sub
  expect(sub).toBe(account.did)
  const consented = await api('/consent', { sub }, `Bearer ${signedIn.ephemeralToken as string}`)
  // The provider's redirect page, whose query carries what it sends the client back with.
  const redirect = new URL(consented.url as string)
  return new URLSearchParams([...redirect.searchParams].filter(([key]) => ['code', 'state', 'iss', 'error', 'error_description'].includes(key)))
}

/** The whole flow for `account`, asking for `scope`: an OAuth session, as an app gets it from `callback`. */
export async function oauthSession(e2e: E2e, account: Account, scope: string): Promise<OAuthSession> {
  const client = oauthClient(e2e, scope)
  const url = await client.authorize(account.handle, { scope })
  const params = await authorizeAsUser(url, account)
  expect(params.get('error'), params.get('error_description') ?? '').toBeNull()
  const { session } = await client.callback(params)
  expect(session.did).toBe(account.did)
  return session
}
