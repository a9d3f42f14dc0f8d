/**
 * Where a lexicon problem is, written as an editor's terminal opens it: the file from where the
 * user stands (the whole path for one outside the working folder), then the line and column of
 * the value its JSON path names (`lexicons/chat/bsky/convo/defs.json:41:17 at defs.messageView.properties.text`).
 * The files are read again, on the way to the message only: a run that succeeds keeps no text.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, join, relative, sep } from 'node:path'
import type { PlaceProblem } from './errors.js'
import { JsonLocator, pathKeys } from './json-text.js'

/** Places in the lexicon folder `lexicons`, said from `cwd`. */
export function placeInFolder(lexicons: string, cwd: string): PlaceProblem {
  const locators = new Map<string, JsonLocator | undefined>()
  const locatorOf = (file: string) => {
    if (!locators.has(file)) {
      const text = readText(join(lexicons, file))
      locators.set(file, text === undefined ? undefined : new JsonLocator(text))
    }
    return locators.get(file)
  }
  return (file, path) => {
    const shown = fromWhereYouStand(join(lexicons, file), cwd)
    if (path === undefined) return shown
    const locator = locatorOf(file)
    return `${locator === undefined ? shown : `${shown}:${locator.lineColumn(pathKeys(path))}`} at ${path}`
  }
}

/** The path from `cwd` if the file is under it, `/`-separated; else the whole path: a climb of `../..` reads worse. */
function fromWhereYouStand(path: string, cwd: string): string {
  const shown = relative(cwd, path)
  return shown === '..' || shown.startsWith(`..${sep}`) || isAbsolute(shown) ? path : shown.split(sep).join('/')
}

/** A file's text as load.ts decodes it (a byte order mark dropped), or undefined if it cannot be read now. */
function readText(path: string): string | undefined {
  try {
    return new TextDecoder().decode(readFileSync(path))
  } catch {
    return undefined
  }
}
