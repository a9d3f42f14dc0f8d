/**
 * Why `check` found the output stale, read from git, so its hint points at the right tool. If
 * the lexicons changed since the output was last committed, `lexgen diff --base <that commit>`
 * says what the change means for callers; if they did not, the drift is in the output itself
 * (edited by hand, or made by another lexgen version or with other options, the config file's
 * among them) and a lexicon diff would show nothing. Outside a git repository, both are said.
 */
import { relative, sep } from 'node:path'
import { shellWord } from './command-line.js'
import { runGit } from './git.js'
import { isWithin, nearestExisting, realPathOf } from './paths.js'
import { runner } from './runner.js'

/**
 * `outputs` are the stale folders, named as the user sees them (`shown`); `config` is the config
 * file, with `flag` when check was given it (`--config <file>`): the diff it names needs it too.
 */
export async function staleHint(lexicons: string, outputs: readonly { dir: string; shown: string }[], config?: { file: string; shown: string; flag?: string }): Promise<string> {
  const history = await lexiconHistory(lexicons, outputs.map((o) => o.dir), config?.file).catch(() => undefined)
  const named = outputs.map((o) => o.shown).join(' and ')
  // `yarn lexgen check` in a Plug'n'Play project cannot follow a hint to `npx lexgen diff` (runner.ts).
  const diff = `${runner().lexgen} diff${config?.flag === undefined ? '' : ` --config ${shellWord(config.flag)}`}`
  if (!history) {
    return `if the lexicons changed, \`${diff} --base <commit>\` shows what that means for callers (breaking, source, compatible); otherwise the output was edited, or made by another lexgen version or with other options`
  }
  const since = history.base ? `since ${named} ${outputs.length === 1 ? 'was' : 'were'} last committed (${history.base})` : 'since HEAD'
  if (history.changed) {
    return `the lexicons changed ${since}: \`${diff}${history.base ? ` --base ${history.base}` : ''}\` shows what that means for callers (breaking, source, compatible)`
  }
  const unchanged = `the lexicons have not changed ${since}`
  // The output edited since its commit: that is the drift, whatever the commit held.
  if (history.outputChanged) return `${unchanged}, but the output has: it was edited, or made by another lexgen version or with other options`
  if (history.configChanged) return `${unchanged}, but ${config!.shown} has: the output is from the configuration before that change`
  // Lexicons and output committed together, both as they were then: the output may be from before that lexicon change.
  if (history.together) {
    return `the lexicons changed in the commit that last touched ${named} too (${history.base}), so ${outputs.length === 1 ? 'it was' : 'they were'} likely not regenerated after that change: \`${diff} --base ${history.base}~1\` shows what it means for callers (breaking, source, compatible)`
  }
  return `${unchanged}: the output was edited, or made by another lexgen version or with other options`
}

interface History {
  /** The last commit that touched the output folders (abbreviated); undefined when none did, and HEAD is compared instead. */
  readonly base: string | undefined
  /** The lexicon folder differs from `base` now, uncommitted and untracked files included. */
  readonly changed: boolean
  /** The output folders differ from `base` now (edited since they were committed). */
  readonly outputChanged: boolean
  /** The config file differs from `base` now. */
  readonly configChanged: boolean
  /** `base` changed the lexicon folder too. */
  readonly together: boolean
}

/** What git says of the lexicons, the output and the config. Rejects outside a repository or for a folder outside it. */
async function lexiconHistory(lexicons: string, outputs: readonly string[], config: string | undefined): Promise<History> {
  const top = (await git(nearestExisting(lexicons), ['rev-parse', '--show-toplevel'])).trim()
  const path = async (dir: string) => {
    const real = await realPathOf(dir)
    if (!isWithin(real, top)) throw new Error(`${dir} is outside the repository`)
    return relative(top, real).split(sep).join('/') || '.'
  }
  const [folder, ...outputPaths] = await Promise.all([lexicons, ...outputs].map(path))
  // A config file outside the repository has no history here: it is left out.
  const configPath = config === undefined ? undefined : await path(config).catch(() => undefined)
  const base = (await git(top, ['log', '-1', '--format=%h', 'HEAD', '--', ...outputPaths])).trim() || undefined
  const changedSince = (commit: string, paths: readonly string[]) => differs(top, commit, paths)
  // Whether that commit changed the lexicons too (not said of a root commit: it has no `~1` to diff against).
  const together = base !== undefined && (await git(top, ['log', '-1', '--format=%h', base, '--', folder!])).trim() === base && (await hasParent(top, base))
  return {
    base,
    changed: await changedSince(base ?? 'HEAD', [folder!]),
    outputChanged: base !== undefined && (await changedSince(base, outputPaths)),
    configChanged: base !== undefined && configPath !== undefined && (await changedSince(base, [configPath])),
    together,
  }
}

/** Whether `paths` differ now from `commit`, uncommitted and untracked files included. */
async function differs(top: string, commit: string, paths: readonly string[]): Promise<boolean> {
  const tracked = await git(top, ['diff', '--quiet', commit, '--', ...paths]).then(
    () => false,
    (error: { code?: unknown }) => (error.code === 1 ? true : Promise.reject(error)),
  )
  return tracked || (await git(top, ['ls-files', '--others', '--exclude-standard', '--', ...paths])).trim() !== ''
}

async function hasParent(top: string, commit: string): Promise<boolean> {
  return git(top, ['rev-parse', '--verify', '--quiet', `${commit}~1`]).then(
    () => true,
    () => false,
  )
}

/** Paths given here are file names, never patterns. */
function git(cwd: string, args: string[]): Promise<string> {
  return runGit(cwd, ['--literal-pathspecs', ...args])
}
