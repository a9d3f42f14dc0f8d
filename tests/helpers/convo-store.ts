/**
 * The one in-memory Bluesky Chat backend of the test servers (tests/helpers/xrpc-server.ts and
 * the e2e chat service), small but real enough that send/get/list/mute/leave/react change what
 * later calls see. Convos are shared by their members; each member has their own view of one
 * (status, muted, unread, left, messages deleted for them). A store acts for one viewer:
 * `store.as(did)` is the same data seen by another member. Views are built in their lexicon
 * shapes (union members carry `$type`), and the XRPC servers validate every response against
 * the lexicons, so a wrong shape here fails loudly.
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

/** One member's view of a convo. */
interface Membership {
  status: 'request' | 'accepted'
  muted: boolean
  left: boolean
  unreadCount: number
  /** Messages this member deleted for themself. */
  hidden: Set<string>
}

interface Convo {
  id: string
  rev: string
  /** Sorted DIDs. */
  members: string[]
  memberships: Map<string, Membership>
  locked: boolean
  /** Oldest first. */
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

/** What every viewer of one store shares. */
class ChatData {
  readonly convos = new Map<string, Convo>()
  readonly log: LogEntry[] = []
  counter = 0

  constructor(readonly handleOf: (did: string) => string) {}
}

/** A handle made from the DID: `did:plc:alice` is `alice.test`. */
function handleFromDid(did: string): string {
  return `${did.split(':').pop()!.replace(/[^a-z0-9-]/gi, '-').toLowerCase()}.test`
}

export class ConvoStore {
  private readonly data: ChatData

  constructor(
    /** The DID of the authenticated viewer. */
    readonly viewer: string,
    options: { handleOf?: (did: string) => string } | ChatData = {},
  ) {
    this.data = options instanceof ChatData ? options : new ChatData(options.handleOf ?? handleFromDid)
  }

  /** The same chat data, seen by `viewer`. */
  as(viewer: string): ConvoStore {
    return viewer === this.viewer ? this : new ConvoStore(viewer, this.data)
  }

  get convos(): ReadonlyMap<string, Convo> {
    return this.data.convos
  }

  private nextRev(): string {
    return String(++this.data.counter).padStart(8, '0')
  }

  private profile(did: string) {
    return { did, handle: this.data.handleOf(did) }
  }

  private membership(convo: Convo, did = this.viewer): Membership {
    return convo.memberships.get(did)!
  }

  /** A convo the viewer can see; InvalidConvo otherwise, as the service answers. */
  convo(convoId: string): Convo {
    const convo = this.data.convos.get(convoId)
    if (!convo || !convo.memberships.has(this.viewer) || this.membership(convo).left) throw declared('InvalidConvo', `Convo ${convoId} not found`)
    return convo
  }

  private message(convo: Convo, messageId: string): Message {
    const message = this.visibleMessages(convo).find((m) => m.id === messageId)
    if (!message) throw new InvalidRequestError(`Message ${messageId} not found`)
    return message
  }

  /** The convo's messages the viewer has not deleted for themself, oldest first. */
  private visibleMessages(convo: Convo): Message[] {
    const hidden = this.membership(convo).hidden
    return hidden.size ? convo.messages.filter((m) => !hidden.has(m.id)) : convo.messages
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
    const last = this.visibleMessages(convo).at(-1)
    const { muted, status, unreadCount } = this.membership(convo)
    return {
      id: convo.id,
      rev: convo.rev,
      members: convo.members.map((did) => this.profile(did)),
      muted,
      status,
      unreadCount,
      kind: { $type: `${DEFS}#directConvo` },
      ...(last ? { lastMessage: this.messageView(last, convo, false) } : {}),
    }
  }

  private visible(): Convo[] {
    return [...this.data.convos.values()]
      .filter((c) => c.memberships.has(this.viewer) && !this.membership(c).left)
      .sort((a, b) => b.rev.localeCompare(a.rev))
  }

  private touch(convo: Convo, entry?: { $type: string; [key: string]: unknown }): string {
    convo.rev = this.nextRev()
    if (entry) this.data.log.push({ ...entry, rev: convo.rev, convoId: convo.id })
    return convo.rev
  }

  /** Finds or starts the direct convo between the viewer and `members`; new ones start as requests. */
  getConvoForMembers(members: string[], status: Membership['status'] = 'request') {
    const all = [...new Set([this.viewer, ...members])].sort()
    let convo = this.visible().find((c) => c.members.join() === all.join())
    if (!convo) {
      const memberships = new Map(all.map((did): [string, Membership] => [did, { status, muted: false, left: false, unreadCount: 0, hidden: new Set() }]))
      convo = { id: `convo-${this.data.convos.size + 1}`, rev: '', members: all, memberships, locked: false, messages: [] }
      this.data.convos.set(convo.id, convo)
      this.touch(convo, { $type: `${DEFS}#logBeginConvo` })
    }
    return { convo: this.convoView(convo) }
  }

