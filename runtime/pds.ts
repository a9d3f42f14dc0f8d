/**
 * The PDS a session's DID document names, which its calls then go to (as @atproto/api and atcute
 * do): a user who logs in at an entryway (`https://bsky.social`) is served by their own PDS host.
 * The document comes from the server's login or refresh answer, so it is read as hostile input:
 * only the fields asked for, never a key into an object of ours.
 */

/**
 * The origin of the `#atproto_pds` service `didDoc` names for `did` (`AtprotoPersonalDataServer`,
 * an http(s) URL), or undefined: a document for another DID, none of that id, another type, an
 * endpoint that is no such URL or carries credentials, or plain http for a session on https,
 * which would send its tokens in clear text.
 */
export function pdsOrigin(didDoc: unknown, did: string, service: URL): string | undefined {
  if (typeof didDoc !== 'object' || didDoc === null) return undefined
  const { id, service: services } = didDoc as { id?: unknown; service?: unknown }
  if (id !== did || !Array.isArray(services)) return undefined
  const ids: unknown[] = ['#atproto_pds', `${did}#atproto_pds`]
  // The first service of that id decides, as in @atproto/common-web.
  const entry = services.find((s: unknown) => ids.includes(field(s, 'id')))
  const serviceEndpoint = field(entry, 'serviceEndpoint')
  if (field(entry, 'type') !== 'AtprotoPersonalDataServer' || typeof serviceEndpoint !== 'string') return undefined
  return pdsProblem(serviceEndpoint, service) === undefined ? new URL(serviceEndpoint).origin : undefined
}

/** Why `pdsUrl` cannot take a session's calls when it logged in at `service`, or undefined. */
export function pdsProblem(pdsUrl: string, service: URL): string | undefined {
  // The text itself, as @atproto/common-web checks it: URL also reads `HTTPS://host`, ` https://host`,
  // `https:host` and `https:\\host` as https URLs, where @atproto/api sees no PDS (and stays on the service).
  if (!pdsUrl.startsWith('https://') && !pdsUrl.startsWith('http://')) return 'must be an http(s) URL'
  let url: URL
  try {
    url = new URL(pdsUrl)
  } catch {
    return 'must be an http(s) URL'
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials'
  if (url.protocol === 'http:' && service.protocol === 'https:') return `must be https, as the service is (${service.origin})`
  return undefined
}

/** `value[name]` when `value` is an object. */
function field(value: unknown, name: 'id' | 'type' | 'serviceEndpoint'): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<typeof name, unknown>)[name] : undefined
}
