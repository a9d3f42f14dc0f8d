/**
 * What a bot does with a client generated for `com.atproto.*` and `app.bsky.*`, against the real
 * `@atproto/pds` of tests/e2e/harness.ts: records (create, put with swaps, get, delete, list,
 * applyWrites), blobs (upload as bytes, Blob and stream; embed; read back), the sync CAR reads,
 * identity and server reads, and app.bsky queries the PDS cannot answer (no appview). Calls go
 * through both the namespaced `Client` (throws typed errors) and the standalone functions
 * (Results), with a password session; uploads also through an OAuth session with granular scopes,
 * and after the access token expired; and the verdicts of the generated app.bsky.feed.post
 * validator against @atproto/lexicon's and the PDS's.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@atproto/crypto'
import { readCarWithRoot } from '@atproto/repo'
import { Core, ExpiredTokenError, ForbiddenError, InternalServerError, InvalidRequestError, NotFoundError, PayloadTooLargeError, UpstreamFailureError, validate, type Validator, type XrpcError } from '../../runtime/index.js'
import { importGenerated, referenceLexicons, referenceVerdict, ROOT } from '../validation/support.js'
import { closeServer, listen } from '../helpers/listen.js'
import { createAccount, startDidWebHost, startE2e, type Account, type E2e } from './harness.js'
import { oauthSession } from './oauth.js'

let e2e: E2e
let alice: Account
/** The generated modules, by their path in the output (`com/atproto/repo/createRecord.ts`). */
let gen: Map<string, Record<string, any>>
/** The namespaced client over alice's password session. */
let client: any
/** The same session's Core, for the standalone functions. */
let core: Core
/** The generated validator of app.bsky.feed.post records. */
let validatePost: Validator

/** A module of the generated client. */
function mod(path: string): Record<string, any> {
  const found = gen.get(path)
  if (!found) throw new Error(`not generated: ${path}`)
  return found
}

/** The standalone function of `nsid` (`com.atproto.repo.getRecord` → `comAtprotoRepoGetRecord`). */
function fn(nsid: string): (core: Core, ...args: unknown[]) => Promise<{ ok: boolean; value?: any; error?: XrpcError; response?: any }> {
  const name = nsid.split('.').map((part, i) => (i === 0 ? part : part[0]!.toUpperCase() + part.slice(1))).join('')
  return mod(`${nsid.replaceAll('.', '/')}.ts`)[name]
}

/** The error a rejected promise carries. */
async function rejection(promise: Promise<unknown>): Promise<XrpcError> {
  try {
    await promise
  } catch (error) {
    return error as XrpcError
  }
  throw new Error('expected a rejection')
}

/** A 1×1 PNG: the PDS sniffs an upload's type, and an image embed accepts only images. */
const PNG = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'))

const utf8 = new TextEncoder()

/** `bytes` as a stream, in chunks of at most `chunk` bytes: a body that can be read once. */
function streamOf(bytes: Uint8Array, chunk = bytes.byteLength): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.byteLength; at += chunk) controller.enqueue(bytes.subarray(at, at + chunk))
      controller.close()
    },
  })
}

/** The UTF-8 byte range of `part` in `text`, as facets index it. */
function byteSlice(text: string, part: string): { byteStart: number; byteEnd: number } {
  const at = text.indexOf(part)
  if (at < 0) throw new Error(`${part} is not in ${text}`)
  const byteStart = utf8.encode(text.slice(0, at)).byteLength
  return { byteStart, byteEnd: byteStart + utf8.encode(part).byteLength }
}

beforeAll(async () => {
  e2e = await startE2e()
  alice = await createAccount(e2e.pds.url, 'alice.test')
  gen = await importGenerated(join(ROOT, 'lexicons'), ['com.atproto.*', 'app.bsky.*'])
  const session = new (mod('session.ts').CredentialSession)({ service: e2e.pds.url, retries: false })
  await session.login({ identifier: alice.handle, password: alice.password })
  core = session.core
  client = new (mod('client.ts').Client)(core)
  validatePost = mod('app/bsky/feed/post.ts').validateRecord
}, 120_000)

afterAll(async () => {
  await e2e?.close()
}, 30_000)

