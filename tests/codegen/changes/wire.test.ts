/**
 * `lexgen diff`'s wire verdicts against the real peers, on a real transition: a client generated
 * from the 2026-04-22 snapshot calls an @atproto/xrpc-server built from lexicons/ (2026-08-20),
 * which validates requests and responses. A change the report calls breaking fails there; one it
 * calls compatible goes through, in the direction the report names.
 */
import { createServer as createHttpServer } from 'node:http'
import { join } from 'node:path'
import { createServer } from '@atproto/xrpc-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareLexicons, readLexiconDir, type ChangeReport } from '../../../codegen/changes/index.js'
import { resolveOptions } from '../../../codegen/config.js'
import { LEXICONS, ROOT } from '../helpers.js'
import { closeServer, listen } from '../../helpers/listen.js'
import { loadLexicons, TEST_TOKEN } from '../../helpers/xrpc-server.js'
import { importGenerated } from '../../validation/support.js'
import { lexiconHistory } from './support.js'

const SNAPSHOT = '2026-04-22'
const NOW = '2026-06-01T00:00:00.000Z'
const CID = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'
const PROFILE = { did: 'did:plc:abc', handle: 'a.test' }
const CONVO = { id: 'c1', rev: 'r1', members: [PROFILE], muted: false, unreadCount: 0 }

let report: ChangeReport
let server: ReturnType<typeof createHttpServer>
/** The namespaced Client generated from the snapshot. */
let client: Record<string, any>
/** What the server's getConvo answers next: valid under the new lexicons (the server checks). */
let convo: Record<string, unknown> = CONVO

beforeAll(async () => {
  const snapshot = join(lexiconHistory(), SNAPSHOT)
  report = await compareLexicons(await readLexiconDir(snapshot, SNAPSHOT), await readLexiconDir(LEXICONS, 'lexicons'), await resolveOptions({}, undefined, ROOT))
  const old = await importGenerated(snapshot, ['chat.bsky.convo.getConvo', 'chat.bsky.group.createGroup'])
  const xrpc = createServer(loadLexicons(), { validateResponse: true })
  xrpc.method('chat.bsky.group.createGroup', () => ({ encoding: 'application/json', body: { convo: CONVO } }))
  xrpc.method('chat.bsky.convo.getConvo', () => ({ encoding: 'application/json', body: { convo } }))
  server = createHttpServer((req, res) => xrpc.router(req, res))
  const port = await listen(server)
  client = new (old.get('client.ts')!.Client)({ service: `http://127.0.0.1:${port}`, auth: TEST_TOKEN, retries: false })
}, 120_000)

afterAll(async () => {
  if (server) await closeServer(server)
})

/** The classes of the changes of `kind` at `nsid#def path` (a string's maxLength and maxGraphemes are two). */
function verdicts(at: string, kind: string): string[] {
  const found = report.changes.filter((c) => `${c.nsid}#${c.def} ${c.path}`.trim() === at && c.kind === kind)
  expect(found, `${kind} at ${at}`).not.toEqual([])
  return [...new Set(found.map((c) => c.class))]
}

/** The old client's call, settled: the output, or the error's class name. */
async function settle(call: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: string; message: string }> {
  try {
    return { ok: true, value: await call }
  } catch (error) {
    return { ok: false, error: (error as Error).constructor.name, message: (error as Error).message }
  }
}

describe(`wire verdicts, ${SNAPSHOT} client against a server on lexicons/`, () => {
  it('request, breaking: createGroup name maxGraphemes 128 → 50; a 100-grapheme name the old client sends is refused', async () => {
    expect(verdicts('chat.bsky.group.createGroup#main input.name', 'constraint-tightened')).toEqual(['breaking'])
    expect(await settle(client.chat.bsky.group.createGroup({ members: [], name: 'ok' }))).toMatchObject({ ok: true })
    expect(await settle(client.chat.bsky.group.createGroup({ members: [], name: 'x'.repeat(100) }))).toMatchObject({
      ok: false,
      error: 'InvalidRequestError',
      message: expect.stringContaining('must not be longer than 50 graphemes'),
    })
  })

  it('response, compatible: groupConvo gains required fields, its name limit lowered; the old client takes the new shape', async () => {
    expect(verdicts('chat.bsky.convo.defs#groupConvo createdAt', 'field-added-required')).toEqual(['compatible'])
    expect(verdicts('chat.bsky.convo.defs#groupConvo name', 'constraint-tightened')).toEqual(['compatible'])
    const group = { $type: 'chat.bsky.convo.defs#groupConvo', name: 'g'.repeat(50), createdAt: NOW, lockStatus: 'unlocked', lockStatusModerationOverride: false, memberCount: 1, memberLimit: 50 }
    convo = { ...CONVO, kind: group }
    expect(await settle(client.chat.bsky.convo.getConvo({ convoId: 'c1' }))).toMatchObject({ ok: true, value: { convo: { kind: { memberLimit: 50 } } } })
  })

  it('response, breaking: a video view alt loses its limits; a 1500-grapheme alt in a message embed fails the old validators', async () => {
    expect(verdicts('app.bsky.embed.video#view alt', 'constraint-loosened')).toEqual(['breaking'])
    const video = { $type: 'app.bsky.embed.video#view', cid: CID, playlist: 'https://video.test/p.m3u8', alt: 'a'.repeat(1500) }
    const record = { $type: 'app.bsky.embed.record#viewRecord', uri: 'at://did:plc:abc/app.bsky.feed.post/3k', cid: CID, author: PROFILE, value: {}, indexedAt: NOW, embeds: [video] }
    const message = { $type: 'chat.bsky.convo.defs#messageView', id: 'm1', rev: 'r1', text: 'look', sender: { did: PROFILE.did }, sentAt: NOW, embed: { $type: 'app.bsky.embed.record#view', record } }
    convo = { ...CONVO, lastMessage: message }
    expect(await settle(client.chat.bsky.convo.getConvo({ convoId: 'c1' }))).toMatchObject({
      ok: false,
      error: 'ResponseValidationError',
      message: expect.stringContaining('more than 1000 graphemes (maxGraphemes 1000)'),
    })
  })
})
