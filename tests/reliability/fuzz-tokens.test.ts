/**
 * A server that echoes the bearer token back, anywhere (seeded fast-check): in any response
 * header, as the XRPC error name, inside an error message or an undecodable body long enough to
 * be cut, in any field of a real response (where a format, `$type` or known-value check quotes it),
 * as an unknown key (strict mode puts keys in issue paths), as the cursor of a paged method (the
 * next request's URL carries it), as sent or URL-encoded, bare or after `Bearer `. Whatever the
 * call ends in, no error (message, String(), stack, util.inspect with causes, JSON), no hook
 * context and no result's headers may hold the token or any 12-character piece of it. (A
 * successful result's value may: that is the data the server sent.)
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Core, type Paginated, type XrpcError, withDefaults } from '@lexgen/runtime'
import { validation } from '../../generated/validation.js'
import { generatedMethod, sampleArgs } from '../helpers/convo-calls.js'
import { convoMethods } from '../helpers/xrpc-server.js'
import type { FaultServer } from './support/fault-server.js'
import { fuzzWorld } from './support/fuzz-world.js'
import { leaks, renderings, settle } from './support/guards.js'
import { report, runs, SEED } from './support/seed.js'

const NAMES = convoMethods().map((nsid) => nsid.split('.').pop()!)
const PAGED = NAMES.filter((name) => generatedMethod(name).method.paginate)
const IDS = { convoId: 'c1', messageId: 'm1' }
const world = fuzzWorld()

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const segment = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...B64URL), minLength: min, maxLength: max })
/** A JWT-shaped token, or a random one with characters that URL encoding changes. */
const tokenArb = fc.oneof(
  fc.tuple(segment(16, 40), segment(40, 200), segment(20, 60)).map(([h, p, s]) => `eyJ${h}.eyJ${p}.${s}`),
  fc.string({ unit: fc.constantFrom(...B64URL, '.', '~', '+', '/', '='), minLength: 24, maxLength: 300 }),
)

/** How the server writes the token it echoes. */
const FORMS = {
  raw: (token: string) => token,
  bearer: (token: string) => `Bearer ${token}`,
  uriComponent: (token: string) => encodeURIComponent(token),
  form: (token: string) => new URLSearchParams([['', token]]).toString().slice(1),
}
type Form = keyof typeof FORMS

type Echo =
  | { readonly where: 'header'; readonly name: string }
  | { readonly where: 'errorName'; readonly status: number }
  | { readonly where: 'errorMessage'; readonly status: number; readonly cut: number }
  | { readonly where: 'undecodable'; readonly cut: number }
  | { readonly where: 'field'; readonly path: number[]; readonly pad: number }
  | { readonly where: 'unknownKey'; readonly path: number[] }
  | { readonly where: '$type'; readonly path: number[]; readonly hash: boolean }
  | { readonly where: 'cursor' }

const statusArb = fc.constantFrom(400, 401, 403, 404, 429, 500, 502, 503)
const echoArb: fc.Arbitrary<Echo> = fc.oneof(
  fc.record({ where: fc.constant('header' as const), name: fc.constantFrom('x-debug-auth', 'www-authenticate', 'location', 'set-cookie', 'ratelimit-policy', 'content-type', 'retry-after', 'link', 'x-request-id') }),
  fc.record({ where: fc.constant('errorName' as const), status: statusArb }),
  // The token straddling the 2,048-character cut of a kept message or body, or near it.
  fc.record({ where: fc.constant('errorMessage' as const), status: statusArb, cut: fc.integer({ min: -40, max: 40 }) }),
  fc.record({ where: fc.constant('undecodable' as const), cut: fc.integer({ min: -40, max: 40 }) }),
  // Somewhere in a real response: a format or known-value check quotes the value, cut at 60 characters.
  fc.record({ where: fc.constant('field' as const), path: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), pad: fc.integer({ min: 0, max: 70 }) }),
  fc.record({ where: fc.constant('unknownKey' as const), path: fc.array(fc.nat(), { maxLength: 6 }) }),
  fc.record({ where: fc.constant('$type' as const), path: fc.array(fc.nat(), { maxLength: 6 }), hash: fc.boolean() }),
  fc.constant({ where: 'cursor' as const }),
)

/** The object or leaf `path` leads to (indexes wrap), and its parent with the key. */
function locate(value: unknown, path: number[]): { parent?: Record<string, unknown>; key?: string; node: unknown } {
  let parent: Record<string, unknown> | undefined
  let key: string | undefined
  let node = value
  for (const step of path) {
    if (typeof node !== 'object' || node === null) break
    const keys = Object.keys(node)
    if (keys.length === 0) break
    key = keys[step % keys.length]!
    parent = node as Record<string, unknown>
    node = parent[key]
  }
  return { ...(parent ? { parent } : {}), ...(key === undefined ? {} : { key }), node }
}

