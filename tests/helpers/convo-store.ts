/**
 * An in-memory Bluesky Chat backend for one viewer, small but real enough that
 * send/get/list/mute/leave/react change what later calls see. Views are built in
 * their lexicon shapes (union members carry `$type`), and the XRPC server validates
 * every response against the lexicons, so a wrong shape here fails loudly.
 */
import { InvalidRequestError } from '@atproto/xrpc-server'

const DEFS = 'chat.bsky.convo.defs'

interface Reaction {
  value: string
  sender: string
  createdAt: string
}

interface Message {
  id: string
  rev: string
  text: string
  sender: string
  sentAt: string
  replyTo?: string
  reactions: Reaction[]
}

interface Convo {
  id: string
  rev: string
  members: string[]
  muted: boolean
  status: 'request' | 'accepted'
  locked: boolean
  left: boolean
  unreadCount: number
  /** Oldest first; messages deleted for the viewer are removed. */
  messages: Message[]
}

type LogEntry = { $type: string; rev: string; convoId: string; [key: string]: unknown }

/** Declared XRPC errors travel as 400 with the lexicon's error name, as the real service sends them. */
export function declared(name: string, message = name): InvalidRequestError {
  return new InvalidRequestError(message, name)
}

/**
 * Cursors deliberately contain `&`, `=`, `#`, `+`, `%`, `/`, `?` and a space, so a client that
 * does not percent-encode them mangles the cursor and the next page fails with BadCursor.
 */
export function encodeCursor(offset: number): string {
  return `offset=${offset}&order=desc#page +/%?`
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0
  const match = /^offset=(\d+)&order=desc#page \+\/%\?$/.exec(cursor)
  if (!match) throw new InvalidRequestError(`Malformed cursor ${JSON.stringify(cursor)}`, 'BadCursor')
  return Number(match[1])
}

function page<T>(items: T[], limit: number | undefined, cursor: string | undefined): { items: T[]; cursor?: string } {
  const offset = decodeCursor(cursor)
  const end = offset + (limit ?? 50)
  return { items: items.slice(offset, end), ...(end < items.length ? { cursor: encodeCursor(end) } : {}) }
}

export class ConvoStore {
  readonly convos = new Map<string, Convo>()
  readonly log: LogEntry[] = []
  private counter = 0

  constructor(
    /** The DID of the authenticated viewer. */
    readonly viewer: string,
  ) {}

  private nextRev(): string {
    return String(++this.counter).padStart(8, '0')
  }

  private handle(did: string): string {
    return `${did.split(':').pop()!.replace(/[^a-z0-9-]/gi, '-').toLowerCase()}.test`
  }

  private profile(did: string) {
    return { did, handle: this.handle(did) }
  }

  /** A convo the viewer can see; InvalidConvo otherwise, as the service answers. */
  convo(convoId: string): Convo {
    const convo = this.convos.get(convoId)
    if (!convo || convo.left) throw declared('InvalidConvo', `Convo ${convoId} not found`)
    return convo
  }

  private message(convo: Convo, messageId: string): Message {
    const message = convo.messages.find((m) => m.id === messageId)
    if (!message) throw new InvalidRequestError(`Message ${messageId} not found`)
    return message
  }

  messageView(message: Message, convo?: Convo, withReply = true): Record<string, unknown> {
    const replyTarget = withReply && message.replyTo ? convo?.messages.find((m) => m.id === message.replyTo) : undefined
    return {
      $type: `${DEFS}#messageView`,
      id: message.id,
      rev: message.rev,
      text: message.text,
      sender: { did: message.sender },
      sentAt: message.sentAt,
      reactions: message.reactions.map((r) => ({ value: r.value, sender: { did: r.sender }, createdAt: r.createdAt })),
      ...(replyTarget ? { replyTo: this.messageView(replyTarget, convo, false) } : {}),
    }
  }

  convoView(convo: Convo): Record<string, unknown> {
    const last = convo.messages.at(-1)
    return {
      id: convo.id,
      rev: convo.rev,
      members: convo.members.map((did) => this.profile(did)),
      muted: convo.muted,
      status: convo.status,
      unreadCount: convo.unreadCount,
      kind: { $type: `${DEFS}#directConvo` },
      ...(last ? { lastMessage: this.messageView(last, convo, false) } : {}),
    }
  }

  private visible(): Convo[] {
    return [...this.convos.values()].filter((c) => !c.left).sort((a, b) => b.rev.localeCompare(a.rev))
  }

  private touch(convo: Convo, entry?: { $type: string; [key: string]: unknown }): string {
    convo.rev = this.nextRev()
    if (entry) this.log.push({ ...entry, rev: convo.rev, convoId: convo.id })
    return convo.rev
  }

  /** Finds or starts the direct convo between the viewer and `members`; new ones start as requests. */
  getConvoForMembers(members: string[], status: Convo['status'] = 'request') {
    const all = [...new Set([this.viewer, ...members])].sort()
    let convo = [...this.convos.values()].find((c) => !c.left && c.members.join() === all.join())
    if (!convo) {
      convo = { id: `convo-${this.convos.size + 1}`, rev: '', members: all, muted: false, status, locked: false, left: false, unreadCount: 0, messages: [] }
      this.convos.set(convo.id, convo)
      this.touch(convo, { $type: `${DEFS}#logBeginConvo` })
    }
    return { convo: this.convoView(convo) }
  }

  getConvoAvailability(members: string[]) {
    const all = [...new Set([this.viewer, ...members])].sort().join()
    const convo = [...this.convos.values()].find((c) => !c.left && c.members.join() === all)
    return { canChat: true, ...(convo ? { convo: this.convoView(convo) } : {}) }
  }