  getConvoAvailability(members: string[]) {
    const all = [...new Set([this.viewer, ...members])].sort().join()
    const convo = this.visible().find((c) => c.members.join() === all)
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
    const convos = this.visible().filter((c) => {
      const { status, unreadCount } = this.membership(c)
      return (params.status === undefined || status === params.status) && (params.readState !== 'unread' || unreadCount > 0)
    })
    const { items, ...rest } = page(convos, params.limit, params.cursor)
    return { convos: items.map((c) => this.convoView(c)), ...rest }
  }

  listConvoRequests(limit?: number, cursor?: string) {
    const { items, ...rest } = page(this.visible().filter((c) => this.membership(c).status === 'request'), limit, cursor)
    return { requests: items.map((c) => ({ $type: `${DEFS}#convoView`, ...this.convoView(c) })), ...rest }
  }

  getMessages(convoId: string, limit?: number, cursor?: string) {
    const convo = this.convo(convoId)
    const { items, ...rest } = page([...this.visibleMessages(convo)].reverse(), limit, cursor)
    return { messages: items.map((m) => this.messageView(m, convo)), ...rest }
  }

  /** Sends as the viewer, or as `sender` (another member) when given. */
  sendMessage(convoId: string, input: { text: string; replyTo?: { messageId: string } }, sender = this.viewer): Record<string, unknown> {
    if (sender !== this.viewer) return this.as(sender).sendMessage(convoId, input)
    const convo = this.convo(convoId)
    if (convo.locked) throw declared('ConvoLocked', 'Convo is locked')
    if (input.replyTo && !convo.messages.some((m) => m.id === input.replyTo!.messageId)) {
      throw declared('ReplyTargetNotFound', `Message ${input.replyTo.messageId} not found`)
    }
    const message: Message = {
      id: `msg-${this.data.counter + 1}`,
      rev: '',
      text: input.text,
      sender,
      sentAt: new Date().toISOString(),
      reactions: [],
      ...(input.replyTo ? { replyTo: input.replyTo.messageId } : {}),
    }
    convo.messages.push(message)
    // Sending accepts a request convo, as in the real service; the others have one more unread.
    for (const [did, membership] of convo.memberships) {
      if (did === sender) membership.status = 'accepted'
      else membership.unreadCount++
    }
    message.rev = this.touch(convo, { $type: `${DEFS}#logCreateMessage`, message: this.messageView(message, convo, false) })
    return this.messageView(message, convo)
  }

  deleteMessageForSelf(convoId: string, messageId: string) {
    const convo = this.convo(convoId)
    const message = this.message(convo, messageId)
    this.membership(convo).hidden.add(message.id)
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
    this.membership(convo).muted = muted
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
    const membership = this.membership(convo)
    if (membership.status === 'accepted') return {}
    membership.status = 'accepted'
    return { rev: this.touch(convo, { $type: `${DEFS}#logAcceptConvo` }) }
  }

  leaveConvo(convoId: string) {
    const convo = this.convo(convoId)
    const rev = this.touch(convo, { $type: `${DEFS}#logLeaveConvo` })
    this.membership(convo).left = true
    return { convoId, rev }
  }

  updateRead(convoId: string) {
    const convo = this.convo(convoId)
    this.membership(convo).unreadCount = 0
    this.touch(convo)
    return { convo: this.convoView(convo) }
  }

  updateAllRead(status?: string) {
    const memberships = this.visible()
      .map((c) => this.membership(c))
      .filter((m) => m.unreadCount > 0 && (status === undefined || m.status === status))
    for (const membership of memberships) membership.unreadCount = 0
    return { updatedCount: memberships.length }
  }

  getUnreadCounts() {
    const unread = (status: Membership['status']) =>
      this.visible().filter((c) => !c.locked && this.membership(c).status === status && this.membership(c).unreadCount > 0).length
    return { unreadAcceptedConvos: unread('accepted'), unreadRequestConvos: unread('request') }
  }

  getLog(cursor?: string) {
    const mine = this.data.log.filter((entry) => this.data.convos.get(entry.convoId)!.memberships.has(this.viewer))
    const { items, ...rest } = page(mine, 100, cursor)
    return { logs: items, ...rest }
  }
}