/** The response that echoes `echoed` as `echo` says, for method `name`. */
function respond(name: string, echo: Echo, echoed: string): Parameters<FaultServer['handle']>[0] {
  const json = { 'content-type': 'application/json' }
  const body = structuredClone(world.samples.get(name)) as Record<string, unknown>
  const around = (cut: number) => 'x'.repeat(Math.max(0, 2048 + cut - Math.floor(echoed.length / 2)))
  switch (echo.where) {
    case 'header':
      return (_req, res) => (res.writeHead(200, { ...json, [echo.name]: echoed }), res.end(JSON.stringify(body ?? {})))
    case 'errorName':
      return (_req, res) => (res.writeHead(echo.status, json), res.end(JSON.stringify({ error: echoed })))
    case 'errorMessage':
      return (_req, res) => (res.writeHead(echo.status, json), res.end(JSON.stringify({ error: 'Bad', message: around(echo.cut) + echoed + around(0) })))
    case 'undecodable':
      return (_req, res) => (res.writeHead(200, { 'content-type': 'text/plain' }), res.end(around(echo.cut) + echoed + around(0)))
    case 'field': {
      const { parent, key } = locate(body, echo.path)
      if (parent && key !== undefined) parent[key] = `${'p'.repeat(echo.pad)}${echoed}`
      return (_req, res) => (res.writeHead(200, json), res.end(JSON.stringify(body ?? {})))
    }
    case 'unknownKey': {
      const { node } = locate(body, echo.path)
      const target = typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>) : body
      if (target) target[`k${echoed}`] = 1
      return (_req, res) => (res.writeHead(200, json), res.end(JSON.stringify(body ?? {})))
    }
    case '$type': {
      const { node } = locate(body, echo.path)
      const target = typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>) : body
      if (target) target.$type = echo.hash ? `#${echoed}` : echoed
      return (_req, res) => (res.writeHead(200, json), res.end(JSON.stringify(body ?? {})))
    }
    case 'cursor':
      return (_req, res) => (res.writeHead(200, json), res.end(JSON.stringify({ ...body, cursor: echoed })))
  }
}


describe('a server echoing the token anywhere', () => {
  it('leaves no piece of it in any error, hook context or result headers', async () => {
    const outcomes: Record<string, number> = {}
    let cases = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...NAMES),
        tokenArb,
        echoArb,
        fc.constantFrom(...(Object.keys(FORMS) as Form[])),
        fc.constantFrom('lenient', 'strict', 'off'),
        async (picked, token, echo, form, validate) => {
          cases++
          // A cursor needs a paged method: the loop guard's error and the next request's URL carry it.
          const name = echo.where === 'cursor' ? PAGED[picked.length % PAGED.length]! : picked
          world.server.handle(respond(name, echo, FORMS[form](token)))
          const seen: unknown[] = []
          const core = new Core(withDefaults({
            service: world.server.url,
            auth: token,
            retries: false,
            validation,
            validate,
            onRequest: (c) => void seen.push(c),
            onResponse: (c) => void seen.push(c),
            onError: (c) => void seen.push(c),
          }))
          const result = await generatedMethod(name).call(core, sampleArgs(name, IDS))
          const shown: unknown[] = [...seen]
          if (!result.ok) shown.push(result.error)
          else {
            shown.push(result.response)
            const paged = result.value as Partial<Paginated<unknown, unknown, XrpcError>>
            if (echo.where === 'cursor' && paged.nextPage) {
              // Two more pages: the second comes back with the cursor it was asked with.
              const next = await paged.nextPage()
              const again = next?.ok ? await next.value.nextPage() : next
              shown.push(next?.ok ? next.response : next?.error, again?.ok ? again.response : again?.error)
            }
          }
          await settle()
          for (const text of shown.flatMap(renderings)) expect(leaks(text, token), `${echo.where} (${form}): ${text.slice(0, 200)}`).toBe(false)
          const key = result.ok ? 'ok' : result.error.name
          outcomes[key] = (outcomes[key] ?? 0) + 1
        },
      ),
      { seed: SEED, numRuns: runs(600) },
    )
    expect(world.rejections.seen).toEqual([])
    report('token echoed anywhere', { cases, failures: 0, ...outcomes })
  })
})