  getConvo(convoId: string) {
    return { convo: this.convoView(this.convo(convoId)) }
  }

  getConvoMembers(convoId: string, limit?: number, cursor?: string) {
    const { items, ...rest } = page(this.convo(convoId).members, limit, cursor)
    return { members: items.map((did) => this.profile(did)), ...rest }
  }

  listConvos(params: { limit?: number; cursor?: string; status?: string; readState?: string }) {
    const convos = this.visible().filter(
      (c) => (params.status === undefined || c.status === params.status) && (params.readState !== 'unread' || c.unreadCount > 0),
    )
    const { items, ...rest } = page(convos, params.limit, params.cursor)
    return { convos: items.map((c) => this.convoView(c)), ...rest }
  }

  listConvoRequests(limit?: number, cursor?: string) {
    const { items, ...rest } = page(this.visible().filter((c) => c.status === 'request'), limit, cursor)
    return { requests: items.map((c) => ({ $type: `${DEFS}#convoView`, ...this.convoView(c) })), ...rest }
  }

  getMessages(convoId: string, limit?: number, cursor?: string) {
    const convo = this.convo(convoId)
    const { items, ...rest } = page([...convo.messages].reverse(), limit, cursor)
    return { messages: items.map((m) => this.messageView(m, convo)), ...rest }
  }

  sendMessage(convoId: string, input: { text: string; replyTo?: { messageId: string } }, sender = this.viewer) {
    const convo = this.convo(convoId)
    if (convo.locked) throw declared('ConvoLocked', 'Convo is locked')
    if (input.replyTo && !convo.messages.some((m) => m.id === input.replyTo!.messageId)) {
      throw declared('ReplyTargetNotFound', `Message ${input.replyTo.messageId} not found`)
    }
    const message: Message = {
      id: `msg-${this.counter + 1}`,
      rev: '',
      text: input.text,
      sender,
      sentAt: new Date().toISOString(),
      reactions: [],
      ...(input.replyTo ? { replyTo: input.replyTo.messageId } : {}),
    }
    convo.messages.push(message)
    // Sending accepts a request convo, as in the real service.
    if (sender === this.viewer) convo.status = 'accepted'
    else convo.unreadCount++
    message.rev = this.touch(convo, { $type: `${DEFS}#logCreateMessage`, message: this.messageView(message, convo, false) })
    return this.messageView(message, convo)
  }

  deleteMessageForSelf(convoId: string, messageId: string) {
    const convo = this.convo(convoId)
    const message = this.message(convo, messageId)
    convo.messages = convo.messages.filter((m) => m !== message)
    const rev = this.touch(convo, { $type: `${DEFS}#logDeleteMessage`, message: { $type: `${DEFS}#deletedMessageView`, id: message.id, rev: message.rev, sender: { did: message.sender }, sentAt: message.sentAt } })
    return { id: message.id, rev, sender: { did: message.sender }, sentAt: message.sentAt }
  }

  react(convoId: string, messageId: string, value: string, add: boolean) {
    const convo = this.convo(convoId)
    const message = this.message(convo, messageId)
    const existing = message.reactions.findIndex((r) => r.value === value && r.sender === this.viewer)
    if (add && existing < 0) {
      if (message.reactions.filter((r) => r.sender === this.viewer).length >= 5) throw declared('ReactionLimitReached')
      message.reactions.push({ value, sender: this.viewer, createdAt: new Date().toISOString() })
    }
    if (!add && existing >= 0) message.reactions.splice(existing, 1)
    this.touch(convo, { $type: `${DEFS}#${add ? 'logAddReaction' : 'logRemoveReaction'}`, message: this.messageView(message, convo, false), reaction: { value, sender: { did: this.viewer }, createdAt: new Date().toISOString() } })
    return { message: this.messageView(message, convo) }
  }

  setMuted(convoId: string, muted: boolean) {
    const convo = this.convo(convoId)
    convo.muted = muted
    this.touch(convo, { $type: `${DEFS}#${muted ? 'logMuteConvo' : 'logUnmuteConvo'}` })
    return { convo: this.convoView(convo) }
  }

  setLocked(convoId: string, locked: boolean) {
    const convo = this.convo(convoId)
    if (locked && convo.locked) throw declared('ConvoLocked', 'Convo is already locked')
    convo.locked = locked
    this.touch(convo)
    return { convo: this.convoView(convo) }
  }

  acceptConvo(convoId: string) {
    const convo = this.convo(convoId)
    if (convo.status === 'accepted') return {}
    convo.status = 'accepted'
    return { rev: this.touch(convo, { $type: `${DEFS}#logAcceptConvo` }) }
  }

  leaveConvo(convoId: string) {
    const convo = this.convo(convoId)
    const rev = this.touch(convo, { $type: `${DEFS}#logLeaveConvo` })
    convo.left = true
    return { convoId, rev }
  }

  updateRead(convoId: string) {
    const convo = this.convo(convoId)
    convo.unreadCount = 0
    this.touch(convo)
    return { convo: this.convoView(convo) }
  }

  updateAllRead(status?: string) {
    const convos = this.visible().filter((c) => c.unreadCount > 0 && (status === undefined || c.status === status))
    for (const convo of convos) convo.unreadCount = 0
    return { updatedCount: convos.length }
  }

  getUnreadCounts() {
    const unread = (status: Convo['status']) => this.visible().filter((c) => c.status === status && !c.locked && c.unreadCount > 0).length
    return { unreadAcceptedConvos: unread('accepted'), unreadRequestConvos: unread('request') }
  }

  getLog(cursor?: string) {
    const { items, ...rest } = page(this.log, 100, cursor)
    return { logs: items, ...rest }
  }
}
