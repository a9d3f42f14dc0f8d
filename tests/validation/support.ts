/**
 * Shared by the validation tests: the reference validator (@atproto/lexicon over the same
 * lexicons, fed what @atproto/xrpc feeds it), our validators run the same way, and the
 * fixture lexicon (every constraint kind) generated into a temp dir and imported.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { jsonToLex, Lexicons, type LexiconDoc } from '@atproto/lexicon'
import { generate } from '../../codegen/index.js'
import type { ValidationIssue, Validator } from '../../runtime/validate.js'
import { validate } from '../../runtime/validation.js'

export const ROOT = resolve(import.meta.dirname, '../..')
export const FIXTURE_LEXICONS = join(ROOT, 'tests/validation/fixture')

/** Every lexicon doc under `dir`, parsed fresh (Lexicons mutates the docs it is given). */
export async function readDocs(dir: string): Promise<LexiconDoc[]> {
  const docs: LexiconDoc[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.json') && entry.name !== 'package.json') {
      const json = JSON.parse(await readFile(join(entry.parentPath, entry.name), 'utf8'))
      if (json && typeof json === 'object' && typeof json.id === 'string') docs.push(json)
    }
  }
  return docs
}

/** The real snapshot plus the fixture: what the reference validates against. */
export async function referenceLexicons(): Promise<Lexicons> {
  return new Lexicons([...(await readDocs(join(ROOT, 'lexicons'))), ...(await readDocs(FIXTURE_LEXICONS))])
}

/** What can be validated: a method part (params, input, output) or an object/record def. */
export type Target =
  | { readonly kind: 'params' | 'input' | 'output'; readonly nsid: string }
  | { readonly kind: 'def'; readonly nsid: string; readonly def: string }

export function targetName(target: Target): string {
  return target.kind === 'def' ? `${target.nsid}#${target.def}` : `${target.nsid} ${target.kind}`
}

/**
 * The reference verdict: params as the server has decoded them; bodies and defs through
 * `jsonToLex` first, as @atproto/xrpc does with a response. Any exception counts as invalid
 * (@atproto/lexicon throws plain Errors for some `$type`s, not only ValidationErrors).
 */
export function referenceVerdict(lex: Lexicons, target: Target, value: unknown): { valid: boolean; error?: string } {
  try {
    switch (target.kind) {
      case 'params': {
        lex.assertValidXrpcParams(target.nsid, value)
        // What a client may send goes further: @atproto/xrpc refuses a param the lexicon does not
        // declare when it builds the URL ("Invalid query parameter"), and so do we (ours leaves out
        // one set to undefined, which is not sent).
        const declared = (lex.getDefOrThrow(target.nsid) as { parameters?: { properties?: object } }).parameters?.properties ?? {}
        const stray = value !== null && typeof value === 'object' ? Object.entries(value).find(([key, given]) => given !== undefined && !Object.hasOwn(declared, key)) : undefined
        if (stray) return { valid: false, error: `Invalid query parameter: ${stray[0]}` }
        break
      }
      case 'input':
        lex.assertValidXrpcInput(target.nsid, jsonToLex(value as never))
        break
      case 'output':
        lex.assertValidXrpcOutput(target.nsid, jsonToLex(value as never))
        break
      case 'def': {
        const result = lex.validate(`${target.nsid}#${target.def}`, jsonToLex(value as never))
        if (!result.success) return { valid: false, error: result.error.message }
      }
    }
    return { valid: true }
  } catch (error) {
    return { valid: false, error: (error as Error).message }
  }
}

/** Our verdict, lenient (the mode that promises the reference's verdict). */
export function ourVerdict(validator: Validator, value: unknown): { valid: boolean; issues: ValidationIssue[] } {
  const issues = validate(validator, value, false)
  return { valid: issues.length === 0, issues }
}

export interface Fixture {
  /** `test.validation.kinds`: every constraint kind, as a procedure with params, input and output. */
  readonly kinds: Record<string, any>
  readonly other: Record<string, any>
  readonly validation: Record<string, any>
}

let fixture: Promise<Fixture> | undefined

/** The fixture lexicons generated and imported. */
export function loadFixture(): Promise<Fixture> {
  fixture ??= (async () => {
    const modules = await importGenerated(FIXTURE_LEXICONS, ['*'])
    return { kinds: modules.get('test/validation/kinds.ts')!, other: modules.get('test/validation/other.ts')!, validation: modules.get('validation.ts')! }
  })()
  return fixture
}

/**
 * The docs `include` selects from `lexicons`, generated (importing the runtime by path) into a
 * temp dir, and every module imported: modules by their path in the output.
 */
export async function importGenerated(lexicons: string, include: string[]): Promise<Map<string, Record<string, any>>> {
  const { files } = await generate({
    lexicons,
    out: '',
    include,
    exclude: [],
    runtimeImport: join(ROOT, 'runtime/index.ts'),
    strict: false,
    fileExt: '.ts',
  })
  const dir = await mkdtemp(join(tmpdir(), 'lexgen-validation-'))
  try {
    for (const [path, text] of files) {
      await mkdir(dirname(join(dir, path)), { recursive: true })
      await writeFile(join(dir, path), text)
    }
    const modules = new Map<string, Record<string, any>>()
    for (const path of files.keys()) if (path.endsWith('.ts')) modules.set(path, await import(join(dir, path)))
    return modules
  } finally {
    // Imported modules stay loaded; the files are needed only to import them.
    await rm(dir, { recursive: true, force: true })
  }
}
