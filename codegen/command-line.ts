/**
 * The command line that reproduces a run, which the docs' "regenerate" line, notes and refusals
 * quote, written as a POSIX shell reads it back.
 */
import { relative, resolve, sep } from 'node:path'
import { configFilePath, type Options } from './config-file.js'

/**
 * `npx lexgen generate` with the flags that shaped this output (paths relative to `root`, where
 * the command is to be run), so the docs' "regenerate" line and `check`'s advice rebuild what was
 * checked or described when flags shaped it too. (`--strict` changes no output, so it is left out:
 * `check --strict` in CI must accept docs written by a plain `generate`.)
 * `command` `check` gives the check of that output (what lists everything in an output folder's way).
 */
export function generateCommand(flags: Options, configPath: string | undefined, cwd: string, root: string, lexgen = 'npx lexgen', command: 'generate' | 'check' = 'generate'): string {
  const path = (given: string) => relative(root, resolve(cwd, given)).split(sep).join('/') || '.'
  const args: string[] = []
  // A --config naming the file the command finds from `root` anyway is left out: spelling out the
  // default must not change the docs, or `check --config …` would fail on docs a plain generate wrote.
  if (configPath !== undefined && resolve(cwd, configPath) !== configFilePath(undefined, root)) args.push('--config', path(configPath))
  if (flags.lexicons) args.push('--lexicons', path(flags.lexicons))
  for (const pattern of flags.include ?? []) args.push('--include', pattern)
  for (const pattern of flags.exclude ?? []) args.push('--exclude', pattern)
  if (flags.out) args.push('--out', path(flags.out))
  if (typeof flags.docs === 'string') args.push('--docs', path(flags.docs))
  if (flags.docs === false) args.push('--no-docs')
  if (flags.runtimeImport) args.push('--runtime-import', flags.runtimeImport)
  if (flags.fileExt) args.push('--file-ext', flags.fileExt)
  if (flags.importExt) args.push('--import-ext', flags.importExt)
  if (flags.emit) args.push('--emit', flags.emit)
  return [`${lexgen} ${command}`, ...args.map(shellWord)].join(' ')
}

/** A word as a POSIX shell reads it back: quoted unless it is plain (patterns with `*` are quoted). */
export function shellWord(word: string): string {
  return /^[\w./@:=+,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`
}
