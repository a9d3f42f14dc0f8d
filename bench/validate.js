#!/usr/bin/env node
// Validation speed and cost, in one run:
//  1. A chat.bsky.convo.getMessages output page of 100 messages (facets, record and join-link
//     embeds, reactions, replies) checked by our generated validator, by @atcute/lexicons with
//     @atcute/bluesky's schemas (`is` and `safeParse`), and by @atproto/lexicon's
//     assertValidXrpcOutput (given the page already through jsonToLex, as @atproto/xrpc does;
//     the decode step is timed separately). All must call the page valid. Prints the ratios.
//  2. Bundle cost: a one-call program (getConvo) without validation, with only getConvo's
//     validators, and with the whole generated registry; esbuild --minify, gzip -9. Each bundle
//     is run once against a local server and must print the convo id.
// Usage: npm run bench:validate [-- --quick]   (--quick: 1 s of timing instead of 3)
import { execFile, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { mainSchema as atcuteGetMessages } from '@atcute/bluesky/types/chat/convo/getMessages'
import * as atcute from '@atcute/lexicons/validations'
import { jsonToLex, Lexicons } from '@atproto/lexicon'
import * as esbuild from 'esbuild'

const root = resolve(import.meta.dirname, '..')
const quick = process.argv.includes('--quick')
const NSID = 'chat.bsky.convo.getMessages'
const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
const CID = 'bafyreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe'

/** Bundles `source` (resolved from the repo root, TypeScript sources, browser transport). */
async function bundle(source, minify) {
  const built = await esbuild.build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['lexgen-source'],
    write: false,
    logLevel: 'error',
  })
  return built.outputFiles[0].contents
}

async function importBundle(source) {
  const dir = mkdtempSync(join(tmpdir(), 'lexgen-bench-validate-'))
  const file = join(dir, 'bundle.mjs')
  writeFileSync(file, await bundle(source, false))
  try {
    return await import(file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function profile(i) {
  return { did: DID, handle: `user${i}.bsky.social`, displayName: `User ${i} 🦋`, avatar: `https://cdn.example.com/avatar/${i}.jpg` }
}

function message(i) {
  const text = `Hello @user${i}.bsky.social, see https://example.com/${i} #tag${i} — café 👍🏽 and more text to read.`
  const at = (needle) => Buffer.byteLength(text.slice(0, text.indexOf(needle)))
  const facet = (needle, feature) => ({ index: { byteStart: at(needle), byteEnd: at(needle) + Buffer.byteLength(needle) }, features: [feature] })
  const embed =
    i % 2 === 0
      ? {
          $type: 'app.bsky.embed.record#view',
          record: {
            $type: 'app.bsky.embed.record#viewRecord',
            uri: `at://${DID}/app.bsky.feed.post/3jzfcijpj2z2a`,
            cid: CID,
            author: profile(i),
            value: { $type: 'app.bsky.feed.post', text: 'quoted', createdAt: '2024-01-15T10:30:00.000Z' },
            likeCount: i,
            indexedAt: '2024-01-15T10:30:00.000Z',
          },
        }
      : {
          $type: 'chat.bsky.embed.joinLink#view',
          joinLinkPreview: {
            $type: 'chat.bsky.group.defs#joinLinkPreviewView',
            convoId: `convo${i}`,
            code: `code${i}`,
            name: 'A group',
            owner: profile(i),
            memberCount: 3,
            memberLimit: 50,
            requireApproval: false,
            joinRule: 'anyone',
          },
        }
  return {
    $type: 'chat.bsky.convo.defs#messageView',
    id: `msg${i}`,
    rev: `rev${i}`,
    text,
    facets: [
      facet(`@user${i}.bsky.social`, { $type: 'app.bsky.richtext.facet#mention', did: DID }),
      facet(`https://example.com/${i}`, { $type: 'app.bsky.richtext.facet#link', uri: `https://example.com/${i}` }),
      facet(`#tag${i}`, { $type: 'app.bsky.richtext.facet#tag', tag: `tag${i}` }),
    ],
    embed,
    reactions: [{ value: '👍', sender: { did: DID }, createdAt: '2024-01-15T10:31:00.000Z' }],
    ...(i % 5 === 0 ? { replyTo: { $type: 'chat.bsky.convo.defs#deletedMessageView', id: `m${i - 1}`, rev: 'r', sender: { did: DID }, sentAt: '2024-01-15T10:29:00.000Z' } } : {}),
    sender: { did: DID },
    sentAt: `2024-01-15T10:${String(i % 60).padStart(2, '0')}:00.000Z`,
  }
}

/**
 * Microseconds per call of each function, measured in alternating slices (so a busy machine
 * slows all alike) after a warm-up; medians over the slices. Each round starts one function
 * later, so none always follows the same one (the garbage the decoder leaves is collected in the
 * next slice, whichever that is).
 */
function time(fns, ms = 3000) {
  for (const fn of fns) for (let i = 0; i < 200; i++) fn()
  const slices = fns.map(() => [])
  const end = performance.now() + ms
  for (let round = 0; performance.now() < end; round++) {
    fns.forEach((_, j) => {
      const k = (j + round) % fns.length
      const fn = fns[k]
      const started = performance.now()
      let n = 0
      do {
        fn()
        n++
      } while (performance.now() - started < 20)
      slices[k].push(((performance.now() - started) * 1000) / n)
    })
  }
  return slices.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)])
}

