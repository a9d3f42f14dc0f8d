/**
 * `lexgen pull`: config + lockfile → resolve (git sources, network: DNS → DID → PDS, verified)
 * → change report → write the lexicon folder and the lockfile, atomically. Every failure is a
 * LexgenError thrown before anything is written.
 */
import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import type { LexiconDoc } from '@atproto/lexicon'
import { warner } from '../color.js'
import { escapeControls } from '../controls.js'
import { shellWord } from '../command-line.js'
import { runner } from '../runner.js'
import { FlagError, LexgenError } from '../errors.js'
import { sameText } from '../line-endings.js'
import { loadLexiconFiles } from '../load.js'
import { lockFolders } from '../lock.js'
import { recoverOutputDir } from '../write.js'
import { counted } from '../plural.js'
import { namesNsid, resolvePullConfig, type GitSourceConfig, type PullConfig } from './config.js'
import { readFolder, nextFolder, writeFolder, type Folder } from './folder.js'
import { frozenProblems } from './frozen.js'
import { localChanges } from './local-changes.js'
import { defaultCacheDir, GitRepository } from './git.js'
import { emptyLockfile, formatLockfile, lockDrift, lockedCids, readLockfile, sourceChanges, type Lockfile } from './lockfile.js'
import { Network, type NetworkOptions } from './network.js'
import { createProgress } from './progress.js'
import { SideError } from '../changes/index.js'
import { compareLexicons, failsOn, firstPullSummary, formatChangeReport, isEmpty, type FailOn } from './report.js'
import { resolveLexicons, type Resolution } from './resolve.js'

export interface PullRequest {
  /** NSIDs or `<authority>.*` patterns from the command line, resolved over the network. */
  readonly patterns: readonly string[]
  readonly update?: boolean
  readonly frozen?: boolean
  /** Fetch every pinned doc from its source again and check the lockfile against them; write nothing. */
  readonly verify?: boolean
  /** `patterns` name network roots to drop from the lockfile (with the docs only they brought), not to add. */
  readonly remove?: boolean
  readonly dryRun?: boolean
  /** Overwrite docs edited since they were pulled, and docs the lockfile does not pin (see local-changes.ts). */
  readonly force?: boolean
  readonly failOn?: FailOn
  readonly lexicons?: string
  readonly lockfile?: string
  readonly config?: string
}

/** The pull `request` asked for, written as a command, without `--fail-on` and `--dry-run`. */
function ungatedCommand(request: PullRequest): string {
  const flags = [
    ...(request.update ? ['--update'] : []),
    ...(request.remove ? ['--remove'] : []),
    ...(request.force ? ['--force'] : []),
    ...(['lexicons', 'lockfile', 'config'] as const).flatMap((name) => (request[name] === undefined ? [] : [`--${name}`, request[name]!])),
    ...request.patterns,
  ]
  return [`${runner().lexgen} pull`, ...flags.map(shellWord)].join(' ')
}

export interface PullIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly cwd: string
  /** stderr is a terminal: progress redraws one line instead of printing one per step. */
  readonly tty?: boolean
  /** DNS resolver, PLC directory, timeouts (tests serve their own). */
  readonly network?: NetworkOptions
  /** Where git sources are cached (default: see `defaultCacheDir`). */
  readonly cacheDir?: string
  /** Colour stderr's warnings (default: none). */
  readonly color?: { readonly err: boolean }
}

/** Resolves to the exit code: 0, or 1 when `--frozen` finds a mismatch. Failures throw LexgenError. */
export async function pull(request: PullRequest, io: PullIo): Promise<number> {
  const started = performance.now()
  // These check the folder and its lockfile as committed: an NSID given them would be taken as configured.
  for (const check of ['frozen', 'verify'] as const) {
    if (request[check] && request.patterns.length) throw new FlagError(`--${check} takes no NSIDs: it checks the lexicon folder against its lockfile as they are (pull them first, then commit both)`)
  }
  if (request.remove && request.patterns.length === 0) throw new FlagError('--remove needs the NSIDs (or <authority>.* patterns) to remove')
  const config = await resolvePullConfig(request.remove ? [] : request.patterns, { lexicons: request.lexicons, lockfile: request.lockfile }, request.config, io.cwd)
  // One pull at a time, from reading the folder and the lockfile to writing both (lock.ts): two at
  // once would leave one's folder with the other's lockfile, or a swap neither can complete.
  const unlock = await lockFolders([config.lexicons], io.cwd, warner(io.err, io.color?.err))
  try {
    return await pullLocked(request, io, config, started)
  } finally {
    unlock()
  }
}

