/**
 * The world the doc examples assume, seeded into the peer's store: the signed-in account owns a
 * group (the examples' `convoId`) with the other account (`did`) in it, a message from them
 * (`messageId`) and a join link (`code`); there are enough convos, messages, members, requests and
 * mutual groups that every paginated example reads more than one page. A few methods need the world
 * slightly changed to be meaningful (approving needs a pending request); `SCENES` does that.
 */
import { EXAMPLE_WORLD, plainExample } from '../../codegen/emit/examples/values.js'
import type { ConvoStore } from '../helpers/convo-store.js'

export const CONVO = plainExample('convoId')
export const MESSAGE = plainExample('messageId')
export const CODE = plainExample('code')
export const BOB = EXAMPLE_WORLD.did
export const CAROL = 'did:plc:carolcarolcarolcarolcaro'

/** More than one page (the examples ask for 50) of everything a paginated example lists. */
const MANY = 60
const peer = (i: number) => `did:plc:peer${String(i).padStart(4, '0')}`
const requester = (i: number) => `did:plc:requester${String(i).padStart(4, '0')}`

type StoredConvo = NonNullable<ReturnType<ConvoStore['convos']['get']>>
type StoredGroup = NonNullable<StoredConvo['group']>

export function seedWorld(store: ConvoStore): void {
  // Direct convos, most of them incoming requests (listConvos, listConvoRequests).
  for (let i = 1; i <= MANY; i++) store.getConvoForMembers([peer(i)], i % 10 === 0 ? 'accepted' : 'request')
  // Groups shared with the other account (listMutualGroups).
  for (let i = 1; i < MANY; i++) store.createGroup([BOB], `Group ${i}`)
  // The group the examples are about: the other account and enough members for two pages.
  store.createGroup([BOB, ...Array.from({ length: MANY - 2 }, (_, i) => peer(i + 1))], 'Weekend plans', { id: CONVO })
  store.sendMessage(CONVO, { text: 'Hello from the other side' }, BOB, MESSAGE)
  for (let i = 1; i < MANY; i++) store.sendMessage(CONVO, { text: `Message ${i}` }, i % 2 ? BOB : store.viewer)
  store.createJoinLink(CONVO, { joinRule: 'anyone' }, CODE)
  for (let i = 1; i <= MANY; i++) store.addJoinRequest(CONVO, requester(i))
}

const convo = (store: ConvoStore): StoredConvo => store.convos.get(CONVO)!
const group = (store: ConvoStore): StoredGroup => convo(store).group!

/** The group the examples name, owned by someone else. */
function ownedByCarol(store: ConvoStore, viewerIsMember: boolean): void {
  const c = convo(store)
  group(store).owner = CAROL
  c.members = [CAROL, ...c.members.filter((did) => did !== store.viewer && did !== CAROL), ...(viewerIsMember ? [store.viewer] : [])]
}

/** Changes to the world, by NSID, for examples that need a particular state to succeed. */
export const SCENES: Readonly<Record<string, (store: ConvoStore) => void>> = {
  // The other account is not in the group yet.
  'chat.bsky.group.addMembers': (store) => void (convo(store).members = convo(store).members.filter((did) => did !== BOB)),
  // The other account asked to join.
  'chat.bsky.group.approveJoinRequest': (store) => {
    convo(store).members = convo(store).members.filter((did) => did !== BOB)
    store.addJoinRequest(CONVO, BOB)
  },
  'chat.bsky.group.rejectJoinRequest': (store) => {
    convo(store).members = convo(store).members.filter((did) => did !== BOB)
    store.addJoinRequest(CONVO, BOB)
  },
  // No link yet.
  'chat.bsky.group.createJoinLink': (store) => void delete group(store).link,
  'chat.bsky.group.enableJoinLink': (store) => void (group(store).link!.enabled = false),
  // The link is to someone else's group the viewer is not in.
  'chat.bsky.group.requestJoin': (store) => ownedByCarol(store, false),
  'chat.bsky.group.withdrawJoinRequest': (store) => {
    ownedByCarol(store, false)
    store.addJoinRequest(CONVO, store.viewer)
  },
  // An owner cannot leave their group.
  'chat.bsky.convo.leaveConvo': (store) => ownedByCarol(store, true),
  'chat.bsky.convo.unlockConvo': (store) => void (convo(store).locked = true),
}
