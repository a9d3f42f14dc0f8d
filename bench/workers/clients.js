// One getConvo caller per client library, each set up the way its README shows: bearer token,
// the chat proxy (`did:web:api.bsky.chat#bsky_chat`) and `convoId`. `load(kind, service)` does
// the imports (so cold start can time them) and returns `call()`, resolving to true when the
// decoded output carries the expected convo.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CONVO_ID, PROXY, TOKEN } from '../lib/fixtures.js'
import { work } from '../lib/util.js'

const local = (path) => pathToFileURL(join(work, path)).href

/**
 * Ours as the README shows it, given what the program imported (`Core`, `withDefaults`,
 * `chatBskyConvoGetConvo`, and `validation` when `validated`): with the stack the namespaced
 * Client has unless `bare`, and the generated validators when `validated`.
 */
function ours({ Core, chatBskyConvoGetConvo, validation, withDefaults }, service, { bare = false, validated = false } = {}) {
  if (validated && !validation) throw new Error('the generated client exports no `validation` registry')
  const config = { service, auth: TOKEN, ...(validated ? { validation } : {}) }
  const core = new Core(bare ? config : withDefaults(config))
  return async () => {
    const result = await chatBskyConvoGetConvo(core, { convoId: CONVO_ID })
    return result.ok && result.value.convo.id === CONVO_ID
  }
}

/** Ours imported from the generated client's index at `path` (under bench/.work). */
const oursFrom = async (path, service, options) => ours(await import(local(path)), service, options)

export const loaders = {
  /**
   * Ours: the committed generated client (compiled to JS) + @lexgen/runtime from dist/, with the
   * stack the namespaced Client has (`withDefaults`: 2 retries, a 30 s timeout per attempt).
   */
  ours: (service) => oursFrom('generated/index.js', service),

  /** The same, generated with `--file-ext .mts` (compiled to .mjs). */
  'ours-mts': (service) => oursFrom('generated-mts/index.mjs', service),

  /** Ours with a bare Core: no layers (one attempt, no time limit). */
  'ours-bare': (service) => oursFrom('generated/index.js', service, { bare: true }),

  /**
   * Ours with the generated validators installed (what the namespaced `Client` does by default):
   * params checked before sending, the response checked leniently.
   */
  'ours-validated': (service) => oursFrom('generated/index.js', service, { validated: true }),

  /**
   * Ours, the stack of the first, imported as README's "A fast start without a bundler" shows: the
   * function from its lexicon's module, `Core` and `withDefaults` from the runtime, so Node loads
   * getConvo's modules only, not every module the index re-exports.
   */
  'ours-direct': async (service) => {
    const runtime = await import('@lexgen/runtime')
    return ours({ ...runtime, ...(await import(local('generated/chat/bsky/convo/getConvo.js'))) }, service)
  },

  /** The floor: undici.request by hand, same URL and headers, JSON decoded. */
  async undici(service) {
    const { Agent, request } = await import('undici')
    const dispatcher = new Agent({ keepAliveTimeout: 10_000 })
    const url = `${service}/xrpc/chat.bsky.convo.getConvo?convoId=${encodeURIComponent(CONVO_ID)}`
    const headers = { 'atproto-proxy': PROXY, authorization: `Bearer ${TOKEN}` }
    return async () => {
      const { statusCode, body } = await request(url, { method: 'GET', headers, dispatcher })
      const output = await body.json()
      return statusCode === 200 && output.convo.id === CONVO_ID
    }
  },

  /** @atproto/api: Agent with a bearer header, withProxy('bsky_chat', ...). */
  async 'atproto-api'(service) {
    const { Agent } = await import('@atproto/api')
    const agent = new Agent({ service, headers: { authorization: `Bearer ${TOKEN}` } }).withProxy('bsky_chat', 'did:web:api.bsky.chat')
    return async () => {
      const response = await agent.chat.bsky.convo.getConvo({ convoId: CONVO_ID })
      return response.success && response.data.convo.id === CONVO_ID
    }
  },

  /** @atproto/lex: Client with the proxy service, schema from `lex build` of the same closure. */
  async 'atproto-lex'(service) {
    const { Client } = await import('@atproto/lex')
    const getConvo = await import(local('atproto-lex/chat/bsky/convo/getConvo.js'))
    const client = new Client({ service, headers: { authorization: `Bearer ${TOKEN}` } }, { service: PROXY })
    return async () => {
      const output = await client.call(getConvo.main, { convoId: CONVO_ID })
      return output.convo.id === CONVO_ID
    }
  },

  /** @atcute/client: simpleFetchHandler, proxy option, bearer header per call. */
  async atcute(service) {
    const { Client, simpleFetchHandler } = await import('@atcute/client')
    const client = new Client({ handler: simpleFetchHandler({ service }), proxy: PROXY })
    const headers = { authorization: `Bearer ${TOKEN}` }
    return async () => {
      const response = await client.get('chat.bsky.convo.getConvo', { params: { convoId: CONVO_ID }, headers })
      return response.ok && response.data.convo.id === CONVO_ID
    }
  },
}

export const labels = {
  ours: 'ours (lexgen, withDefaults, node:http transport)',
  'ours-mts': 'ours, generated with --file-ext .mts',
  'ours-bare': 'ours, bare Core (no layers)',
  'ours-validated': 'ours + generated validators (lenient)',
  undici: 'raw undici.request',
  'atproto-api': '@atproto/api',
  'atproto-lex': '@atproto/lex',
  atcute: '@atcute/client',
}
