/**
 * `lexgen diff` on the real upstream history: the three snapshots in ../shared/lexicon-history
 * and the project's lexicons/ (see that folder's README for the commits).
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { compareLexicons, formatChangeReport, readLexiconDir, type Change, type ChangeReport, type LexiconSet } from '../../../codegen/changes/index.js'
import { resolveOptions } from '../../../codegen/config.js'
import { LEXICONS, ROOT } from '../helpers.js'
import { lexiconHistory } from './support.js'

const sets: Record<string, LexiconSet> = {}
let configured: { include: readonly string[]; exclude: readonly string[] }

beforeAll(async () => {
  const history = lexiconHistory()
  for (const name of ['2025-04-18', '2026-03-05', '2026-04-22']) sets[name] = await readLexiconDir(join(history, name), name)
  sets.current = await readLexiconDir(LEXICONS, 'lexicons')
  configured = await resolveOptions({}, undefined, ROOT)
})

const diff = (from: string, to: string, include?: string[]) =>
  compareLexicons(sets[from]!, sets[to]!, include ? { include, exclude: [] } : configured)

/** The one change of `kind` at `nsid#def path`. */
function change(report: ChangeReport, at: string, kind: string): Change {
  const found = report.changes.filter((c) => `${c.nsid}#${c.def} ${c.path}`.trim() === at && c.kind === kind)
  expect(found, `${kind} at ${at}`).toHaveLength(1)
  return found[0]!
}

const notDocs = (report: ChangeReport) => report.changes.filter((c) => c.class !== 'docs')

describe('2025-04-18 → 2026-03-05 (permission sets)', () => {
  it('configured selection: one source removal, the rest compatible', async () => {
    const report = await diff('2025-04-18', '2026-03-05')
    expect(report.summary).toMatchObject({ breaking: 0, source: 1 })
    // A record limit loosened, in a record doc the chat client holds only for the rules app.bsky.actor.defs
    // references: no chat method reads or writes a threadgate, so nothing old can reject one.
    expect(change(report, 'app.bsky.feed.threadgate#main hiddenReplies', 'constraint-loosened')).toMatchObject({
      class: 'compatible',
      sides: [],
      before: 50,
      after: 300,
    })
    // Reached from no chat method: wire-safe, but code using the property no longer compiles.
    expect(change(report, 'app.bsky.actor.defs#threadViewPref prioritizeFollowedUsers', 'field-removed-optional')).toMatchObject({ class: 'source', sides: [] })
    expect(report.changes.filter((c) => c.nsid === 'com.atproto.server.refreshSession' && c.kind === 'error-added').map((c) => [c.after, c.class, c.sides])).toEqual([
      ['ExpiredToken', 'compatible', ['response']],
      ['InvalidToken', 'compatible', ['response']],
    ])
    expect(change(report, 'com.atproto.server.refreshSession#main output.email', 'field-added-optional')).toMatchObject({ class: 'compatible', sides: ['response'] })
  })

  it('permission sets are not part of the client: never reported, even with --include *', async () => {
    const report = await diff('2025-04-18', '2026-03-05', ['*'])
    expect(report.changes.filter((c) => c.nsid.startsWith('chat.bsky.authFullChatClient') || c.nsid.endsWith('.authFullApp'))).toEqual([])
    // The whole corpus selects the threadgate record itself: old readers (their validators) reject threadgates hiding 51–300 replies.
    expect(change(report, 'app.bsky.feed.threadgate#main hiddenReplies', 'constraint-loosened')).toMatchObject({
      class: 'breaking',
      sides: ['record'],
      via: { record: ['app.bsky.feed.threadgate'] },
    })
    // The removed preference field, now reached through app.bsky preference methods too.
    expect(change(report, 'app.bsky.actor.defs#threadViewPref prioritizeFollowedUsers', 'field-removed-optional')).toMatchObject({
      class: 'source',
      sides: ['request', 'response'],
      via: { request: ['app.bsky.actor.putPreferences'], response: ['app.bsky.actor.getPreferences'] },
    })
  })
})

