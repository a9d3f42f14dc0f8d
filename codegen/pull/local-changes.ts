/**
 * What a pull would overwrite or remove that is not what it put there: a pinned doc edited since
 * it was pulled (its CID is not the pinned one), or a doc the lockfile never pinned (written by
 * hand, or copied in) at a path the pull now writes. Pull refuses to lose those unless told to
 * (`--force`). A file only reformatted keeps its CID, so it is not a change: the pull rewrites it.
 */
import { sameText } from '../line-endings.js'
import { compare } from '../order.js'
import { docCid } from './cid.js'
import type { Folder } from './folder.js'

/** One line per doc the pull would lose, in NSID order. */
export async function localChanges(
  folder: Folder,
  pulled: ReadonlyMap<string, string>,
  dropped: readonly string[],
  pinned: ReadonlyMap<string, string>,
  lockName: string,
): Promise<string[]> {
  const lines: Promise<string | undefined>[] = []
  for (const nsid of [...new Set([...pulled.keys(), ...dropped])].sort(compare)) {
    const current = folder.docs.get(nsid)
    if (!current || sameText(current.text, pulled.get(nsid) ?? '')) continue
    const cid = pinned.get(nsid)
    if (cid === undefined) {
      lines.push(Promise.resolve(`${current.path}: ${nsid}, which ${lockName} does not pin (written by hand, or copied in)`))
      continue
    }
    lines.push(docCid(current.json, current.path).then((actual) => (actual === cid ? undefined : `${current.path}: ${nsid}, edited since it was pulled (CID ${actual}; ${lockName} pins ${cid})`)))
  }
  return (await Promise.all(lines)).filter((line): line is string => line !== undefined)
}
