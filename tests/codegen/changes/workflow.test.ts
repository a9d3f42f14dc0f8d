/**
 * docs/update-lexicons.yml, run: its shell steps, exactly as the file has them, under the shell
 * GitHub Actions uses (`bash -e -o pipefail`), in a real git repository where upstream made a
 * breaking change. Only `npx` is stood in for (it runs this checkout's lexgen, not the registry's).
 */
import { execFile } from 'node:child_process'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { colourlessEnv, ROOT, runCli, scratchDirs } from '../helpers.js'
import { baseDocs, commitAll, git, writeDocs } from './support.js'

const exec = promisify(execFile)
const { scratch } = scratchDirs()
const WORKFLOW = join(ROOT, 'docs/update-lexicons.yml')

/** The `run: |` block of the step named `name`, de-indented. */
async function stepScript(name: string): Promise<string> {
  const lines = (await readFile(WORKFLOW, 'utf8')).split('\n')
  const start = lines.findIndex((line) => line.trim() === `- name: ${name}`)
  const run = lines.findIndex((line, i) => i > start && line.trim() === 'run: |')
  const indent = lines[run + 1]!.length - lines[run + 1]!.trimStart().length
  const body = lines.slice(run + 1)
  const end = body.findIndex((line) => line.trim() !== '' && line.length - line.trimStart().length < indent)
  return body.slice(0, end).map((line) => line.slice(indent)).join('\n')
}

/** A repository as the workflow finds it: the committed client on main (also origin/main), lexgen's shim on PATH. */
async function repository(): Promise<{ repo: string; bin: string }> {
  const repo = await scratch()
  // The folders `lexgen init` writes (docs/lexgen, not this repository's docs/api): the recipe must not care.
  const config = { lexicons: 'lexicons', out: 'generated', docs: 'docs/lexgen', include: ['ex.test.*'], runtimeImport: '@lexgen/runtime' }
  await writeFile(join(repo, 'lexgen.config.json'), JSON.stringify(config))
  await writeDocs(join(repo, 'lexicons'), baseDocs())
  expect((await runCli(['generate'], repo)).code).toBe(0)
  git(repo, 'init', '-q', '-b', 'main')
  commitAll(repo, 'the client')
  git(repo, 'update-ref', 'refs/remotes/origin/main', 'HEAD')
  const bin = await scratch()
  await writeFile(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = lexgen ] || exit 127\nshift\nexec "${process.execPath}" "${join(ROOT, 'codegen/bin/lexgen.js')}" "$@"\n`)
  await chmod(join(bin, 'npx'), 0o755)
  return { repo, bin }
}

/** Runs the step `name` as GitHub Actions would and returns what it wrote to $GITHUB_OUTPUT. */
async function runStep(name: string, repo: string, bin: string): Promise<{ outputs: Record<string, string>; temp: string }> {
  const temp = await scratch()
  const env = colourlessEnv({ PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: join(temp, 'output'), RUNNER_TEMP: temp })
  await writeFile(join(temp, 'output'), '')
  await exec('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', await stepScript(name)], { cwd: repo, env })
  const lines = (await readFile(join(temp, 'output'), 'utf8')).split('\n').filter(Boolean)
  return { outputs: Object.fromEntries(lines.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])), temp }
}

describe('docs/update-lexicons.yml', () => {
  it('reports a breaking update in the pull request body and labels it, instead of failing the step', async () => {
    const { repo, bin } = await repository()
    const updated = baseDocs()
    updated['ex.test.send']!.defs.main.input.schema.properties.text.maxGraphemes = 10
    await writeDocs(join(repo, 'lexicons'), updated)
    expect((await runCli(['generate'], repo)).code).toBe(0)

    const { outputs, temp } = await runStep('Describe the change', repo, bin)
    expect(outputs).toEqual({ changed: 'true', labels: 'lexicons,breaking' })
    const report = await readFile(join(temp, 'lexicon-report.md'), 'utf8')
    expect(report).toContain('maxGraphemes lowered 30 → 10')
  })

  it('opens nothing when the pull brought no change', async () => {
    const { repo, bin } = await repository()
    expect((await runStep('Describe the change', repo, bin)).outputs).toEqual({ changed: 'false' })
  })

  it('sees a change wherever the config puts the docs, and commits every change (no add-paths), so the pull request passes lexgen check', async () => {
    const { repo, bin } = await repository()
    const edited = baseDocs()
    edited['ex.test.get']!.defs.main.description = 'Gets things, described anew.'
    await writeDocs(join(repo, 'lexicons'), edited)
    expect((await runCli(['generate'], repo)).code).toBe(0)
    const changed = git(repo, 'status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean).map((line) => line.slice(3))
    expect(changed).toEqual(expect.arrayContaining(['docs/lexgen/ex.test.md', 'lexicons/ex/test/get.json']))
    expect((await runStep('Describe the change', repo, bin)).outputs).toMatchObject({ changed: 'true', labels: 'lexicons' })
    // create-pull-request commits every change when no add-paths narrows it.
    expect(await readFile(WORKFLOW, 'utf8')).not.toMatch(/^\s*add-paths:/m)
  })

  it('opens the pull request with a token that lets CI run on it, GITHUB_TOKEN only as the fallback', async () => {
    expect(await readFile(WORKFLOW, 'utf8')).toContain('token: ${{ secrets.LEXGEN_UPDATE_TOKEN || github.token }}')
  })
})