describe('2026-03-05 → 2026-04-22 (group chat)', () => {
  it('configured selection: every change is compatible (new methods, errors, union members, optional fields)', async () => {
    const report = await diff('2026-03-05', '2026-04-22')
    expect(report.worst).toBe('compatible')
    expect(report.summary).toMatchObject({ breaking: 0, source: 0 })
    expect(change(report, 'chat.bsky.convo.getConvoMembers#main', 'method-added').class).toBe('compatible')
    // A new doc with no `main` is reached wherever its defs are.
    expect(change(report, 'chat.bsky.group.defs#main', 'doc-added')).toMatchObject({ class: 'compatible', sides: ['request', 'response'] })
    const logs = report.changes.filter((c) => c.nsid === 'chat.bsky.convo.getLog' && c.kind === 'union-member-added-open')
    expect(logs).toHaveLength(17)
    expect(logs.every((c) => c.path === 'output.logs[]' && c.class === 'compatible')).toBe(true)
    expect(logs.map((c) => c.after)).toContain('chat.bsky.convo.defs#logAddMember')
    expect(change(report, 'chat.bsky.convo.defs#convoView lastMessage', 'union-member-added-open')).toMatchObject({ after: 'chat.bsky.convo.defs#systemMessageView', sides: ['response'] })
    // An inline knownValues string moved into a def of its own: same values, so compatible.
    expect(change(report, 'chat.bsky.convo.defs#convoView status', 'ref-target-changed')).toMatchObject({ class: 'compatible', message: 'inline string → ref chat.bsky.convo.defs#convoStatus' })
    // The ref brought the field a description of its own (the def it names has none).
    expect(change(report, 'chat.bsky.convo.defs#convoView status', 'description-changed')).toMatchObject({ class: 'docs', after: 'Convo status for the viewer member (not the convo itself).' })
    expect(report.changes.filter((c) => c.nsid === 'chat.bsky.convo.getConvoForMembers' && c.kind === 'error-added').map((c) => c.after)).toEqual([
      'AccountSuspended',
      'BlockedActor',
      'MessagesDisabled',
      'NotFollowedBySender',
      'RecipientNotFound',
    ])
  })

  it('chat.bsky.group.*: group chat appears as additions only', async () => {
    const report = await diff('2026-03-05', '2026-04-22', ['chat.bsky.group.*'])
    expect(report.before.docs).toBe(0)
    expect(report.worst).toBe('compatible')
    const methods = report.changes.filter((c) => c.kind === 'method-added').map((c) => c.nsid)
    expect(methods).toHaveLength(13)
    expect(methods).toEqual(expect.arrayContaining(['chat.bsky.group.createGroup', 'chat.bsky.group.requestJoin', 'chat.bsky.group.getGroupPublicInfo']))
    expect(new Set(report.changes.map((c) => c.kind))).toEqual(new Set(['method-added', 'doc-added']))
  })

  it('the whole corpus: a record blob limit raised is the one breaking change', async () => {
    const report = await diff('2026-03-05', '2026-04-22', ['*'])
    expect(notDocs(report).filter((c) => c.class === 'breaking').map((c) => `${c.nsid}#${c.def} ${c.path} ${c.kind}`)).toEqual([
      'app.bsky.embed.images#image image constraint-loosened',
    ])
    // Reached only from records (app.bsky.feed.post embeds): old readers' validators reject the bigger blobs.
    expect(change(report, 'app.bsky.embed.images#image image', 'constraint-loosened')).toMatchObject({ sides: ['record'], message: 'maxSize raised 1000000 → 2000000' })
  })
})

