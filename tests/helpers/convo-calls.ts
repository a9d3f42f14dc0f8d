/**
 * One valid call for each of the 22 `chat.bsky.convo.*` methods, made through its
 * generated standalone function, against a store seeded by `seedConvo`.
 */
import { Core, withDefaults, type CallOptions, type Method, type Result, type XrpcError } from '@lexgen/runtime'
import * as generated from '../../generated/index.js'
import { afterAll, beforeAll } from 'vitest'
import { convoMethods, startChatServer, TEST_TOKEN, type ChatServer } from './xrpc-server.js'

export const OTHER_DID = 'did:plc:other'

export interface Seeded {
  readonly convoId: string
  readonly messageId: string
}

/** A direct convo with the viewer and OTHER_DID holding one message from OTHER_DID. */
export function seedConvo(server: ChatServer): Seeded {
  const convoId = server.store.getConvoForMembers([OTHER_DID], 'accepted').convo.id as string
  const messageId = server.store.sendMessage(convoId, { text: 'hello from other' }, OTHER_DID).id as string
  return { convoId, messageId }
}

/** For a test file: a peer server with a seeded convo, started before its tests and closed after them. */
export function seededServer(): { readonly server: ChatServer; readonly convoId: string } {
  const world = {} as { server: ChatServer; convoId: string }
  beforeAll(async () => {
    world.server = await startChatServer()
    world.convoId = seedConvo(world.server).convoId
  })
  afterAll(() => world.server?.close())
  return world
}

/** Valid arguments (params for queries, input for procedures) per method name. */
export function sampleArgs(name: string, { convoId, messageId }: Seeded): object {
  const samples: Record<string, object> = {
    acceptConvo: { convoId },
    addReaction: { convoId, messageId, value: '👍' },
    deleteMessageForSelf: { convoId, messageId },
    getConvo: { convoId },
    getConvoAvailability: { members: [OTHER_DID] },
    getConvoForMembers: { members: [OTHER_DID] },
    getConvoMembers: { convoId, limit: 10 },
    getLog: {},
    getMessages: { convoId, limit: 10 },
    getUnreadCounts: { includeGroupChats: false },
    leaveConvo: { convoId },
    listConvoRequests: { limit: 5 },
    listConvos: { limit: 10, status: 'accepted' },
    lockConvo: { convoId },
    muteConvo: { convoId },
    removeReaction: { convoId, messageId, value: '👍' },
    sendMessage: { convoId, message: { text: 'hi' } },
    sendMessageBatch: { items: [{ convoId, message: { text: 'batched' } }] },
    unlockConvo: { convoId },
    unmuteConvo: { convoId },
    updateAllRead: { status: 'accepted' },
    updateRead: { convoId, messageId },
  }
  const args = samples[name]
  if (!args) throw new Error(`No sample arguments for chat.bsky.convo.${name}`)
  return args
}

type StandaloneFn = (core: Core, args: object, options?: CallOptions) => Promise<Result<unknown, XrpcError>>

export interface GeneratedMethod {
  readonly method: Method
  readonly call: StandaloneFn
  /** The module's exports, e.g. `ConvoLockedError`. */
  readonly exports: Record<string, unknown>
}

/** The generated module of `chat.bsky.convo.<name>`. */
export function generatedMethod(name: string): GeneratedMethod {
  const pascal = name[0]!.toUpperCase() + name.slice(1)
  const mod = (generated as unknown as Record<string, Record<string, unknown>>)[`ChatBskyConvo${pascal}`]
  const fn = mod?.[`chatBskyConvo${pascal}`]
  if (!mod || typeof fn !== 'function') throw new Error(`No generated function for chat.bsky.convo.${name}`)
  return { method: mod.method as Method, call: fn as StandaloneFn, exports: mod }
}

/**
 * A real response body for each convo method (by its last NSID segment), as the
 * lexicon-validating peer server produced it from a seeded store: what fuzzers mutate.
 */
export async function recordSamples(): Promise<Map<string, unknown>> {
  const samples = new Map<string, unknown>()
  const chat = await startChatServer()
  try {
    const seeded = seedConvo(chat)
    const core = new Core(withDefaults({ service: chat.url, auth: TEST_TOKEN, retries: false }))
    const names = convoMethods().map((nsid) => nsid.split('.').pop()!)
    // Order matters for a few: lock, delete the message and leave the convo last.
    const last = ['lockConvo', 'unlockConvo', 'deleteMessageForSelf', 'leaveConvo']
    for (const name of [...names.filter((n) => !last.includes(n)), ...last]) {
      const result = await generatedMethod(name).call(core, sampleArgs(name, seeded))
      if (!result.ok) throw result.error
      samples.set(name, result.value)
    }
  } finally {
    await chat.close()
  }
  return samples
}