describe('records', () => {
  it('creates a post with facets (multi-byte text), langs and a reply ref, and reads it back as written', async () => {
    const root = await client.com.atproto.repo.createRecord({
      repo: alice.did,
      collection: 'app.bsky.feed.post',
      record: { $type: 'app.bsky.feed.post', text: 'root post', createdAt: new Date().toISOString() },
    })
    expect(root.uri).toMatch(new RegExp(`^at://${alice.did}/app\\.bsky\\.feed\\.post/[a-z2-7]{13}$`))
    expect(root.validationStatus).toBe('valid')

    const text = 'Grüße 🎉 @alice.test, see https://example.com/ü #日本語 done'
    const post = {
      $type: 'app.bsky.feed.post',
      text,
      facets: [
        { index: byteSlice(text, '@alice.test'), features: [{ $type: 'app.bsky.richtext.facet#mention', did: alice.did }] },
        { index: byteSlice(text, 'https://example.com/ü'), features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/%C3%BC' }] },
        { index: byteSlice(text, '#日本語'), features: [{ $type: 'app.bsky.richtext.facet#tag', tag: '日本語' }] },
      ],
      langs: ['de', 'en'],
      reply: { root: { uri: root.uri, cid: root.cid }, parent: { uri: root.uri, cid: root.cid } },
      createdAt: new Date().toISOString(),
    }
    // The generated record validator accepts it before the PDS does.
    expect(validate(validatePost, post, false)).toEqual([])
    const created = await fn('com.atproto.repo.createRecord')(core, { repo: alice.did, collection: 'app.bsky.feed.post', record: post })
    if (!created.ok) throw created.error
    expect(created.value.validationStatus).toBe('valid')

    const rkey = created.value.uri.split('/').at(-1)
    const read = await client.com.atproto.repo.getRecord({ repo: alice.handle, collection: 'app.bsky.feed.post', rkey })
    expect(read).toEqual({ uri: created.value.uri, cid: created.value.cid, value: post })
    expect(utf8.encode(text).subarray(post.facets[2]!.index.byteStart, post.facets[2]!.index.byteEnd)).toEqual(utf8.encode('#日本語'))
  })

  it('puts a record with swapRecord and swapCommit; a stale swap is the declared InvalidSwap error', async () => {
    const putRecord = fn('com.atproto.repo.putRecord')
    const { InvalidSwapError } = mod('com/atproto/repo/putRecord.ts')
    const profile = (displayName: string) => ({ $type: 'app.bsky.actor.profile', displayName })
    const first = await client.com.atproto.repo.putRecord({ repo: alice.did, collection: 'app.bsky.actor.profile', rkey: 'self', record: profile('one') })
    const second = await putRecord(core, { repo: alice.did, collection: 'app.bsky.actor.profile', rkey: 'self', record: profile('two'), swapRecord: first.cid, swapCommit: first.commit.cid })
    if (!second.ok) throw second.error

    // The record moved on: swapping against its first version fails, as a Result and as a throw.
    const staleRecord = await putRecord(core, { repo: alice.did, collection: 'app.bsky.actor.profile', rkey: 'self', record: profile('three'), swapRecord: first.cid })
    expect(staleRecord.ok).toBe(false)
    expect(staleRecord.error).toBeInstanceOf(InvalidSwapError)
    expect(staleRecord.error).toMatchObject({ status: 400, error: 'InvalidSwap' })
    const staleCommit = await rejection(client.com.atproto.repo.putRecord({ repo: alice.did, collection: 'app.bsky.actor.profile', rkey: 'self', record: profile('three'), swapCommit: first.commit.cid }))
    expect(staleCommit).toBeInstanceOf(InvalidSwapError)
    // swapRecord: null means "only if there is none": there is one.
    const notNew = await putRecord(core, { repo: alice.did, collection: 'app.bsky.actor.profile', rkey: 'self', record: profile('three'), swapRecord: null })
    expect(notNew.error).toBeInstanceOf(InvalidSwapError)

    const read = await client.com.atproto.repo.getRecord({ repo: alice.did, collection: 'app.bsky.actor.profile', rkey: 'self' })
    expect(read).toMatchObject({ cid: second.value.cid, value: profile('two') })
  })

  it('getRecord of a missing record is the declared RecordNotFound error; deleteRecord makes one missing', async () => {
    const { RecordNotFoundError } = mod('com/atproto/repo/getRecord.ts')
    const created = await client.com.atproto.repo.createRecord({
      repo: alice.did,
      collection: 'app.bsky.feed.post',
      record: { $type: 'app.bsky.feed.post', text: 'short-lived', createdAt: new Date().toISOString() },
    })
    const rkey = created.uri.split('/').at(-1)
    const deleted = await fn('com.atproto.repo.deleteRecord')(core, { repo: alice.did, collection: 'app.bsky.feed.post', rkey, swapRecord: created.cid })
    if (!deleted.ok) throw deleted.error
    expect(deleted.value.commit.cid).toMatch(/^bafy/)

    const missing = await fn('com.atproto.repo.getRecord')(core, { repo: alice.did, collection: 'app.bsky.feed.post', rkey })
    expect(missing.ok).toBe(false)
    expect(missing.error).toBeInstanceOf(RecordNotFoundError)
    expect(missing.error).toMatchObject({ status: 400, error: 'RecordNotFound' })
    await expect(client.com.atproto.repo.getRecord({ repo: alice.did, collection: 'app.bsky.feed.post', rkey })).rejects.toBeInstanceOf(RecordNotFoundError)
  })

  it('lists records page by page with allItems(), across more than one page', async () => {
    const collection = 'app.bsky.feed.like'
    const created: string[] = []
    for (let i = 0; i < 5; i++) {
      const like = { $type: collection, subject: { uri: `at://${alice.did}/app.bsky.feed.post/3jzfcijpj2z2${i}`, cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' }, createdAt: new Date().toISOString() }
      created.push((await client.com.atproto.repo.createRecord({ repo: alice.did, collection, record: like })).uri)
    }
    const first = await client.com.atproto.repo.listRecords({ repo: alice.did, collection, limit: 2 })
    expect(first.records).toHaveLength(2)
    expect(first.cursor).toEqual(expect.any(String))
    const uris: string[] = []
    let pages = 0
    for await (const page of first) {
      pages++
      for (const record of page.records) uris.push(record.uri)
    }
    // 2 + 2 + 1, then this PDS's empty last page (it sends a cursor after any non-empty page).
    expect(pages).toBe(4)
    const items: string[] = []
    for await (const record of first.allItems()) items.push(record.uri)
    expect(items).toEqual(uris)
    expect([...items].sort()).toEqual([...created].sort())
  })

  it('applies a batch of writes, a union of create, update and delete', async () => {
    const collection = 'app.bsky.feed.post'
    const post = (text: string) => ({ $type: collection, text, createdAt: new Date().toISOString() })
    const applied = await fn('com.atproto.repo.applyWrites')(core, {
      repo: alice.did,
      writes: [
        { $type: 'com.atproto.repo.applyWrites#create', collection, rkey: '3lbatchaaaaa2', value: post('one') },
        { $type: 'com.atproto.repo.applyWrites#create', collection, rkey: '3lbatchaaaaa3', value: post('two') },
      ],
    })
    if (!applied.ok) throw applied.error
    expect(applied.value.results.map((r: { $type: string }) => r.$type)).toEqual(['com.atproto.repo.applyWrites#createResult', 'com.atproto.repo.applyWrites#createResult'])
    const { isCreateResult } = mod('com/atproto/repo/applyWrites.ts')
    expect(applied.value.results.every(isCreateResult)).toBe(true)

    const second = await client.com.atproto.repo.applyWrites({
      repo: alice.did,
      swapCommit: applied.value.commit.cid,
      writes: [
        { $type: 'com.atproto.repo.applyWrites#update', collection, rkey: '3lbatchaaaaa2', value: post('one, edited') },
        { $type: 'com.atproto.repo.applyWrites#delete', collection, rkey: '3lbatchaaaaa3' },
      ],
    })
    expect(second.results.map((r: { $type: string }) => r.$type)).toEqual(['com.atproto.repo.applyWrites#updateResult', 'com.atproto.repo.applyWrites#deleteResult'])

    // The first commit is stale now.
    const stale = await fn('com.atproto.repo.applyWrites')(core, {
      repo: alice.did,
      swapCommit: applied.value.commit.cid,
      writes: [{ $type: 'com.atproto.repo.applyWrites#delete', collection, rkey: '3lbatchaaaaa2' }],
    })
    expect(stale.error).toBeInstanceOf(mod('com/atproto/repo/applyWrites.ts').InvalidSwapError)
  })

  it('reads back a record the PDS stored unvalidated: the guard checks only $type, the validator finds what is wrong', async () => {
    // Any repository can hold this: `validate: false` skips the PDS's own check.
    const bogus = { $type: 'app.bsky.feed.post', text: 5, createdAt: 'yesterday' }
    const created = await client.com.atproto.repo.createRecord({ repo: alice.did, collection: 'app.bsky.feed.post', record: bogus, validate: false })
    expect(created.validationStatus).toBeUndefined()
    // The Client validated the response, but `value` is `unknown` to the lexicon: nothing checked it.
    const { value } = await client.com.atproto.repo.getRecord({ repo: alice.did, collection: 'app.bsky.feed.post', rkey: created.uri.split('/').at(-1) })
    expect(value).toEqual(bogus)
    expect(mod('app/bsky/feed/post.ts').isRecord(value)).toBe(true)
    expect(validate(validatePost, value, false).map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'text: must be a string, got number',
      'createdAt: "yesterday" is not a valid datetime',
    ])
  })

  it('describes the repo', async () => {
    const described = await client.com.atproto.repo.describeRepo({ repo: alice.handle })
    expect(described).toMatchObject({ handle: 'alice.test', did: alice.did, handleIsCorrect: true })
    expect(described.collections).toEqual(expect.arrayContaining(['app.bsky.feed.post', 'app.bsky.actor.profile']))
    expect(described.didDoc).toMatchObject({ id: alice.did })
  })
})

describe('blobs', () => {
  it('uploads bytes, a Blob and a stream; embeds the returned blob ref in a post as it is; reads the bytes back', async () => {
    const uploadBlob = fn('com.atproto.repo.uploadBlob')
    const fromBytes = await client.com.atproto.repo.uploadBlob(PNG, { headers: { 'content-type': 'image/png' } })
    const fromBlob = await uploadBlob(core, new Blob([PNG], { type: 'image/png' }))
    if (!fromBlob.ok) throw fromBlob.error
    const fromStream = await client.com.atproto.repo.uploadBlob(streamOf(PNG, 10))
    const expected = { $type: 'blob', ref: { $link: expect.stringMatching(/^bafkrei/) }, mimeType: 'image/png', size: PNG.byteLength }
    for (const { blob } of [fromBytes, fromBlob.value, fromStream]) expect(blob).toEqual(expected)
    // Same bytes, same CID, however they were sent.
    expect(fromBlob.value.blob.ref.$link).toBe(fromBytes.blob.ref.$link)
    expect(fromStream.blob.ref.$link).toBe(fromBytes.blob.ref.$link)

    // The caller's content type is what the PDS keeps when it cannot sniff one.
    const text = await client.com.atproto.repo.uploadBlob(utf8.encode('plain words'), { headers: { 'content-type': 'text/plain' } })
    expect(text.blob).toMatchObject({ mimeType: 'text/plain', size: 11 })

    const post = {
      $type: 'app.bsky.feed.post',
      text: 'a picture',
      embed: { $type: 'app.bsky.embed.images', images: [{ image: fromBytes.blob, alt: 'one pixel', aspectRatio: { width: 1, height: 1 } }] },
      createdAt: new Date().toISOString(),
    }
    expect(validate(validatePost, post, false, true)).toEqual([])
    const created = await client.com.atproto.repo.createRecord({ repo: alice.did, collection: 'app.bsky.feed.post', record: post })
    expect(created.validationStatus).toBe('valid')
    const read = await client.com.atproto.repo.getRecord({ repo: alice.did, collection: 'app.bsky.feed.post', rkey: created.uri.split('/').at(-1) })
    expect(read.value).toEqual(post)

    const bytes = await fn('com.atproto.sync.getBlob')(core, { did: alice.did, cid: fromBytes.blob.ref.$link })
    if (!bytes.ok) throw bytes.error
    expect(bytes.value).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(bytes.value)).toEqual(Buffer.from(PNG))
    expect(bytes.response.headers['content-type']).toBe('image/png')
  })

  it('getBlob of a CID the repo does not have is a typed error; a malformed CID is refused before sending', async () => {
    const missing = await fn('com.atproto.sync.getBlob')(core, { did: alice.did, cid: 'bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' })
    expect(missing.ok).toBe(false)
    // The lexicon declares BlobNotFound; this PDS (0.4.217) answers a bare InvalidRequest.
    expect(missing.error).toBeInstanceOf(InvalidRequestError)
    expect(missing.error).not.toBeInstanceOf(mod('com/atproto/sync/getBlob.ts').BlobNotFoundError)
    expect(missing.error).toMatchObject({ status: 400, error: 'InvalidRequest', message: 'Blob not found' })

    const malformed = await rejection(client.com.atproto.sync.getBlob({ did: alice.did, cid: 'not-a-cid' }))
    expect(malformed.name).toBe('RequestValidationError')
    expect(malformed.message).toContain('cid')
  })

  it('refuses a blob over the upload limit with PayloadTooLargeError, whether bytes or a stream', async () => {
    const big = new Uint8Array(6 * 1024 * 1024) // the PDS takes 5 MiB by default
    const bytes = await fn('com.atproto.repo.uploadBlob')(core, big)
    expect(bytes.error).toBeInstanceOf(PayloadTooLargeError)
    const streamed = await fn('com.atproto.repo.uploadBlob')(core, new Blob([big]).stream())
    expect(streamed.error).toBeInstanceOf(PayloadTooLargeError)
    expect(streamed.error).toMatchObject({ status: 413, error: 'PayloadTooLarge' })
  })

  it('uploads through an OAuth session (DPoP) with a blob:image/* scope only with the content type named', async () => {
    const session = await oauthSession(e2e, alice, 'atproto repo:app.bsky.feed.post?action=create blob:image/*')
    const oauthClient = new (mod('client.ts').Client)({ auth: session, retries: false })
    for (const body of [PNG, streamOf(PNG)]) {
      const unnamed = await rejection(oauthClient.com.atproto.repo.uploadBlob(body))
      expect(unnamed).toBeInstanceOf(ForbiddenError)
      expect(unnamed.message).toBe('Missing required scope "blob:application/octet-stream"')
    }
    for (const [body, options] of [[PNG, { headers: { 'content-type': 'image/png' } }], [streamOf(PNG), { headers: { 'content-type': 'image/png' } }], [new Blob([PNG], { type: 'image/png' }), {}]] as const) {
      const { blob } = await oauthClient.com.atproto.repo.uploadBlob(body, options)
      expect(blob).toMatchObject({ mimeType: 'image/png', size: PNG.byteLength })
    }
    // The scope's other half: posts, but not likes.
    const post = await oauthClient.com.atproto.repo.createRecord({ repo: alice.did, collection: 'app.bsky.feed.post', record: { $type: 'app.bsky.feed.post', text: 'over OAuth', createdAt: new Date().toISOString() } })
    expect(post.validationStatus).toBe('valid')
    const like = await rejection(oauthClient.com.atproto.repo.createRecord({ repo: alice.did, collection: 'app.bsky.feed.like', record: { $type: 'app.bsky.feed.like', subject: { uri: post.uri, cid: post.cid }, createdAt: new Date().toISOString() } }))
    expect(like).toBeInstanceOf(ForbiddenError)
  })

  it('lists blobs page by page', async () => {
    const uploaded = new Set<string>()
    for (const word of ['alpha', 'beta', 'gamma']) {
      const { blob } = await client.com.atproto.repo.uploadBlob(utf8.encode(word), { headers: { 'content-type': 'text/plain' } })
      uploaded.add(blob.ref.$link)
      // Blobs count as the repo's only once a record references them.
      await client.com.atproto.repo.createRecord({ repo: alice.did, collection: 'com.example.blobHolder', record: { $type: 'com.example.blobHolder', file: blob }, validate: false })
    }
    const first = await client.com.atproto.sync.listBlobs({ did: alice.did, limit: 2 })
    expect(first.cids).toHaveLength(2)
    const cids: string[] = []
    for await (const cid of first.allItems()) cids.push(cid)
    expect(new Set(cids).size).toBe(cids.length)
    for (const cid of uploaded) expect(cids).toContain(cid)
  })
})

describe('sync reads (CAR bytes)', () => {
  it('getRepo and sync.getRecord answer CAR files rooted at the latest commit', async () => {
    const latest = await client.com.atproto.sync.getLatestCommit({ did: alice.did })
    const repo = await fn('com.atproto.sync.getRepo')(core, { did: alice.did })
    if (!repo.ok) throw repo.error
    expect(repo.value).toBeInstanceOf(Uint8Array)
    expect(repo.response.headers['content-type']).toBe('application/vnd.ipld.car')
    const car = await readCarWithRoot(repo.value)
    expect(car.root.toString()).toBe(latest.cid)

    const record = await client.com.atproto.repo.getRecord({ repo: alice.did, collection: 'app.bsky.actor.profile', rkey: 'self' })
    const proof = await client.com.atproto.sync.getRecord({ did: alice.did, collection: 'app.bsky.actor.profile', rkey: 'self' })
    const proofCar = await readCarWithRoot(proof)
    expect(proofCar.root.toString()).toBe(latest.cid)
    expect([...proofCar.blocks.entries()].some(({ cid }) => cid.toString() === record.cid)).toBe(true)
  })
})

describe('sync reads of an account that is not there', () => {
  it('are the errors the lexicons declare: RepoNotFound, then RepoDeactivated once the account is deactivated', async () => {
    const unknown = await fn('com.atproto.sync.getRepo')(core, { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' })
    expect(unknown.error).toBeInstanceOf(mod('com/atproto/sync/getRepo.ts').RepoNotFoundError)
    // One class per declared name, shared by every method that declares it.
    expect(mod('com/atproto/sync/getRepo.ts').RepoNotFoundError).toBe(mod('com/atproto/sync/getBlob.ts').RepoNotFoundError)

    const bob = await createAccount(e2e.pds.url, 'bob.test')
    const bobClient = new (mod('client.ts').Client)({ service: e2e.pds.url, auth: bob.accessJwt, retries: false })
    const { blob } = await bobClient.com.atproto.repo.uploadBlob(PNG, { headers: { 'content-type': 'image/png' } })
    await bobClient.com.atproto.repo.createRecord({ repo: bob.did, collection: 'com.example.blobHolder', record: { $type: 'com.example.blobHolder', file: blob }, validate: false })
    await bobClient.com.atproto.server.deactivateAccount({})
    const { RepoDeactivatedError } = mod('com/atproto/sync/getRepo.ts')
    const reads = [
      await fn('com.atproto.sync.getRepo')(core, { did: bob.did }),
      await fn('com.atproto.sync.getLatestCommit')(core, { did: bob.did }),
      await fn('com.atproto.sync.getBlob')(core, { did: bob.did, cid: blob.ref.$link }),
      await fn('com.atproto.sync.listBlobs')(core, { did: bob.did }),
    ]
    for (const read of reads) {
      expect(read.error).toBeInstanceOf(RepoDeactivatedError)
      expect(read.error).toMatchObject({ status: 400, error: 'RepoDeactivated' })
    }
  })
})

describe('identity and server', () => {
  it('resolves a handle, describes the server, mints a service token', async () => {
    expect(await client.com.atproto.identity.resolveHandle({ handle: 'alice.test' })).toEqual({ did: alice.did })
    const unknown = await fn('com.atproto.identity.resolveHandle')(core, { handle: 'nobody.test' })
    // The lexicon declares HandleNotFound; this PDS (0.4.217) answers a bare InvalidRequest.
    expect(unknown.error).toBeInstanceOf(InvalidRequestError)
    expect(unknown.error).not.toBeInstanceOf(mod('com/atproto/identity/resolveHandle.ts').HandleNotFoundError)
    expect(unknown.error).toMatchObject({ status: 400, error: 'InvalidRequest', message: 'Unable to resolve handle' })

    const server = await fn('com.atproto.server.describeServer')(new Core({ service: e2e.pds.url }))
    if (!server.ok) throw server.error
    expect(server.value).toMatchObject({ did: e2e.pds.did, availableUserDomains: ['.test'], inviteCodeRequired: false })

    const { token } = await client.com.atproto.server.getServiceAuth({ aud: e2e.chat.did, lxm: 'chat.bsky.convo.listConvos' })
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'))
    expect(claims).toMatchObject({ iss: alice.did, aud: e2e.chat.did, lxm: 'chat.bsky.convo.listConvos' })
  })
})

describe('app.bsky queries with no appview behind the PDS', () => {
  it('fail at once with a typed error naming the reason, whether proxied or not', async () => {
    const getProfile = fn('app.bsky.actor.getProfile')
    const unproxied = await getProfile(core, { actor: alice.did })
    expect(unproxied.error).toBeInstanceOf(InvalidRequestError)
    expect(unproxied.error).toMatchObject({ status: 400, message: 'No service configured for app.bsky.actor.getProfile' })
    // Through the namespaced client, a paginated query.
    const timeline = await rejection(client.app.bsky.feed.getTimeline({ limit: 5 }))
    expect(timeline).toBeInstanceOf(InvalidRequestError)
    expect(timeline.message).toBe('No service configured for app.bsky.feed.getTimeline')

    // Proxied to a did:web whose host is gone (the PDS's 500), and to a service whose endpoint is gone.
    const gone = createServer()
    const port = await listen(gone)
    await closeServer(gone)
    const toGone = await getProfile(core, { actor: alice.did }, { proxy: `did:web:localhost%3A${port}#bsky_appview` })
    expect(toGone.error).toBeInstanceOf(InternalServerError)
    const host = await startDidWebHost('gone.test', (await Secp256k1Keypair.create()).did(), `http://localhost:${port}`)
    try {
      const toGoneEndpoint = await getProfile(core, { actor: alice.did }, { proxy: `${host.did}#atproto_pds` })
      expect(toGoneEndpoint.error).toBeInstanceOf(UpstreamFailureError)
      expect(toGoneEndpoint.error).toMatchObject({ status: 502, error: 'UpstreamFailure' })
    } finally {
      await host.close()
    }
    // Proxied to a DID without that service entry, and to a service that does not serve the method.
    const noEntry = await getProfile(core, { actor: alice.did }, { proxy: `${e2e.chat.did}#bsky_appview` })
    expect(noEntry.error).toMatchObject({ status: 400, message: 'could not resolve proxy did service url' })
    const notServed = await getProfile(core, { actor: alice.did }, { proxy: e2e.chat.proxy })
    expect(notServed.error).toBeInstanceOf(NotFoundError)
    expect(notServed.error).toMatchObject({ status: 404, error: 'XRPCNotSupported' })
  })

  it('with a chat proxy on the session: the PDS answers what it serves itself, and forwards the rest to the chat service', async () => {
    const session = new (mod('session.ts').CredentialSession)({ service: e2e.pds.url, proxy: e2e.chat.proxy, retries: false })
    await session.login({ identifier: alice.handle, password: alice.password })
    const proxied = new (mod('client.ts').Client)(session.core)
    const record = { $type: 'app.bsky.feed.post', text: 'with a chat proxy', createdAt: new Date().toISOString() }
    const created = await proxied.com.atproto.repo.createRecord({ repo: alice.did, collection: 'app.bsky.feed.post', record })
    expect(await proxied.com.atproto.repo.getRecord({ repo: alice.did, collection: 'app.bsky.feed.post', rkey: created.uri.split('/').at(-1) })).toMatchObject({ value: record })
    expect((await proxied.com.atproto.repo.uploadBlob(PNG)).blob.size).toBe(PNG.byteLength)
    // getProfile goes to the chat service, which does not serve it (unproxied, the PDS has no AppView to send it to: a 400).
    const profile = await rejection(proxied.app.bsky.actor.getProfile({ actor: alice.did }))
    expect(profile).toBeInstanceOf(NotFoundError)
    expect(profile).toMatchObject({ status: 404, error: 'XRPCNotSupported' })
  })
})

/**
 * The verdicts on app.bsky.feed.post records of the generated validator, @atproto/lexicon, and the
 * PDS (createRecord with `validate: true`).
 */
describe('app.bsky.feed.post validation: generated validator, @atproto/lexicon and the PDS', () => {
  /**
   * Where the PDS (0.4.217, which validates records with @atproto/lex, not @atproto/lexicon)
   * differs from @atproto/lexicon, and so from us. The PDS refuses all but 30 February, which it
   * takes; the validators check a record's shape, not that its `$type` names its collection.
   */
  const PDS_DIFFERS = ['createdAt without a timezone', 'createdAt 30 February', 'createdAt 24:00', 'createdAt leap second', 'wrong $type', 'float in an unknown field', 'legacy blob form']

  it('agree on every case but the listed ones', async () => {
    const lex = await referenceLexicons()
    const { blob } = await client.com.atproto.repo.uploadBlob(PNG, { headers: { 'content-type': 'image/png' } })
    const base = { $type: 'app.bsky.feed.post', text: 'hello', createdAt: new Date().toISOString() }
    const withText = (text: string) => ({ ...base, text })
    const at = (createdAt: string) => ({ ...base, createdAt })
    const facet = (index: unknown, ...features: unknown[]) => ({ ...base, facets: [{ index, features }] })
    const tag = (value: string) => ({ $type: 'app.bsky.richtext.facet#tag', tag: value })
    const images = (...list: unknown[]) => ({ ...base, embed: { $type: 'app.bsky.embed.images', images: list } })
    const strongRef = { uri: `at://${alice.did}/app.bsky.feed.post/3jzfcijpj2z2a`, cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' }
    const cases: [string, unknown][] = [
      ['minimal', base],
      ['300 ASCII graphemes', withText('a'.repeat(300))],
      ['301 ASCII graphemes', withText('a'.repeat(301))],
      ['301 combining graphemes (903 bytes)', withText('e\u0301'.repeat(301))],
      ['300 flags (2400 bytes)', withText('🇯🇵'.repeat(300))],
      ['301 flags', withText('🇯🇵'.repeat(301))],
      ['166 ZWJ families (2988 bytes)', withText('👨‍👩‍👧'.repeat(166))],
      ['200 ZWJ families (3600 bytes)', withText('👨‍👩‍👧'.repeat(200))],
      ['300 Devanagari conjuncts', withText('क्ष'.repeat(300))],
      ['no createdAt', { $type: 'app.bsky.feed.post', text: 'x' }],
      ['no text', { $type: 'app.bsky.feed.post', createdAt: base.createdAt }],
      ['text a number', withText(5 as never)],
      ['text null', withText(null as never)],
      ['createdAt without a timezone', at('2024-01-01T00:00:00')],
      ['createdAt with a space', at('2024-01-01 00:00:00Z')],
      ['createdAt lower-case', at('2024-01-01t00:00:00z')],
      ['createdAt -00:00', at('2024-01-01T00:00:00-00:00')],
      ['createdAt nanoseconds', at('1985-04-12T23:20:50.123456789Z')],
      ['createdAt +05:30', at('2024-01-01T00:00:00+05:30')],
      ['createdAt 30 February', at('2024-02-30T00:00:00Z')],
      ['createdAt 24:00', at('2024-01-01T24:00:00Z')],
      ['createdAt leap second', at('2016-12-31T23:59:60Z')],
      ['no $type', { text: 'x', createdAt: base.createdAt }],
      ['wrong $type', { ...base, $type: 'app.bsky.feed.like' }],
      ['unknown field', { ...base, extra: { a: 1 } }],
      ['float in an unknown field', { ...base, extra: 1.5 }],
      ['facet: negative byteStart', facet({ byteStart: -1, byteEnd: 2 }, tag('x'))],
      ['facet: fractional byteStart', facet({ byteStart: 0.5, byteEnd: 2 }, tag('x'))],
      ['facet: byteEnd before byteStart', facet({ byteStart: 4, byteEnd: 2 }, tag('x'))],
      ['facet: past the text', facet({ byteStart: 0, byteEnd: 200 }, tag('x'))],
      ['facet: no index', { ...base, facets: [{ features: [tag('x')] }] }],
      ['facet: feature without $type', facet({ byteStart: 0, byteEnd: 2 }, { tag: 'x' })],
      ['facet: unknown feature', facet({ byteStart: 0, byteEnd: 2 }, { $type: 'com.example.feature', x: 1 })],
      ['facet: mention of a bad DID', facet({ byteStart: 0, byteEnd: 2 }, { $type: 'app.bsky.richtext.facet#mention', did: 'alice' })],
      ['facet: link to a bad URI', facet({ byteStart: 0, byteEnd: 2 }, { $type: 'app.bsky.richtext.facet#link', uri: 'not a uri' })],
      ['facet: tag of 64 graphemes', facet({ byteStart: 0, byteEnd: 2 }, tag('a'.repeat(64)))],
      ['facet: tag of 65 graphemes', facet({ byteStart: 0, byteEnd: 2 }, tag('a'.repeat(65)))],
      ['embed: unknown $type (open union)', { ...base, embed: { $type: 'com.example.embed', x: 1 } }],
      ['embed: no $type', { ...base, embed: { images: [] } }],
      ['embed: $type a number', { ...base, embed: { $type: 5 } }],
      ['embed: external', { ...base, embed: { $type: 'app.bsky.embed.external', external: { uri: 'https://example.com', title: 't', description: 'd' } } }],
      ['embed: record', { ...base, embed: { $type: 'app.bsky.embed.record', record: strongRef } }],
      ['embed: record with a bad CID', { ...base, embed: { $type: 'app.bsky.embed.record', record: { ...strongRef, cid: 'nope' } } }],
      ['image', images({ image: blob, alt: 'x' })],
      ['image without alt', images({ image: blob })],
      ['image with aspect ratio 0', images({ image: blob, alt: 'x', aspectRatio: { width: 0, height: 1 } })],
      ['five images', images(...Array(5).fill({ image: blob, alt: '' }))],
      ['blob without $type', images({ image: { ref: blob.ref, mimeType: blob.mimeType, size: blob.size }, alt: 'x' })],
      ['legacy blob form', images({ image: { cid: blob.ref.$link, mimeType: 'image/png' }, alt: 'x' })],
      ['blob of a type the embed does not accept', images({ image: { ...blob, mimeType: 'text/plain' }, alt: 'x' })],
      ['blob with a bad $link', images({ image: { ...blob, ref: { $link: 'nope' } }, alt: 'x' })],
      ['langs', { ...base, langs: ['en', 'pt-BR', 'i-klingon'] }],
      ['langs: not a language', { ...base, langs: ['not a lang!'] }],
      ['langs: four', { ...base, langs: ['en', 'de', 'fr', 'it'] }],
      ['tags: nine', { ...base, tags: Array(9).fill('t') }],
      ['reply with bad URIs', { ...base, reply: { root: { ...strongRef, uri: 'nope' }, parent: { ...strongRef, uri: 'nope' } } }],
      ['reply without parent', { ...base, reply: { root: strongRef } }],
      ['self-labels', { ...base, labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'porn' }] } }],
      ['self-label of 129 bytes', { ...base, labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'a'.repeat(129) }] } }],
    ]
    const createRecord = fn('com.atproto.repo.createRecord')
    const differs: string[] = []
    for (const [label, value] of cases) {
      // Lenient as responses are checked: @atproto/lexicon's verdict. With blob limits (accept, maxSize), as requests are: the one compared with the PDS.
      expect(validate(validatePost, value, false, false).length === 0, label).toBe(referenceVerdict(lex, { kind: 'def', nsid: 'app.bsky.feed.post', def: 'main' }, value).valid)
      const ours = validate(validatePost, value, false, true).length === 0
      const pds = await createRecord(core, { repo: alice.did, collection: 'app.bsky.feed.post', record: value, validate: true })
      if (!pds.ok) expect(pds.error, label).toBeInstanceOf(InvalidRequestError)
      if (pds.ok !== ours) differs.push(label)
    }
    expect(differs).toEqual(PDS_DIFFERS)
  })
})