async function pullLocked(request: PullRequest, io: PullIo, config: PullConfig, started: number): Promise<number> {
  const warnOne = warner(io.err, io.color?.err)
  const warn = (notes: readonly string[]) => notes.forEach(warnOne)
  // A pull killed amid its swap: completed (folder and lockfile new) or undone, before either is read.
  warn(await recoverOutputDir(config.lexicons))
  let lock = await readLockfile(config.lockfile)
  const [dirName, lockName] = [display(config.lexicons, io), display(config.lockfile, io)]

  if (request.frozen) return checkFrozen(config, lock, io, dirName, lockName)
  if (request.remove) {
    if (!lock) throw new LexgenError(`no lockfile at ${lockName}: nothing to remove`)
    lock = withoutRoots(lock, request.patterns, config, lockName)
  }
  if (!config.git.length && !config.network.length && !lock?.roots.length && !request.remove) {
    throw new LexgenError(`nothing to pull: name NSIDs (\`${runner().lexgen} pull com.example.feed.*\`) or configure "pull" sources in lexgen.config.json`)
  }
  const resolve = async (folder: Folder, pinned: Lockfile): Promise<Resolution> => {
    const progress = createProgress(io.err, io.tty ?? false)
    const cacheDir = io.cacheDir ?? defaultCacheDir()
    try {
      const network = new Network(io.network)
      const openGit = (source: GitSourceConfig) => new GitRepository(source, cacheDir, warnOne, io.cwd, request.verify === true)
      return await resolveLexicons({ config, lock: pinned, update: request.update ?? false, folder, network, openGit, progress })
    } finally {
      progress.end()
    }
  }

  if (request.verify) return verifyLock(config.lexicons, lock, resolve, io, dirName, lockName)

  const folder = await readFolder(config.lexicons)
  const resolution = await resolve(folder, lock ?? emptyLockfile)
  warn(resolution.skipped)
  // Roots only the lockfile remembers: a config edit alone does not drop them, so say how.
  const remembered = resolution.lock.roots.filter((nsid) => !config.network.some((wanted) => namesNsid(wanted, nsid)))
  if (remembered.length) {
    warnOne(`${lockName} also asks for ${remembered.join(', ')}, named on an earlier command line, not in lexgen.config.json: add ${remembered.length > 1 ? 'them' : 'it'} to pull.network to keep ${remembered.length > 1 ? 'them' : 'it'} there, or drop ${remembered.length > 1 ? 'them' : 'it'} with \`${runner().lexgen} pull --remove ${remembered.join(' ')}\``)
  }

  // What the folder becomes: pulled docs in, docs the lockfile had and this pull does not, out.
  const pinned = lockedCids(lock ?? emptyLockfile)
  const dropped = [...pinned.keys()].filter((nsid) => !resolution.docs.has(nsid))
  const pulled = new Map([...resolution.docs].map(([nsid, doc]) => [nsid, doc.text]))
  const next = nextFolder(folder, pulled, dropped)
  const before = docsOf(folder)
  const after = new Map(before)
  for (const nsid of dropped) after.delete(nsid)
  for (const [nsid, doc] of resolution.docs) after.set(nsid, doc.json as unknown as LexiconDoc)
  const report = await compareLexicons(before, after, config.selection).catch((error: unknown) => {
    // Docs the pull does not pin stay as they are, and may no longer fit the pulled ones: say which.
    const kept = [...folder.docs.values()].filter((doc) => !resolution.docs.has(doc.json.id) && !dropped.includes(doc.json.id)).map((doc) => doc.path)
    if (!(error instanceof SideError && error.side === 'new') || kept.length === 0) throw error
    throw new LexgenError(
      `${error.message}\n${dirName} keeps, as they are, the docs ${lockName} does not pin: ${kept.join(', ')}. ` +
        `Fix the one named above, or delete it if an earlier pull wrote it (its pin is gone: a lockfile changed without the folder), then pull again; ${dirName} and ${lockName} are unchanged`,
    )
  })
  const first = !lock && folder.docs.size === 0
  if (first && !isEmpty(report)) io.out(`lexgen: ${firstPullSummary(report, resolution.docs.size)}`)
  else if (!isEmpty(report) || request.update) io.out(`lexgen: ${formatChangeReport(report)}`)
  const moved = sourceChanges(lock ?? emptyLockfile, resolution.lock)
  if (moved.length) io.out(`lexgen: where the lexicons come from changed:\n${moved.map((line) => `  ${escapeControls(line)}\n`).join('')}`)
  if (request.failOn && failsOn(report, request.failOn)) {
    const what = request.failOn === 'any' ? 'the update changes lexicons' : `the changes include ${request.failOn} ones`
    const refusal = request.dryRun ? 'dry run: a pull would refuse to write' : 'refusing to write'
    // Taken on purpose, once reviewed: the same pull without the gate (and not a dry run).
    throw new LexgenError(`${refusal}: ${what} (--fail-on ${request.failOn}); ${dirName} and ${lockName} are unchanged (to take it once reviewed: \`${ungatedCommand(request)}\`)`)
  }
  const overwritten = await localChanges(folder, pulled, dropped, pinned, lockName)
  if (overwritten.length && !request.force) {
    throw new LexgenError(
      `refusing to write: the pull would overwrite or remove ${counted(overwritten.length, 'doc')} it did not put there:\n${overwritten.map((line) => `  ${line}\n`).join('')}` +
        `Keep your version outside ${dirName} (or undo the edit), or add --force to replace ${overwritten.length > 1 ? 'them' : 'it'}; ${dirName} and ${lockName} are unchanged`,
    )
  }

  const lockOnDisk = await readFile(config.lockfile, 'utf8').catch(() => undefined)
  const newLock = formatLockfile(resolution.lock)
  const lockChanged = lockOnDisk === undefined || !sameText(lockOnDisk, newLock)
  const lockText = lockChanged ? newLock : lockOnDisk
  const docs = [...resolution.docs.values()]
  // Only the ways docs came this time: "84 read from git, 0 already in lexicons" beside "0 files
  // changed" read as if the folder had lost them.
  const counts = [
    [docs.filter((d) => d.origin.kind === 'network' && !d.reused).length, 'fetched from the network'],
    [docs.filter((d) => d.origin.kind === 'git' && !d.reused).length, 'read from git'],
    [docs.filter((d) => d.reused).length, `already in ${dirName}`],
  ] as const
  const came = counts.filter(([n]) => n > 0).map(([n, how]) => `${n} ${how}`)
  const what = `${counted(docs.length, 'doc')}${came.length ? ` (${came.join(', ')})` : ''}`
  if (request.dryRun) {
    io.out(`lexgen: dry run: ${what}; would change ${counted(next.changed, 'file')} in ${dirName}${lockChanged ? ` and ${lockName}` : ''}; nothing written\n`)
    return 0
  }
  if (next.changed || lockChanged) warn(await writeFolder(config.lexicons, next, config.lockfile, lockText))
  const ms = Math.round(performance.now() - started)
  io.out(`lexgen: pulled ${what} into ${dirName}: ${counted(next.changed, 'file')} changed, ${lockName} ${lockChanged ? 'updated' : 'unchanged'} in ${ms} ms\n`)
  return 0
}

