/**
 * The packages of a monorepo that have a lexgen config, for the error at its root: there a user
 * who runs `lexgen generate` finds no config, and `lexgen init` would write a second one, for a
 * client nobody asked for (init, run there, says so). The workspace's packages are those its package manager links: the
 * `workspaces` of package.json (npm, Yarn, bun) and the `packages` of pnpm-workspace.yaml, as
 * folder patterns (`apps/*`, `packages/**`, `!packages/internal`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Folders deeper than this under a `**` are not searched: workspaces sit a level or two down. */
const MAX_DEPTH = 4

/** The workspace packages under `root` holding `configFile`, as paths relative to `root` ('/'-separated, sorted). */
export function workspaceConfigs(root: string, configFile: string): string[] {
  const patterns = workspacePatterns(root)
  const excluded = new Set(patterns.filter((p) => p.startsWith('!')).flatMap((p) => expand(root, p.slice(1))))
  const folders = new Set(patterns.filter((p) => !p.startsWith('!')).flatMap((p) => expand(root, p)))
  return [...folders].filter((folder) => !excluded.has(folder) && existsSync(join(root, folder, configFile))).sort()
}

/** The folder patterns the workspace at `root` declares (`apps/*`, `!apps/legacy`); none when it is not a workspace root. */
export function workspacePatterns(root: string): string[] {
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [])
  const patterns: string[] = []
  try {
    const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: unknown }
    patterns.push(...strings(Array.isArray(workspaces) ? workspaces : (workspaces as { packages?: unknown } | undefined)?.packages))
  } catch {
    // no package.json, or not JSON: other commands report it
  }
  try {
    patterns.push(...pnpmPackages(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')))
  } catch {
    // not a pnpm workspace
  }
  return patterns // `./apps/*` and `apps/*/` as `apps/*`: expand skips empty and `.` segments
}

/** The `packages:` list of pnpm-workspace.yaml, the one part of it read here (block style, as pnpm documents it). */
function pnpmPackages(yaml: string): string[] {
  const found: string[] = []
  let inList = false
  for (const line of yaml.split(/\r?\n/)) {
    if (/^\S/.test(line)) inList = /^packages\s*:\s*$/.test(line)
    else if (inList) {
      const item = /^\s+-\s+(['"]?)(.+?)\1\s*(#.*)?$/.exec(line)
      if (item) found.push(item[2]!)
    }
  }
  return found
}

/** The folders under `root` a pattern names, relative and '/'-separated: `*` within one name, `**` any depth. */
function expand(root: string, pattern: string): string[] {
  let folders = ['']
  for (const segment of pattern.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '**') {
      folders = folders.flatMap((folder) => [folder, ...below(root, folder, MAX_DEPTH)])
    } else if (segment.includes('*')) {
      const name = new RegExp(`^${segment.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`)
      folders = folders.flatMap((folder) => children(root, folder).filter((child) => name.test(child.slice(child.lastIndexOf('/') + 1))))
    } else folders = folders.map((folder) => (folder ? `${folder}/${segment}` : segment))
  }
  return folders.filter((folder) => folder !== '')
}

/** The folders inside `folder`, but node_modules and hidden ones (which no workspace is). */
function children(root: string, folder: string): string[] {
  try {
    return readdirSync(join(root, folder), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.'))
      .map((entry) => (folder ? `${folder}/${entry.name}` : entry.name))
  } catch {
    return []
  }
}

function below(root: string, folder: string, depth: number): string[] {
  if (depth === 0) return []
  return children(root, folder).flatMap((child) => [child, ...below(root, child, depth - 1)])
}
