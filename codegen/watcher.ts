/**
 * File watching for `generate --watch`, on `node:fs` alone: one non-recursive `fs.watch` per
 * folder generate reads (symbolic links followed, as load.ts walks them), plus one on the parent
 * of each watched root and file and of each link's target (a linked file is edited where it lives);
 * while that parent is missing, on the nearest folder that exists, which sees the path being made.
 *
 * Why not `fs.watch(dir, { recursive: true })`: on Linux, Node 20 implements it by watching
 * every file's inode, and after an editor's rename-on-save (write a temp file, rename it over the
 * original) it keeps watching the replaced inode, so the next save of that file goes unseen. A
 * directory watch reports its children by name, whatever inode they have, and the parent watch
 * sees a whole folder being swapped in (as `lexgen pull` and `git checkout` do). A watcher
 * library would do the same underneath; the caller re-reads everything on any event, so an
 * event needs no interpreting, only noticing, except that one about a file generate does not
 * read (an editor's swap or backup file) is no change.
 *
 * `sync()` re-arms the watches (new subfolders, a replaced folder); the loop calls it after
 * every run, off the path from a save to the output, and runs again when it found new folders.
 */
import { lstatSync, realpathSync, watch, type FSWatcher } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { lexiconTree } from './load.js'
import { isWithin } from './paths.js'

export class TreeWatcher {
  private readonly watchers = new Map<string, { watcher: FSWatcher; ino: number; scope: string; gone: () => boolean }>()
  /**
   * Per watched folder, the names that count whatever they are, as of the last sync: its folders
   * and symbolic links, and what is watched from there (a root, the config, a link's target).
   */
  private named = new Map<string, Set<string>>()
  private timer: NodeJS.Timeout | undefined
  private closed = false

  /** Folders that could not be watched, by why: said once each. */
  private readonly unwatched = new Set<string>()

  /**
   * `onChange` runs once changes have been quiet for `debounceMs`; `warn` hears of a folder that
   * cannot be watched (the system's limit of watches reached), whose changes would go unseen.
   */
  constructor(
    private readonly onChange: () => void,
    private readonly warn: (text: string) => void = () => {},
    private readonly debounceMs = 25,
  ) {}

