/**
 * Which transport the runtime's `#transport` import gives each JavaScript runtime, resolved from
 * the built package with the export conditions that runtime's resolver uses (esbuild resolving,
 * as wrangler does for Workers): node:http for Node and Bun, fetch for browsers, Workers and Deno.
 *
 * Deno must not get node:http: Deno's `node:http` sends a request again on a new connection when
 * one destroyed on a reused keep-alive connection (a timeout, an abort) fails, so a
 * `sendMessage` that timed out with `retries: false` reached the server twice (Deno 2.9.6), and
 * the resent request held the process open. Deno's own fetch sends it once.
 */
import { join } from 'node:path'
import * as esbuild from 'esbuild'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../codegen/helpers.js'

/** The conditions each runtime resolves package `imports` with, besides `import` and `default`. */
const RUNTIMES = {
  Node: ['node'],
  Bun: ['bun', 'node'],
  Deno: ['deno', 'node'],
  'Cloudflare Workers (wrangler)': ['workerd', 'worker', 'browser'],
  browsers: ['browser'],
} as const

const EXPECTED: Record<keyof typeof RUNTIMES, 'node' | 'fetch'> = {
  Node: 'node',
  Bun: 'node',
  Deno: 'fetch',
  'Cloudflare Workers (wrangler)': 'fetch',
  browsers: 'fetch',
}

/** The transport module `#transport` resolves to from the runtime's dist/, under `conditions`. */
async function transportFor(conditions: readonly string[]): Promise<string> {
  const built = await esbuild.build({
    stdin: { contents: "export { send } from '#transport'", resolveDir: join(ROOT, 'runtime/dist'), loader: 'js' },
    bundle: true,
    write: false,
    metafile: true,
    platform: 'neutral',
    conditions: [...conditions],
    external: ['node:*'],
    logLevel: 'silent',
  })
  const transports = Object.keys(built.metafile.inputs).filter((input) => /transport\/(node|fetch)\.js$/.test(input))
  expect(transports).toHaveLength(1)
  return transports[0]!.match(/transport\/(node|fetch)\.js$/)![1]!
}

describe('the transport each runtime resolves', () => {
  it.each(Object.keys(RUNTIMES) as (keyof typeof RUNTIMES)[])('%s', async (runtime) => {
    expect(await transportFor(RUNTIMES[runtime])).toBe(EXPECTED[runtime])
  })
})
