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
  /** Every member: sorted DIDs for a direct convo; a group's owner first, then in the order they joined. */
  members: string[]
  memberships: Map<string, Membership>
  locked: boolean
  /** Oldest first. */
  messages: Message[]
  /** Set for group convos (chat.bsky.group.*). */
  group?: Group
}

interface JoinLink {
  code: string
  enabled: boolean
  requireApproval: boolean
  joinRule: string
  createdAt: string
}

interface Group {
  name: string
  owner: string
  createdAt: string
  link?: JoinLink
  /** Pending requests to join through the link, oldest first. */
  requests: { did: string; requestedAt: string }[]
}

interface Preferences {
  chat: { include: string; push: boolean }
  chatRequest: { include: string; push: boolean }
}

/** The service's member limit for groups (chat.bsky.actor.getStatus reports it). */
export const GROUP_MEMBER_LIMIT = 100

/** A fixed clock, so views are the same on every run. */
const CREATED_AT = '2026-01-15T09:00:00.000Z'

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
  /** Notification preferences (chat.bsky.notification.*), by viewer. */
  readonly preferences = new Map<string, Preferences>()
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

  /** Makes `did` a member of `convo` (a no-op for a member). */
  private join(convo: Convo, did: string, status: Membership['status']): void {
    if (convo.memberships.has(did)) return
    convo.members.push(did)
    convo.memberships.set(did, { status, muted: false, left: false, unreadCount: 0, hidden: new Set() })
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
      // A group's view lists its important members only (here: the first ten); getConvoMembers lists all.
      members: (convo.group ? convo.members.slice(0, 10) : convo.members).map((did) => this.profile(did)),
      muted,
      status,
      unreadCount,
      kind: convo.group ? this.groupKind(convo, convo.group) : { $type: `${DEFS}#directConvo` },
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
    let convo = this.visible().find((c) => !c.group && c.members.join() === all.join())
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
    const convo = this.visible().find((c) => !c.group && c.members.join() === all)
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

  /** Incoming request convos, then the viewer's own pending requests to join groups. */
  listConvoRequests(limit?: number, cursor?: string) {
    const incoming = this.visible().filter((c) => this.membership(c).status === 'request')
    const outgoing = [...this.data.convos.values()].filter((c) => c.group?.requests.some((r) => r.did === this.viewer))
    const { items, ...rest } = page([...incoming, ...outgoing], limit, cursor)
    return { requests: items.map((c) => (incoming.includes(c) ? { $type: `${DEFS}#convoView`, ...this.convoView(c) } : this.joinRequestConvoView(c))), ...rest }
  }

  private joinRequestConvoView(convo: Convo) {
    const group = convo.group!
    const request = group.requests.find((r) => r.did === this.viewer)!
    return {
      $type: 'chat.bsky.group.defs#joinRequestConvoView',
      convoId: convo.id,
      name: group.name,
      owner: this.profile(group.owner),
      memberCount: convo.members.length,
      memberLimit: GROUP_MEMBER_LIMIT,
      viewer: { requestedAt: request.requestedAt },
    }
  }

  getMessages(convoId: string, limit?: number, cursor?: string) {
    const convo = this.convo(convoId)
    const { items, ...rest } = page([...this.visibleMessages(convo)].reverse(), limit, cursor)
    return { messages: items.map((m) => this.messageView(m, convo)), ...rest }
  }

  /** Sends as the viewer, or as `sender` (another member) when given; `id` picks the message id. */
  sendMessage(
    convoId: string,
    input: { text: string; replyTo?: { messageId: string } },
    sender = this.viewer,
    id = `msg-${this.data.counter + 1}`,
  ): Record<string, unknown> {
    if (sender !== this.viewer) return this.as(sender).sendMessage(convoId, input, sender, id)
    const convo = this.convo(convoId)
    if (convo.locked) throw declared('ConvoLocked', 'Convo is locked')
    if (input.replyTo && !convo.messages.some((m) => m.id === input.replyTo!.messageId)) {
      throw declared('ReplyTargetNotFound', `Message ${input.replyTo.messageId} not found`)
    }
    const message: Message = {
      id,
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
    if (convo.group && convo.group.owner !== this.viewer) throw declared('InsufficientRole', 'Only the owner can do that')
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
    if (convo.group?.owner === this.viewer) throw declared('OwnerCannotLeave', 'The owner cannot leave the group')
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

  // ------------------------------------------------------------------------------------------
  // Group chats (chat.bsky.group.*), the actor and notification preferences. Owner-only actions
  // answer InsufficientRole, as the service does; a locked group refuses new content.

  /** The viewer's notification preferences (chat.bsky.notification.*), the service's defaults at first. */
  get preferences(): Preferences {
    let preferences = this.data.preferences.get(this.viewer)
    if (!preferences) {
      preferences = { chat: { include: 'all', push: true }, chatRequest: { include: 'all', push: true } }
      this.data.preferences.set(this.viewer, preferences)
    }
    return preferences
  }

  /** Starts a group owned by `owner` (the viewer unless given); `id` picks its convo id. */
  createGroup(members: string[], name: string, { owner = this.viewer, id }: { owner?: string; id?: string } = {}) {
    const convo: Convo = {
      id: id ?? `convo-${this.data.convos.size + 1}`,
      rev: '',
      members: [],
      memberships: new Map(),
      locked: false,
      messages: [],
      group: { name, owner, createdAt: CREATED_AT, requests: [] },
    }
    // The owner has accepted; everyone added sees a request, as with a new direct convo.
    for (const did of new Set([owner, ...members])) this.join(convo, did, did === owner ? 'accepted' : 'request')
    this.data.convos.set(convo.id, convo)
    this.touch(convo, { $type: `${DEFS}#logBeginConvo` })
    return { convo: this.convoView(convo) }
  }

  /** A group the viewer belongs to; `ownerOnly` also requires the viewer to own it. */
  group(convoId: string, ownerOnly = true): { convo: Convo; group: Group } {
    const convo = this.convo(convoId)
    if (!convo.group) throw declared('InvalidConvo', `Convo ${convoId} is not a group`)
    if (ownerOnly && convo.group.owner !== this.viewer) throw declared('InsufficientRole', 'Only the owner can do that')
    return { convo, group: convo.group }
  }

  private groupKind(convo: Convo, group: Group): Record<string, unknown> {
    const owner = group.owner === this.viewer
    return {
      $type: `${DEFS}#groupConvo`,
      createdAt: group.createdAt,
      lockStatus: convo.locked ? 'locked' : 'unlocked',
      lockStatusModerationOverride: false,
      memberCount: convo.members.length,
      memberLimit: GROUP_MEMBER_LIMIT,
      name: group.name,
      ...(group.link ? { joinLink: this.joinLinkView(group.link) } : {}),
      ...(owner ? { joinRequestCount: Math.min(group.requests.length, 21), unreadJoinRequestCount: 0 } : {}),
    }
  }

  private joinLinkView(link: JoinLink) {
    const { code, enabled, requireApproval, joinRule, createdAt } = link
    return { code, enabledStatus: enabled ? 'enabled' : 'disabled', requireApproval, joinRule, createdAt }
  }

  addMembers(convoId: string, members: string[]) {
    const { convo } = this.group(convoId)
    if (convo.locked) throw declared('ConvoLocked', 'Convo is locked')
    const added = [...new Set(members)].filter((did) => !convo.memberships.has(did))
    if (convo.members.length + added.length > GROUP_MEMBER_LIMIT) throw declared('MemberLimitReached')
    for (const did of added) this.join(convo, did, 'request')
    this.touch(convo)
    return { convo: this.convoView(convo), addedMembers: added.map((did) => this.profile(did)) }
  }

  removeMembers(convoId: string, members: string[]) {
    const { convo, group } = this.group(convoId)
    const removed = new Set(members.filter((did) => did !== group.owner))
    convo.members = convo.members.filter((did) => !removed.has(did))
    for (const did of removed) convo.memberships.delete(did)
    this.touch(convo)
    return { convo: this.convoView(convo) }
  }

  editGroup(convoId: string, name: string) {
    const { convo, group } = this.group(convoId)
    if (convo.locked) throw declared('ConvoLocked', 'Convo is locked')
    group.name = name
    this.touch(convo)
    return { convo: this.convoView(convo) }
  }

  createJoinLink(convoId: string, options: { requireApproval?: boolean; joinRule: string }, code = `link${this.data.counter + 1}`) {
    const { convo, group } = this.group(convoId)
    if (group.link?.enabled) throw declared('EnabledJoinLinkAlreadyExists')
    group.link = { code, enabled: true, requireApproval: options.requireApproval ?? false, joinRule: options.joinRule, createdAt: CREATED_AT }
    this.touch(convo)
    return { joinLink: this.joinLinkView(group.link) }
  }

  private link(convoId: string): { convo: Convo; link: JoinLink } {
    const { convo, group } = this.group(convoId)
    if (!group.link) throw declared('NoJoinLink')
    return { convo, link: group.link }
  }

  setJoinLinkEnabled(convoId: string, enabled: boolean) {
    const { convo, link } = this.link(convoId)
    if (enabled && link.enabled) throw declared('LinkAlreadyEnabled')
    link.enabled = enabled
    this.touch(convo)
    return { joinLink: this.joinLinkView(link) }
  }

  editJoinLink(convoId: string, changes: { requireApproval?: boolean; joinRule?: string }) {
    const { convo, link } = this.link(convoId)
    if (changes.requireApproval !== undefined) link.requireApproval = changes.requireApproval
    if (changes.joinRule !== undefined) link.joinRule = changes.joinRule
    this.touch(convo)
    return { joinLink: this.joinLinkView(link) }
  }

  private byCode(code: string): { convo: Convo; group: Group; link: JoinLink } | undefined {
    for (const convo of this.data.convos.values()) {
      if (convo.group?.link?.code === code) return { convo, group: convo.group, link: convo.group.link }
    }
    return undefined
  }

  getJoinLinkPreviews(codes: string[]) {
    const DEFS_GROUP = 'chat.bsky.group.defs'
    return {
      joinLinkPreviews: codes.map((code) => {
        const found = this.byCode(code)
        if (!found) return { $type: `${DEFS_GROUP}#invalidJoinLinkPreviewView`, code }
        if (!found.link.enabled) return { $type: `${DEFS_GROUP}#disabledJoinLinkPreviewView`, code }
        const { convo, group, link } = found
        const request = group.requests.find((r) => r.did === this.viewer)
        return {
          $type: `${DEFS_GROUP}#joinLinkPreviewView`,
          convoId: convo.id,
          code,
          name: group.name,
          owner: this.profile(group.owner),
          memberCount: convo.members.length,
          memberLimit: GROUP_MEMBER_LIMIT,
          requireApproval: link.requireApproval,
          joinRule: link.joinRule,
          ...(convo.memberships.has(this.viewer) ? { convo: this.convoView(convo) } : {}),
          viewer: request ? { requestedAt: request.requestedAt } : {},
        }
      }),
    }
  }

  requestJoin(code: string) {
    const found = this.byCode(code)
    if (!found) throw declared('InvalidCode')
    const { convo, group, link } = found
    if (!link.enabled) throw declared('LinkDisabled')
    if (convo.locked) throw declared('ConvoLocked')
    if (convo.members.length >= GROUP_MEMBER_LIMIT) throw declared('MemberLimitReached')
    if (!convo.memberships.has(this.viewer)) {
      if (link.requireApproval) {
        if (!group.requests.some((r) => r.did === this.viewer)) group.requests.push({ did: this.viewer, requestedAt: CREATED_AT })
        this.touch(convo, { $type: `${DEFS}#logOutgoingJoinRequest` })
        return { status: 'pending' }
      }
      this.join(convo, this.viewer, 'accepted')
      this.touch(convo, { $type: `${DEFS}#logBeginConvo` })
    }
    return { status: 'joined', convo: this.convoView(convo) }
  }

  listJoinRequests(convoId: string, limit?: number, cursor?: string) {
    const { convo, group } = this.group(convoId)
    const { items, ...rest } = page(group.requests, limit, cursor)
    return { requests: items.map((r) => ({ convoId: convo.id, requestedBy: this.profile(r.did), requestedAt: r.requestedAt })), ...rest }
  }

  /** Approves (adding the member) or rejects a pending request; a member with none is not an error, as with the service. */
  answerJoinRequest(convoId: string, member: string, approve: boolean) {
    const { convo, group } = this.group(convoId)
    const pending = group.requests.some((r) => r.did === member)
    group.requests = group.requests.filter((r) => r.did !== member)
    if (approve && pending && !convo.memberships.has(member)) {
      if (convo.members.length >= GROUP_MEMBER_LIMIT) throw declared('MemberLimitReached')
      this.join(convo, member, 'accepted')
    }
    this.touch(convo)
    return approve ? { convo: this.convoView(convo) } : {}
  }

  /** Seeds a pending request to join `convoId` from `member` (the viewer, to join someone else's group). */
  addJoinRequest(convoId: string, member: string) {
    const convo = this.data.convos.get(convoId)
    if (!convo?.group) throw new Error(`no group ${convoId}`)
    convo.group.requests.push({ did: member, requestedAt: CREATED_AT })
  }

  withdrawJoinRequest(convoId: string) {
    const group = this.data.convos.get(convoId)?.group
    if (!group?.requests.some((r) => r.did === this.viewer)) throw declared('InvalidJoinRequest')
    group.requests = group.requests.filter((r) => r.did !== this.viewer)
    return {}
  }

  updateJoinRequestsRead(convoId: string) {
    this.group(convoId)
    return {}
  }

  listMutualGroups(subject: string, limit?: number, cursor?: string) {
    const mutual = this.visible().filter((c) => c.group && c.members.includes(subject))
    const { items, ...rest } = page(mutual, limit, cursor)
    return { convos: items.map((c) => this.convoView(c)), ...rest }
  }

  getStatus() {
    return { chatDisabled: false, canCreateGroups: true, groupMemberLimit: GROUP_MEMBER_LIMIT }
  }

  /** chat.bsky.actor.exportAccountData: the viewer's messages as JSON lines. */
  exportAccountData(): string {
    return this.visible()
      .flatMap((convo) => this.visibleMessages(convo).filter((m) => m.sender === this.viewer).map((m) => JSON.stringify({ convoId: convo.id, ...this.messageView(m, convo, false) })))
      .map((line) => `${line}\n`)
      .join('')
  }

  /** chat.bsky.actor.deleteAccount: the viewer leaves every convo. */
  deleteAccount() {
    for (const convo of this.visible()) this.membership(convo).left = true
    return {}
  }

  putPreferences(input: Partial<Preferences>) {
    if (input.chat) this.preferences.chat = input.chat
    if (input.chatRequest) this.preferences.chatRequest = input.chatRequest
    return { preferences: this.preferences }
  }
}
