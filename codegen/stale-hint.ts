/**
 * Why `check` found the output stale, read from git, so its hint points at the right tool. If
 * the lexicons changed since the output was last committed, `lexgen diff --base <that commit>`
 * says what the change means for callers; if they did not, the drift is in the output itself
 * (edited by hand, or made by another lexgen version or with other options) and a lexicon diff
 * would show nothing. Outside a git repository, both are said.
 */
import { execFile } from 'node:child_process'
import { relative, sep } from 'node:path'
import { promisify } from 'node:util'
import { isWithin, nearestExisting, realPathOf } from './paths.js'
import { runner } from './runner.js'

const run = promisify(execFile)

/** `outputs` are the stale folders, named as the user sees them (`shown`). */
export async function staleHint(lexicons: string, outputs: readonly { dir: string; shown: string }[]): Promise<string> {
  const history = await lexiconHistory(lexicons, outputs.map((o) => o.dir)).catch(() => undefined)
  const named = outputs.map((o) => o.shown).join(' and ')
  // `yarn lexgen check` in a Plug'n'Play project cannot follow a hint to `npx lexgen diff` (runner.ts).
  const { lexgen } = runner()
  if (!history) {
    return `if the lexicons changed, \`${lexgen} diff --base <commit>\` shows what that means for callers (breaking, source, compatible); otherwise the output was edited, or made by another lexgen version or with other options`
  }
  const since = history.base ? `since ${named} ${outputs.length === 1 ? 'was' : 'were'} last committed (${history.base})` : 'since HEAD'
  if (history.changed) {
    return `the lexicons changed ${since}: \`${lexgen} diff${history.base ? ` --base ${history.base}` : ''}\` shows what that means for callers (breaking, source, compatible)`
  }
  // Lexicons and output committed together: the output may be from before that lexicon change.
  if (history.together) {
    return `the lexicons changed in the commit that last touched ${named} too (${history.base}), so ${outputs.length === 1 ? 'it was' : 'they were'} likely not regenerated after that change: \`${lexgen} diff --base ${history.base}~1\` shows what it means for callers (breaking, source, compatible)`
  }
  return `the lexicons have not changed ${since}: the output was edited, or made by another lexgen version or with other options`
}

/**
 * The last commit that touched the output folders (abbreviated; undefined when none did, and
 * HEAD is compared instead), whether the lexicon folder differs from it now, uncommitted and
 * untracked files included, and whether that commit changed the lexicon folder too. Rejects outside a repository or for a folder outside it.
 */
async function lexiconHistory(lexicons: string, outputs: readonly string[]): Promise<{ base: string | undefined; changed: boolean; together: boolean }> {
  const top = (await git(nearestExisting(lexicons), ['rev-parse', '--show-toplevel'])).trim()
  const path = async (dir: string) => {
    const real = await realPathOf(dir)
    if (!isWithin(real, top)) throw new Error(`${dir} is outside the repository`)
    return relative(top, real).split(sep).join('/') || '.'
  }
  const [folder, ...outputPaths] = await Promise.all([lexicons, ...outputs].map(path))
  const base = (await git(top, ['log', '-1', '--format=%h', 'HEAD', '--', ...outputPaths])).trim() || undefined
  const against = base ?? 'HEAD'
  const differs = await git(top, ['diff', '--quiet', against, '--', folder!]).then(
    () => false,
    (error: { code?: unknown }) => (error.code === 1 ? true : Promise.reject(error)),
  )
  const untracked = (await git(top, ['ls-files', '--others', '--exclude-standard', '--', folder!])).trim() !== ''
  // Whether that commit changed the lexicons too (not said of a root commit: it has no `~1` to diff against).
  const together = base !== undefined && (await git(top, ['log', '-1', '--format=%h', base, '--', folder!])).trim() === base && (await hasParent(top, base))
  return { base, changed: differs || untracked, together }
}

async function hasParent(top: string, commit: string): Promise<boolean> {
  return git(top, ['rev-parse', '--verify', '--quiet', `${commit}~1`]).then(
    () => true,
    () => false,
  )
}

async function git(cwd: string, args: string[]): Promise<string> {
  return (await run('git', ['--literal-pathspecs', ...args], { cwd, encoding: 'utf8' })).stdout
}