/** `pull --frozen`: whether the folder is exactly what the lockfile pins (what CI builds from); 1 with each problem and its fix when not. */
async function checkFrozen(config: PullConfig, lock: Lockfile | undefined, io: PullIo, dirName: string, lockName: string): Promise<number> {
  if (!lock) throw new LexgenError(`no lockfile at ${lockName}; run \`${runner().lexgen} pull\` and commit ${lockName} with ${dirName}`)
  // The folder as generate reads it (links followed): what CI builds from.
  const { stale, newRef, edited, unpinned } = await frozenProblems(config, lock, await loadLexiconFiles(config.lexicons))
  const count = stale.length + newRef.length + edited.length + unpinned.length
  if (count) {
    io.err(`lexgen: ${dirName} does not match ${lockName} (${count} problem${count > 1 ? 's' : ''}):\n`)
    // File names and ids come from the folder: control characters in them are shown as escapes.
    io.err([...stale, ...newRef, ...edited, ...unpinned].map((line) => `  ${escapeControls(line)}\n`).join(''))
    // Each kind of problem with the command that fixes it.
    if (stale.length) io.err(`lexgen: run \`${runner().lexgen} pull\` and commit the result\n`)
    if (newRef.length) io.err(`lexgen: a new ref is an update: run \`${runner().lexgen} pull --update\`, review its report, and commit the result\n`)
    if (edited.length) io.err(`lexgen: pinned docs were edited: \`${runner().lexgen} pull --force\` puts back what ${lockName} pins (the edits are lost)\n`)
    if (unpinned.length) io.err(`lexgen: pull keeps what ${lockName} does not pin as it is, and generate reads it: delete those files, or pull them so that ${lockName} pins them\n`)
    return 1
  }
  io.out(`lexgen: ${dirName} matches ${lockName} (${counted(lockedCids(lock).size, 'doc')})\n`)
  return 0
}