// Last: it moves the clock the PDS reads past the access token's lifetime.
describe('an upload after the access token expired', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('is replayed after the refresh when it is bytes; a stream is not sent twice: ExpiredTokenError, and the next call goes through', async () => {
    const events: string[] = []
    const session = new (mod('session.ts').CredentialSession)({ service: e2e.pds.url, retries: false, onSessionChange: (_data: unknown, event: string) => void events.push(event) })
    await session.login({ identifier: alice.handle, password: alice.password })
    const uploadBlob = fn('com.atproto.repo.uploadBlob')
    const expire = () => {
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
      vi.setSystemTime(Date.now() + 3 * 3_600_000)
    }

    expire()
    const bytes = await uploadBlob(session.core, PNG)
    if (!bytes.ok) throw bytes.error
    expect(bytes.response.attempts).toBe(2)
    expect(events).toEqual(['create', 'refresh'])

    expire()
    const streamed = await uploadBlob(session.core, streamOf(PNG))
    expect(streamed.error).toBeInstanceOf(ExpiredTokenError)
    expect(events).toEqual(['create', 'refresh', 'refresh'])
    const again = await uploadBlob(session.core, streamOf(PNG))
    if (!again.ok) throw again.error
    expect(again.value.blob.ref.$link).toBe(bytes.value.blob.ref.$link)
  })
})
