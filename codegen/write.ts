import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'
import type { OutputFiles } from './emit.js'

/** Every file under `dir` by `/`-separated relative path; empty when `dir` does not exist. */
export async function readOutputDir(dir: string): Promise<Map<string, string>> {
  let entries
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
    throw error
  }
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
  const contents = await Promise.all(files.map((file) => readFile(file, 'utf8')))
  return new Map(files.map((file, i) => [relative(dir, file).split(sep).join('/'), contents[i]!]))
}

/**
 * Replaces `dir` with exactly `files`, atomically: everything is written to a
 * sibling temp dir first and swapped in by rename, so a failed or interrupted
 * run leaves the previous output whole.
 */
export async function writeOutputDir(dir: string, files: OutputFiles): Promise<void> {
  const parent = dirname(dir)
  await mkdir(parent, { recursive: true })
  const staging = await mkdtemp(join(parent, `.lexgen-${basename(dir)}-`))
  try {
    const dirs = new Set([...files.keys()].map((path) => dirname(join(staging, path))))
    await Promise.all([...dirs].map((d) => mkdir(d, { recursive: true })))
    await Promise.all([...files].map(([path, content]) => writeFile(join(staging, path), content)))
    const previous = `${staging}-previous`
    const hadPrevious = await rename(dir, previous).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false
        throw error
      },
    )
    await rename(staging, dir)
    if (hadPrevious) await rm(previous, { recursive: true, force: true })
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  }
}