/** `pull --verify`: every pinned doc fetched again from its source, its CID checked against the pin; 1 with each difference when the lockfile is not what a pull writes. */
async function verifyLock(
  lexicons: string,
  lock: Lockfile | undefined,
  resolve: (folder: Folder, pinned: Lockfile) => Promise<Resolution>,
  io: PullIo,
  dirName: string,
  lockName: string,
): Promise<number> {
  if (!lock) throw new LexgenError(`no lockfile at ${lockName} to verify; run \`${runner().lexgen} pull\` and commit ${lockName} with ${dirName}`)
  // Nothing taken from the folder: every pinned doc comes from its source, its CID checked against the pin.
  const again = await resolve({ dir: lexicons, entries: new Map(), docs: new Map() }, lock)
  const drift = lockDrift(lock, again.lock)
  if (drift.length) {
    io.err(`lexgen: ${lockName} is not what a pull from its sources writes (${counted(drift.length, 'difference')}):\n${drift.map((line) => `  ${escapeControls(line)}\n`).join('')}`)
    io.err(`lexgen: run \`${runner().lexgen} pull\` to pin what the sources hold at the pinned commits and records, and commit ${lockName} with ${dirName}\n`)
    return 1
  }
  const sources = [...new Set([...again.docs.values()].map(({ origin }) => (origin.kind === 'git' ? `git ${again.lock.git[origin.source]!.commit.slice(0, 12)}` : origin.uri.split('/')[2])))]
  io.out(`lexgen: ${lockName} matches its sources: ${counted(again.docs.size, 'doc')} fetched again and verified (${sources.join(', ')})\n`)
  return 0
}

/**
 * `lock` without the network roots `patterns` name (NSIDs or `<authority>.*`): the NSIDs asked for
 * on an earlier command line (`lexgen pull com.example.feed.post`), which the lockfile remembers
 * as package.json does a dependency. One the config names would come back at once: refused.
 */
function withoutRoots(lock: Lockfile, patterns: readonly string[], config: PullConfig, lockName: string): Lockfile {
  const removed = new Set<string>()
  for (const pattern of patterns) {
    const named = lock.roots.filter((nsid) => namesNsid(pattern, nsid))
    if (named.length === 0) {
      const asked = lock.roots.length ? lock.roots.join(', ') : 'none'
      throw new LexgenError(`--remove ${pattern}: ${lockName} does not ask for it (it asks for: ${asked}); docs from git sources go by their include patterns`)
    }
    for (const nsid of named) {
      const configured = config.network.find((wanted) => namesNsid(wanted, nsid))
      if (configured) throw new LexgenError(`--remove ${pattern}: lexgen.config.json names ${nsid} in pull.network ('${configured}'): remove it there, then run this again`)
      removed.add(nsid)
    }
  }
  return { ...lock, roots: lock.roots.filter((nsid) => !removed.has(nsid)) }
}

function docsOf(folder: Folder): Map<string, LexiconDoc> {
  return new Map([...folder.docs].map(([nsid, doc]) => [nsid, doc.json as unknown as LexiconDoc]))
}

function display(path: string, io: PullIo): string {
  return relative(io.cwd, path) || '.'
}
