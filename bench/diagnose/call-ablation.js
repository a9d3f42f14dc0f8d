#!/usr/bin/env node
// Where does our per-call overhead over raw undici go? Builds copies of dist/runtime with one
// cost removed each (bench/.work/ablate/<variant>), bundles each with the generated client, and
// times sequential getConvo calls per variant against raw undici, interleaved, in fresh processes.
// The variants are experiments, not fixes: they drop the timeout or the maxResponseBytes cap.
// Usage: node bench/diagnose/call-ablation.js [--rounds 11] [--calls 5000]
// (String patches against dist/: when the runtime changes, a patch that no longer applies throws.)
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as esbuild from 'esbuild'
import { CONVO_ID, TOKEN } from '../lib/fixtures.js'
import { startServer } from '../lib/server.js'
import { root, summarize, work } from '../lib/util.js'

const arg = (name, fallback) => Number(process.argv[process.argv.indexOf(name) + 1]) || fallback
const rounds = arg('--rounds', 11)
const calls = arg('--calls', 5000)
const base = join(work, 'ablate')

const patch = (dir, file, from, to) => {
  const path = join(dir, 'runtime', file)
  const text = readFileSync(path, 'utf8')
  if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from.slice(0, 70))}: update this patch`)
  writeFileSync(path, text.replace(from, to))
}

const variants = {
  base: () => {},
  // No AbortController, setTimeout or abort listener per attempt (drops the timeout).
  noDeadline: (d) => patch(d, 'client.js', 'function startDeadline(timeout, signal) {', 'function startDeadline(timeout, signal) {\n    return { signal, timedOut: () => false, clear: () => {} };'),
  // body.arrayBuffer() instead of `for await` over the chunks (drops the maxResponseBytes cap).
  arrayBufferBody: (d) => patch(d, 'transport/undici.js', 'async function readBody(body, status, headers, limit) {', 'async function readBody(body, status, headers, limit) {\n    return new Uint8Array(await body.arrayBuffer());'),
  // Buffer#toString instead of a new TextDecoder per response.
  bufferDecode: (d) => patch(d, 'request.js', 'const text = new TextDecoder().decode(response.body);', 'const text = Buffer.from(response.body.buffer, response.body.byteOffset, response.body.byteLength).toString();'),
}
variants.all = (d) => {
  variants.noDeadline(d)
  variants.arrayBufferBody(d)
  variants.bufferDecode(d)
}

const self = new URL(import.meta.url).pathname

if (process.argv[2] === '--child') {
  // Child: one variant, warm up, then time `calls` sequential calls; prints µs per call.
  const [, , , variant, service, n] = process.argv
  let call
  if (variant === 'undici') {
    const { loaders } = await import('../workers/clients.js')
    call = await loaders.undici(service)
  } else {
    const { Core, chatBskyConvoGetConvo } = await import(join(base, variant, 'bundle.mjs'))
    const core = new Core({ service, auth: TOKEN })
    call = async () => {
      const r = await chatBskyConvoGetConvo(core, { convoId: CONVO_ID })
      return r.ok && r.value.convo.id === CONVO_ID
    }
  }
  for (let i = 0; i < 2000; i++) if (!(await call())) throw new Error(`${variant}: wrong output`)
  const started = performance.now()
  for (let i = 0; i < Number(n); i++) await call()
  process.stdout.write(String(((performance.now() - started) / Number(n)) * 1000))
  process.exit(0)
}

rmSync(base, { recursive: true, force: true })
for (const [name, apply] of Object.entries(variants)) {
  const dir = join(base, name)
  mkdirSync(dir, { recursive: true })
  cpSync(join(root, 'dist/runtime'), join(dir, 'runtime'), { recursive: true })
  patch(dir, 'client.js', `from '#transport'`, `from './transport/undici.js'`)
  apply(dir)
  writeFileSync(join(dir, 'entry.js'), `export { Core, chatBskyConvoGetConvo } from ${JSON.stringify(join(root, 'generated/index.ts'))}\n`)
  await esbuild.build({
    entryPoints: [join(dir, 'entry.js')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(dir, 'bundle.mjs'),
    external: ['undici'],
    alias: { 'lexgen/runtime': join(dir, 'runtime/index.js') },
    logLevel: 'error',
  })
}

const server = await startServer()
const kinds = ['undici', ...Object.keys(variants)]
const times = Object.fromEntries(kinds.map((k) => [k, []]))
try {
  for (let r = 0; r < rounds; r++) {
    for (const k of kinds) times[k].push(Number(execFileSync(process.execPath, [self, '--child', k, server.url, String(calls)], { encoding: 'utf8' })))
  }
} finally {
  await server.close()
}
console.log(`sequential getConvo, µs per call, median of ${rounds} interleaved rounds of ${calls} calls; ratio = median of per-round ratios\n`)
console.log('| variant | µs/call | × raw undici (min–max) |\n| --- | --- | --- |')
for (const k of kinds) {
  const r = summarize(times[k].map((t, i) => t / times.undici[i]))
  console.log(`| ${k} | ${summarize(times[k]).median.toFixed(1)} | ${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)}) |`)
}
