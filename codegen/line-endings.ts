/**
 * Line endings are not content. Git for Windows checks text files out with CRLF line endings
 * (`core.autocrlf`, its installer's default and the default on GitHub's Windows runners) and sees
 * no change in them; lexgen writes LF. So a file that differs from what lexgen would write only in
 * its line endings is up to date (generated code has no string that spans lines, and JSON none at
 * all, so they never change what a file means), and is left with the bytes it has.
 */
import type { OutputFiles } from './emit.js'
import type { OutputDir } from './output-read.js'

/** Whether a file on disk holds `written`, its line endings aside. */
export function sameText(onDisk: string, written: string): boolean {
  return onDisk === written || (onDisk.includes('\r') && onDisk.replaceAll('\r\n', '\n') === written.replaceAll('\r\n', '\n'))
}

/**
 * The files to write into a folder that differs from `next`: a file that is the same but for its
 * line endings keeps the bytes it has, so a Windows checkout does not see every file rewritten.
 */
export function keepingLineEndings(current: OutputDir, next: OutputFiles): OutputFiles {
  const files = new Map(next)
  for (const [path, content] of files) {
    const onDisk = current.files.get(path)
    if (onDisk !== undefined && onDisk !== content && sameText(onDisk, content)) files.set(path, onDisk)
  }
  return files
}