  /**
   * Watches every directory under each of `roots`, and `files` (a linked one where it lives too),
   * replacing what was watched before.
   * Resolves to true when it started watching a directory it did not watch before (a new folder,
   * or one swapped in): what was written there before now went unseen. `ignored` folders (the
   * output, when it lies inside the lexicon folder) are not watched, nor their swaps seen: each
   * run writes them, and would otherwise start the next.
   */
  async sync(roots: readonly string[], files: readonly string[], ignored: readonly string[] = []): Promise<boolean> {
    let added = false
    const skipped = ignored.map(realPath)
    const isSkipped = (path: string) => skipped.some((dir) => isWithin(path, dir))
    // A run's own swap in a watched folder: the output's name, and its staging folders and journals beside it (write.ts).
    const ownSwap = (dir: string, name: string) => skipped.some((out) => dirname(out) === dir && (name === basename(out) || name.startsWith(`.lexgen-${basename(out)}-`)))
    // A directory of a watched tree reports every change; a parent only those to the names it holds.
    const wanted = new Map<string, Set<string> | 'all'>()
    // The folders generate reads (symbolic links followed); the targets of links, like the roots,
    // are watched from their parent too, which sees them replaced or edited (a linked file).
    const trees = roots.map(lexiconTree)
    for (const { folders } of trees) for (const dir of folders) if (!isSkipped(dir)) wanted.set(dir, 'all')
    const named = new Map<string, Set<string>>()
    const keep = (dir: string, entry: string) => named.set(dir, (named.get(dir) ?? new Set()).add(entry))
    for (const path of trees.flatMap((tree) => [...tree.folders, ...tree.links])) keep(dirname(path), basename(path))
    for (const path of [...roots, ...files, ...files.map(realPath), ...trees.flatMap((tree) => tree.linkTargets)]) {
      const { dir, name: watched } = await watchPoint(path)
      keep(dir, watched)
      const names = wanted.get(dir) ?? new Set<string>()
      if (names !== 'all') wanted.set(dir, names.add(watched))
    }
    this.named = named
    const scope = (names: Set<string> | 'all' | undefined) => (names === 'all' || names === undefined ? String(names) : [...names].sort().join('/'))
    for (const [dir, entry] of this.watchers) {
      if (entry.gone() || !wanted.has(dir) || (await inode(dir)) !== entry.ino || scope(wanted.get(dir)) !== entry.scope) {
        entry.watcher.close()
        this.watchers.delete(dir)
      }
    }
    for (const [dir, names] of wanted) {
      if (this.watchers.has(dir)) continue
      const ino = await inode(dir)
      // Checked after the wait: a watch made once close() has run would keep the process alive.
      if (ino === undefined || this.closed) continue
      try {
        let gone = false
        const watcher = watch(dir, (_event, name) => {
          // An event under the folder's own name is the folder itself deleted (on Linux): this watch
          // is dead, and the next sync must replace it even when a folder made in its place has the
          // same inode number, which ext4 hands out again at once (`rm -rf x && mkdir x`, or a
          // folder deleted and written back between two syncs). A child of the same name only
          // costs a fresh watch.
          if (name !== null && String(name) === basename(dir)) gone = true
          if (name !== null && ownSwap(dir, String(name))) return
          if (gone || name === null || (names === 'all' ? this.read(dir, String(name)) : names.has(String(name)))) this.changed()
        })
        // The directory went away: the next sync drops it; make sure there is a next sync.
        watcher.on('error', () => this.changed())
        this.watchers.set(dir, { watcher, ino, scope: scope(names), gone: () => gone })
        added = true
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        // Gone between stat and watch: the next sync drops it.
        if (code === 'ENOENT' || code === 'ENOTDIR') this.changed()
        // One that cannot be read is reported by the run that reads it, and its parent sees its mode
        // changed back. Anything else (ENOSPC: the limit of inotify watches) would go unseen.
        else if (code !== 'EACCES' && code !== 'EPERM' && !this.unwatched.has(`${dir}\0${code}`)) {
          this.unwatched.add(`${dir}\0${code}`)
          const limit = code === 'ENOSPC' ? ': the system allows no more watches (raise fs.inotify.max_user_watches)' : ''
          this.warn(`cannot watch ${dir} (${code}${limit}); changes there go unseen until the next run started by another change`)
        }
      }
    }
    return added
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    for (const { watcher } of this.watchers.values()) watcher.close()
    this.watchers.clear()
  }

  /**
   * Whether `name` in the tree's folder `dir` is something generate reads: a `.json` file, a folder
   * or a symbolic link, none of them hidden (one at the last sync, now gone, or one now), or a name watched from `dir`. An editor's swap, backup and
   * temp files beside a lexicon (vim writes its swap file on opening one, and as you type) are not,
   * and would each start a run that finds nothing new.
   */
  private read(dir: string, name: string): boolean {
    if (this.named.get(dir)?.has(name)) return true
    // Hidden names are never read (load.ts): an Emacs lock `.#name.json`, a `.git` folder.
    if (name.startsWith('.')) return false
    if (name.endsWith('.json')) return true
    try {
      const entry = lstatSync(join(dir, name))
      return entry.isDirectory() || entry.isSymbolicLink()
    } catch {
      return false
    }
  }

  private changed(): void {
    if (this.closed) return
    clearTimeout(this.timer)
    this.timer = setTimeout(this.onChange, this.debounceMs)
  }
}

/** `path` with symbolic links followed, as the lexicon tree's folders are; as given when it does not exist yet. */
function realPath(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/**
 * Where to watch for `path` to change or appear: its parent, for its name; while the parent does
 * not exist (a lexicon folder in a repository not cloned yet), the nearest folder that does, for
 * the name of the next folder on the way (each sync after a run comes one step closer).
 */
async function watchPoint(path: string): Promise<{ dir: string; name: string }> {
  let [dir, name] = [dirname(path), basename(path)]
  while (dirname(dir) !== dir && (await inode(dir)) === undefined) [dir, name] = [dirname(dir), basename(dir)]
  return { dir, name }
}

async function inode(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.ino,
    () => undefined,
  )
}
