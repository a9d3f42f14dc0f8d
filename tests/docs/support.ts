/**
 * Reading the generated reference docs as a reader would: pages, method sections with their
 * parts, code blocks, links and anchors (GitHub's rules), and typechecking blocks in a project
 * set up the way a user's would be.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { promisify } from 'node:util'

export const ROOT = join(import.meta.dirname, '../..')
export const DOCS = join(ROOT, 'docs/api')

export interface Block {
  /** Page path inside the docs folder, e.g. `chat.bsky.convo.md`. */
  readonly page: string
  /** The NSID of the method section it is in, if any. */
  readonly nsid?: string
  /** The `###` subsection it is in (`Example usage`, `Standalone function`, `Pagination`), or the `##` heading on the index. */
  readonly section: string
  readonly language: string
  readonly code: string
}

export interface MethodSection {
  readonly page: string
  readonly nsid: string
  readonly name: string
  readonly text: string
  /** The `###` headings, in order. */
  readonly parts: string[]
}

/** Every page of the docs folder by path. */
export async function readDocs(dir = DOCS): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = entries.filter((e) => e.isFile()).map((e) => posix.join(posix.relative(dir, e.parentPath).split('\\').join('/'), e.name)).sort()
  return new Map(await Promise.all(files.map(async (file) => [file, await readFile(join(dir, file), 'utf8')] as const)))
}

/** Fenced code blocks, each with the page, method section and subsection it sits in. */
export function codeBlocks(pages: ReadonlyMap<string, string>): Block[] {
  const blocks: Block[] = []
  for (const [page, text] of pages) {
    let nsid: string | undefined
    let section = ''
    const lines = text.split('\n')
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!
      const heading = /^(#{2,3}) (.*)$/.exec(line)
      if (heading) {
        if (heading[1] === '##') nsid = undefined
        section = heading[2]!
        continue
      }
      const id = /^- \*\*NSID:\*\* `([^`]+)`$/.exec(line)
      if (id) nsid = id[1]
      const fence = /^(`{3,})(\w*)$/.exec(line)
      if (!fence) continue
      const end = lines.indexOf(fence[1]!, i + 1)
      blocks.push({ page, ...(nsid ? { nsid } : {}), section, language: fence[2]!, code: lines.slice(i + 1, end).join('\n') + '\n' })
      i = end
    }
  }
  return blocks
}

/** The method sections of the namespace pages. */
export function methodSections(pages: ReadonlyMap<string, string>): MethodSection[] {
  const sections: MethodSection[] = []
  for (const [page, text] of pages) {
    if (page === 'README.md' || page.startsWith('models/')) continue
    for (const chunk of text.split(/^(?=## )/m).slice(1)) {
      const name = /^## (.*)$/m.exec(chunk)![1]!.replace(/\\(.)/g, '$1')
      const nsid = /^- \*\*NSID:\*\* `([^`]+)`$/m.exec(chunk)?.[1] ?? ''
      const parts = [...chunk.matchAll(/^### (.*)$/gm)].map((m) => m[1]!)
      sections.push({ page, nsid, name, text: chunk, parts })
    }
  }
  return sections
}

/** GitHub's anchors of a page's headings (lower case, punctuation dropped, repeats numbered). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  let inFence = false
  for (const line of text.split('\n')) {
    if (/^`{3,}/.test(line)) inFence = !inFence
    const heading = inFence ? null : /^#{1,6} (.*)$/.exec(line)
    if (!heading) continue
    const rendered = heading[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\\(.)/g, '$1').replace(/`/g, '').replace(/&amp;/g, '&')
    const base = rendered.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    out.add(count ? `${base}-${count}` : base)
  }
  return out
}

/** Every Markdown link target on a page, outside code. */
export function links(text: string): string[] {
  const prose = text.replace(/^(`{3,})\w*\n[\s\S]*?^\1$/gm, '').replace(/`[^`\n]*`/g, '``')
  // An escaped `\]` is text, not the end of a link.
  return [...prose.matchAll(/(?<!\\)\]\(([^)\s]+)\)/g)].map((m) => m[1]!)
}

/**
 * A folder where blocks are written as a user's program files: `generated/` links to the
 * client (the committed one unless given; the docs' examples import `./generated/index.js`) and
 * `node_modules/@lexgen/runtime` to the runtime package, as `npm install @lexgen/runtime` would put it. It sits in the repo's `scratch/`, so `@types/node`
 * is found the usual way, up the tree.
 */
export async function userProject(client = join(ROOT, 'generated')): Promise<{ dir: string; write(name: string, code: string): Promise<string>; close(): Promise<void> }> {
  await mkdir(join(ROOT, 'scratch'), { recursive: true })
  const dir = await mkdtemp(join(ROOT, 'scratch', 'doc-examples-'))
  await symlink(client, join(dir, 'generated'), 'dir')
  await mkdir(join(dir, 'node_modules/@lexgen'), { recursive: true })
  await symlink(join(ROOT, 'runtime'), join(dir, 'node_modules/@lexgen/runtime'), 'dir')
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n')
  return {
    dir,
    write: async (name, code) => {
      const file = join(dir, name)
      await writeFile(file, code)
      return file
    },
    close: () => rm(dir, { recursive: true, force: true }),
  }
}

/**
 * The compiler options of a strict user project (no lexgen-source condition: types come from dist/,
 * as installed), with @tsconfig/strictest's flags that reach into the generated .ts files.
 */
export const USER_COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023', 'DOM'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noUncheckedIndexedAccess: true,
  noPropertyAccessFromIndexSignature: true,
  exactOptionalPropertyTypes: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
}

/** Typechecks the given files of a user project with the repo's tsc (TypeScript 7, native); diagnostics by file. */
export async function typecheck(dir: string, files: readonly string[]): Promise<{ code: number; output: string }> {
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: USER_COMPILER_OPTIONS, files }))
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir })
    return { code: 0, output: stdout }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, output: e.stdout + e.stderr }
  }
}