async function speed() {
  // Through JSON, as a response arrives: flat strings, objects shaped as the parser makes them.
  const page = JSON.parse(JSON.stringify({ cursor: 'next', messages: Array.from({ length: 100 }, (_, i) => message(i)), relatedProfiles: [profile(1), profile(2)] }))
  const ours = await importBundle(`
    export { validators } from './generated/chat/bsky/convo/getMessages.ts'
    export { validate } from './runtime/validation.ts'`)
  const docs = JSON.parse(execFileSync(process.execPath, ['-e', readLexicons], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 }))
  const lex = new Lexicons(docs)
  const lexPage = jsonToLex(page)

  const ourIssues = ours.validate(ours.validators.output, page, false)
  if (ourIssues.length) throw new Error(`our validator rejects the page: ${JSON.stringify(ourIssues.slice(0, 3))}`)
  lex.assertValidXrpcOutput(NSID, lexPage) // throws if the reference rejects it
  const atcuteSchema = atcuteGetMessages.output.schema
  const atcuteResult = atcute.safeParse(atcuteSchema, page)
  if (!atcuteResult.ok || !atcute.is(atcuteSchema, page)) throw new Error(`@atcute/lexicons rejects the page: ${atcuteResult.message}`)
  const strictIssues = ours.validate(ours.validators.output, page, true)

  // Through `validate`, as a call validates a response: its context is the one shape the
  // validators see in use (a second, hand-built one would make their property reads polymorphic).
  const [oursUs, atcuteIsUs, atcuteParseUs, referenceUs, decodeUs] = time([
    () => {
      if (ours.validate(ours.validators.output, page, false).length) throw new Error('invalid')
    },
    () => {
      if (!atcute.is(atcuteSchema, page)) throw new Error('invalid')
    },
    () => {
      if (!atcute.safeParse(atcuteSchema, page).ok) throw new Error('invalid')
    },
    () => lex.assertValidXrpcOutput(NSID, lexPage),
    () => jsonToLex(page),
  ], quick ? 1000 : 3000)
  const json = JSON.stringify(page)
  const atcuteUs = Math.min(atcuteIsUs, atcuteParseUs)
  console.log(`getMessages page: 100 messages, ${(json.length / 1024).toFixed(1)} KiB of JSON; every validator calls it valid (ours strict: ${strictIssues.length} issues)`)
  console.log(`  ours (lenient)                         ${oursUs.toFixed(1).padStart(8)} µs/page`)
  console.log(`  @atcute/lexicons is                    ${atcuteIsUs.toFixed(1).padStart(8)} µs/page`)
  console.log(`  @atcute/lexicons safeParse             ${atcuteParseUs.toFixed(1).padStart(8)} µs/page`)
  console.log(`  @atproto/lexicon assertValidXrpcOutput ${referenceUs.toFixed(1).padStart(8)} µs/page   (+ jsonToLex ${decodeUs.toFixed(1)} µs)`)
  console.log(`  ratio to @atcute/lexicons (its faster call): ${(oursUs / atcuteUs).toFixed(2)}× the time; target ≤ 0.5×`)
  console.log(`  ratio to @atproto/lexicon: ours is ${(referenceUs / oursUs).toFixed(1)}× faster (${((referenceUs + decodeUs) / oursUs).toFixed(1)}× counting jsonToLex); target ≥ 15×`)
  return { oursUs, atcuteUs, atcuteIsUs, atcuteParseUs, referenceUs, decodeUs }
}