describe('2026-04-22 → lexicons/ (some 30 further chat updates)', () => {
  it('configured selection: a response limit removed, group request limits tightened and a method removed break; removed defs and errors are source changes', async () => {
    const report = await diff('2026-04-22', 'current')
    expect(notDocs(report).filter((c) => c.class !== 'compatible').map((c) => `${c.class} ${c.nsid}#${c.def} ${c.path} ${c.kind}`)).toEqual([
      'breaking app.bsky.embed.video#view alt constraint-loosened',
      'breaking app.bsky.embed.video#view alt constraint-loosened',
      'source chat.bsky.group.addMembers#main errors error-removed',
      'source chat.bsky.group.createGroup#main errors error-removed',
      'breaking chat.bsky.group.createGroup#main input.name constraint-tightened',
      'breaking chat.bsky.group.createGroup#main input.name constraint-tightened',
      'source chat.bsky.group.defs#groupPublicView  def-removed',
      'breaking chat.bsky.group.editGroup#main input.name constraint-tightened',
      'breaking chat.bsky.group.editGroup#main input.name constraint-tightened',
      'breaking chat.bsky.group.getGroupPublicInfo#main  method-removed',
    ])
    // Old clients validate responses: a video alt text over 1000 graphemes now fails them.
    const alt = report.changes.filter((c) => c.nsid === 'app.bsky.embed.video' && c.def === 'view')
    expect(alt.map((c) => c.message)).toEqual(['maxGraphemes 1000 removed', 'maxLength 10000 removed'])
    expect(alt[0]!.sides).toEqual(['response'])
    expect(alt[0]!.via.response).toEqual(expect.arrayContaining(['chat.bsky.convo.getMessages', 'chat.bsky.convo.sendMessage']))
    // A response limit tightened and required response fields added are safe for old readers.
    expect(report.changes.filter((c) => c.def === 'groupConvo' && c.path === 'name').map((c) => [c.kind, c.class, c.message])).toEqual([
      ['constraint-tightened', 'compatible', 'maxGraphemes lowered 128 → 50'],
      ['constraint-tightened', 'compatible', 'maxLength lowered 1280 → 500'],
    ])
    expect(change(report, 'chat.bsky.convo.defs#groupConvo createdAt', 'field-added-required').class).toBe('compatible')
    expect(change(report, 'chat.bsky.convo.sendMessage#main errors', 'error-added')).toMatchObject({ class: 'compatible', after: 'ReplyTargetNotFound' })
    expect(change(report, 'chat.bsky.convo.listConvos#main parameters.lockStatus', 'field-added-optional')).toMatchObject({ class: 'compatible', sides: ['request'] })
    expect(change(report, 'chat.bsky.convo.defs#messageInput embed', 'union-member-added-open')).toMatchObject({ class: 'compatible', sides: ['request'], after: 'chat.bsky.embed.joinLink' })
  })

  it('chat.bsky.group.*: tightened request limits and a removed method break old clients; a removed error breaks old code', async () => {
    const report = await diff('2026-04-22', 'current', ['chat.bsky.group.*'])
    expect(report.changes.filter((c) => c.nsid === 'chat.bsky.group.createGroup' && c.class !== 'docs').map((c) => [c.path, c.kind, c.class, c.message])).toEqual([
      ['errors', 'error-added', 'compatible', 'declared error BlockedSubject added: raised as its own class now, not InvalidRequestError or another status class'],
      ['errors', 'error-added', 'compatible', 'declared error NewAccountCannotCreateGroup added: raised as its own class now, not InvalidRequestError or another status class'],
      ['errors', 'error-added', 'compatible', 'declared error UserForbidsGroups added: raised as its own class now, not InvalidRequestError or another status class'],
      ['errors', 'error-removed', 'source', 'declared error GroupInvitesDisabled removed'],
      ['input.members', 'constraint-loosened', 'compatible', 'maxLength raised 49 → 10000'],
      ['input.name', 'constraint-tightened', 'breaking', 'maxGraphemes lowered 128 → 50'],
      ['input.name', 'constraint-tightened', 'breaking', 'maxLength lowered 1280 → 500'],
    ])
    expect(change(report, 'chat.bsky.group.getGroupPublicInfo#main', 'method-removed').class).toBe('breaking')
    // The def only getGroupPublicInfo returned goes with it.
    expect(change(report, 'chat.bsky.group.defs#groupPublicView', 'def-removed')).toMatchObject({ class: 'source', via: { response: ['chat.bsky.group.getGroupPublicInfo'] } })
  })

  it("is the README's example report, line for line where the README does not trim it", async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
    const start = readme.indexOf('````markdown\n## Lexicon changes:')
    const shown = readme.slice(start + '````markdown\n'.length, readme.indexOf('````', start + 4)).split('\n')
    // Labelled as the README's command labels the two folders.
    const report = formatChangeReport(await compareLexicons({ ...sets['2026-04-22']!, label: '../shared/lexicon-history/2026-04-22' }, sets.current!, { include: ['chat.bsky.group.*'], exclude: [] }, { compilerCheck: true }), 'markdown')
    const lines = new Set(report.split('\n'))
    expect(shown.filter((line) => line !== '' && line !== '…' && !lines.has(line))).toEqual([])
  })

  it('the whole corpus: a DID param made a string of 2048 at most, the longest a DID may be, refuses nothing', async () => {
    const report = await diff('2026-04-22', 'current', ['*'])
    expect(change(report, 'com.atproto.server.getServiceAuth#main parameters.aud', 'constraint-within-format')).toMatchObject({
      class: 'compatible',
      message: 'maxLength 2048 added: format did already limits it to 2048',
    })
    expect(change(report, 'com.atproto.server.getServiceAuth#main parameters.aud', 'format-removed')).toMatchObject({ class: 'compatible' })
    // The video embed is also a record field (app.bsky.feed.post): limits removed there break old readers.
    expect(change(report, 'app.bsky.embed.video#main video', 'constraint-loosened')).toMatchObject({ class: 'breaking', sides: ['record'] })
  })

  it('the current lexicons against themselves: nothing', async () => {
    const report = await diff('current', 'current', ['*'])
    expect(report.changes).toEqual([])
    expect(report.worst).toBe('none')
  })
})
