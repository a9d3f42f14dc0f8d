/**
 * Handlers for the rest of Bluesky Chat beyond `chat.bsky.convo.*` — group chats, the chat
 * actor, notification preferences — served from the same ConvoStore by the peer server in
 * xrpc-server.ts, which validates every request and response against the lexicons.
 */
import type { Params } from '@atproto/xrpc-server'
import type { ConvoStore } from './convo-store.js'

type Body = Record<string, unknown>

/** A response body in another encoding than JSON. */
export class EncodedBody {
  constructor(
    readonly encoding: string,
    readonly body: string,
  ) {}
}

export type ChatHandler = (store: ConvoStore, params: Params, input: Body) => unknown

const str = (value: unknown) => value as string
const dids = (value: unknown) => value as string[]
const num = (value: unknown) => value as number | undefined

export const chatHandlers: Readonly<Record<string, ChatHandler>> = {
  'chat.bsky.actor.deleteAccount': (s) => s.deleteAccount(),
  'chat.bsky.actor.exportAccountData': (s) => new EncodedBody('application/jsonl', s.exportAccountData()),
  'chat.bsky.actor.getStatus': (s) => s.getStatus(),

  'chat.bsky.group.addMembers': (s, _p, i) => s.addMembers(str(i.convoId), dids(i.members)),
  'chat.bsky.group.approveJoinRequest': (s, _p, i) => s.answerJoinRequest(str(i.convoId), str(i.member), true),
  'chat.bsky.group.createGroup': (s, _p, i) => s.createGroup(dids(i.members), str(i.name)),
  'chat.bsky.group.createJoinLink': (s, _p, i) =>
    s.createJoinLink(str(i.convoId), { requireApproval: i.requireApproval as boolean | undefined, joinRule: str(i.joinRule) }),
  'chat.bsky.group.disableJoinLink': (s, _p, i) => s.setJoinLinkEnabled(str(i.convoId), false),
  'chat.bsky.group.editGroup': (s, _p, i) => s.editGroup(str(i.convoId), str(i.name)),
  'chat.bsky.group.editJoinLink': (s, _p, i) =>
    s.editJoinLink(str(i.convoId), { requireApproval: i.requireApproval as boolean | undefined, joinRule: i.joinRule as string | undefined }),
  'chat.bsky.group.enableJoinLink': (s, _p, i) => s.setJoinLinkEnabled(str(i.convoId), true),
  'chat.bsky.group.getJoinLinkPreviews': (s, p) => s.getJoinLinkPreviews(p.codes as string[]),
  'chat.bsky.group.listJoinRequests': (s, p) => s.listJoinRequests(str(p.convoId), num(p.limit), p.cursor as string | undefined),
  'chat.bsky.group.listMutualGroups': (s, p) => s.listMutualGroups(str(p.subject), num(p.limit), p.cursor as string | undefined),
  'chat.bsky.group.rejectJoinRequest': (s, _p, i) => s.answerJoinRequest(str(i.convoId), str(i.member), false),
  'chat.bsky.group.removeMembers': (s, _p, i) => s.removeMembers(str(i.convoId), dids(i.members)),
  'chat.bsky.group.requestJoin': (s, _p, i) => s.requestJoin(str(i.code)),
  'chat.bsky.group.updateJoinRequestsRead': (s, _p, i) => s.updateJoinRequestsRead(str(i.convoId)),
  'chat.bsky.group.withdrawJoinRequest': (s, _p, i) => s.withdrawJoinRequest(str(i.convoId)),

  'chat.bsky.notification.getPreferences': (s) => ({ preferences: s.preferences }),
  'chat.bsky.notification.putPreferences': (s, _p, i) => s.putPreferences(i),
}
