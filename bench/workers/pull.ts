// Row 7 worker (run with `node --import tsx`, as it starts the TypeScript e2e harness): publishes
// the docs `lexgen pull chat.bsky.convo.*` needs into accounts on the local @atproto/pds, then
// times fresh pulls of that closure, ours and @atproto/lex-installer's (same DNS answers, same
// PLC, same PDS), interleaved. Prints one JSON line.
//
// Accounts stand for the real publishers: one for app.bsky/chat.bsky, one for com.atproto, one
// for tools.ozone, so the closure crosses authorities and repositories as it does upstream.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { install } from '@atproto/lex-installer' // what `lex install` runs (a dependency of @atproto/lex)
import { main } from '../../codegen/dist/cli.js'
import { authorityOf } from '../../codegen/pull/dns.js'
import { referencedNsids } from '../../codegen/pull/refs.js'
import { createAccount, publishLexicon, startE2e, type Account } from '../../tests/e2e/harness.js'

const quick = process.argv.includes('--quick')
const runs = quick ? 3 : 7
const root = join(import.meta.dirname, '../..')

// The closure by pull's own rules, from the repository's lexicons.
const corpus = new Map<string, { id: string; defs: unknown }>()
for (const file of readdirSync(join(root, 'lexicons'), { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.json')) continue
  const doc = JSON.parse(readFileSync(join(root, 'lexicons', file), 'utf8')) as { id: string; defs: unknown }
  corpus.set(doc.id, doc)
}
const roots = [...corpus.keys()].filter((nsid) => /^chat\.bsky\.convo\.[^.]+$/.test(nsid)).sort()
const closure = new Set<string>()
for (const queue = [...roots]; queue.length; ) {
  const nsid = queue.shift()!
  if (closure.has(nsid)) continue
  closure.add(nsid)
  queue.push(...referencedNsids(corpus.get(nsid)!))
}

const e2e = await startE2e()
const silence = console.debug
console.debug = () => {} // lex-installer logs every step
try {
  const publishers = new Map<string, Account>()
  const publisherFor = async (nsid: string) => {
    const key = nsid.startsWith('com.atproto.') ? 'atproto' : nsid.startsWith('tools.') ? 'ozone' : 'bsky'
    let account = publishers.get(key)
    if (!account) {
      account = await createAccount(e2e.pds.url, `${key}-lex.test`)
      publishers.set(key, account)
    }
    return account
  }
  const zone = new Map<string, string>()
  for (const nsid of closure) {
    const account = await publisherFor(nsid)
    await publishLexicon(e2e.pds.url, account, corpus.get(nsid)!)
    zone.set(`_lexicon.${authorityOf(nsid)}`, account.did)
  }
  const resolveTxt = async (name: string) => {
    const did = zone.get(name)
    if (!did) throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' })
    return [[`did=${did}`]]
  }

  const ours = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lexgen-bench-pull-'))
    try {
      let out = ''
      const started = performance.now()
      const code = await main(['pull', 'chat.bsky.convo.*'], { out: (t) => void (out += t), err: () => {}, cwd: dir, network: { resolveTxt, plcUrl: e2e.plc.url } })
      const ms = performance.now() - started
      const docs = Number(/pulled (\d+) docs \((\d+) fetched/.exec(out)?.[2])
      if (code !== 0 || docs !== closure.size) throw new Error(`ours: exit ${code}, ${docs} docs fetched (want ${closure.size}):\n${out}`)
      return { ms, docs }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  const lex = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lexgen-bench-lex-'))
    try {
      const started = performance.now()
      await install({
        lexicons: join(dir, 'lexicons'),
        manifest: join(dir, 'lexicons.json'),
        add: roots,
        save: true,
        plcDirectoryUrl: e2e.plc.url,
        // Its DNS lookup is not injectable; this hook answers from the same zone ours queries.
        hooks: { onResolveAuthority: async ({ nsid }: { nsid: { authority: string } }) => (await resolveTxt(`_lexicon.${nsid.authority}`))[0]![0]!.slice(4) as `did:${string}:${string}` },
      })
      const ms = performance.now() - started
      const manifest = JSON.parse(readFileSync(join(dir, 'lexicons.json'), 'utf8')) as { resolutions: Record<string, unknown> }
      const docs = Object.keys(manifest.resolutions).length
      if (docs !== closure.size) throw new Error(`@atproto/lex-installer: ${docs} docs (want ${closure.size})`)
      return { ms, docs }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  const times: { ours: number[]; lex: number[] } = { ours: [], lex: [] }
  await ours() // warm-up: JIT, DID and connection caches stay per run, as in real use they start cold
  await lex()
  for (let run = 0; run < runs; run++) {
    for (const [name, once] of run % 2 ? ([['lex', lex], ['ours', ours]] as const) : ([['ours', ours], ['lex', lex]] as const)) {
      times[name].push((await once()).ms)
    }
  }
  process.stdout.write(`${JSON.stringify({ docs: closure.size, authorities: zone.size, repositories: publishers.size, times })}\n`)
} finally {
  console.debug = silence
  await e2e.close()
}