// Read in a child so the lexicon JSON files are parsed fresh (Lexicons mutates what it is given).
const readLexicons = `
  const { readdirSync, readFileSync } = require('node:fs')
  const docs = readdirSync('lexicons', { recursive: true }).filter((f) => f.endsWith('.json') && !f.endsWith('package.json'))
    .map((f) => JSON.parse(readFileSync('lexicons/' + f, 'utf8'))).filter((d) => d && d.id)
  process.stdout.write(JSON.stringify(docs))`

const PROGRAMS = {
  'no validation': `
    import { Core, chatBskyConvoGetConvo } from './generated/index.ts'
    const core = new Core({ service: SERVICE })`,
  "getConvo's validators": `
    import { Core, chatBskyConvoGetConvo, ChatBskyConvoGetConvo } from './generated/index.ts'
    import { validating } from '@lexgen/runtime'
    const core = new Core({ service: SERVICE, validation: validating({ [ChatBskyConvoGetConvo.id]: ChatBskyConvoGetConvo.validators }) })`,
  'the whole registry': `
    import { Core, chatBskyConvoGetConvo, validation } from './generated/index.ts'
    const core = new Core({ service: SERVICE, validation })`,
}

async function bundleCost() {
  const convo = { id: 'convo1', rev: 'r1', members: [{ did: DID, handle: 'alice.bsky.social' }], muted: false, unreadCount: 0 }
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ convo }))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const service = `http://127.0.0.1:${server.address().port}`
  const dir = mkdtempSync(join(tmpdir(), 'lexgen-bench-bundle-'))
  console.log('\none-call program (getConvo), esbuild --bundle --minify --platform=browser, gzip -9:')
  let baseline
  try {
    for (const [name, head] of Object.entries(PROGRAMS)) {
      const source = `${head.replace('SERVICE', JSON.stringify(service))}
        const result = await chatBskyConvoGetConvo(core, { convoId: 'convo1' })
        console.log(result.ok ? result.value.convo.id : result.error.message)`
      const code = await bundle(source, true)
      const file = join(dir, `${name.replace(/\W+/g, '-')}.mjs`)
      writeFileSync(file, code)
      const printed = (await promisify(execFile)(process.execPath, [file], { encoding: 'utf8' })).stdout.trim()
      if (printed !== 'convo1') throw new Error(`${name}: the bundle printed ${JSON.stringify(printed)}`)
      const text = Buffer.from(code).toString()
      // The generated checks and the format code must be absent when nothing validates.
      const validatorCode = ['i-klingon', 'graphemes >', 'is not a valid'].filter((marker) => text.includes(marker))
      const gzip = gzipSync(code, { level: 9 }).length
      baseline ??= gzip
      const extra = gzip === baseline ? '' : `  (+${gzip - baseline} B)`
      console.log(`  ${name.padEnd(22)} ${String(code.length).padStart(7)} B min  ${String(gzip).padStart(6)} B gzip${extra}   validator code: ${validatorCode.length ? 'yes' : 'none'}`)
      if (name === 'no validation' && validatorCode.length) throw new Error(`validators leaked into the bundle without validation: ${validatorCode}`)
    }
  } finally {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

await speed()
await bundleCost()
