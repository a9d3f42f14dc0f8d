import { lexiconDoc, lexUserType, type LexiconDoc } from '@atproto/lexicon'
import { LexgenError, jsonPath } from './errors.js'
import type { LoadedFile } from './load.js'

/** A lexicon doc that `@atproto/lexicon` accepted, with the file it came from. */
export interface ParsedDoc {
  readonly file: string
  readonly doc: LexiconDoc
}

interface Issue {
  path: (string | number)[]
  message: string
}

/** Validates every file as a lexicon doc and rejects duplicate NSIDs. */
export function parseLexiconDocs(files: readonly LoadedFile[]): ParsedDoc[] {
  const byNsid = new Map<string, string>()
  return files.map(({ file, json }) => {
    const doc = parseDoc(json, file)
    const first = byNsid.get(doc.id)
    if (first !== undefined) {
      throw new LexgenError(`duplicate lexicon id '${doc.id}' (already defined in ${first})`, { file, path: 'id' })
    }
    byNsid.set(doc.id, file)
    return { file, doc }
  })
}

function parseDoc(json: unknown, file: string): LexiconDoc {
  const parsed = validate(json)
  if ('issue' in parsed) throw new LexgenError(parsed.issue.message, { file, path: jsonPath(parsed.issue.path) || undefined })
  return parsed.doc
}

/**
 * The doc as `@atproto/lexicon` parses it, or the first problem it finds, with its JSON path
 * from the doc root. Its def schema throws (rather than reports) nested errors, losing the
 * path prefix, so a thrown error is re-diagnosed def by def.
 */
function validate(json: unknown): { doc: LexiconDoc } | { issue: Issue } {
  try {
    const result = lexiconDoc.safeParse(json)
    if (result.success) return { doc: result.data }
    return { issue: result.error.issues[0] ?? { path: [], message: 'invalid lexicon document' } }
  } catch (error) {
    return { issue: firstDefIssue(json) ?? { path: [], message: (error as Error).message } }
  }
}

function firstDefIssue(json: unknown): Issue | undefined {
  const defs = (json as { defs?: unknown }).defs
  if (typeof defs !== 'object' || defs === null) return undefined
  for (const [name, def] of Object.entries(defs)) {
    try {
      const result = lexUserType.safeParse(def)
      if (!result.success) return prefixed(['defs', name], result.error.issues[0])
    } catch (error) {
      const issues = (error as { issues?: Issue[] }).issues
      if (issues?.[0]) return prefixed(['defs', name], issues[0])
      return { path: ['defs', name], message: (error as Error).message }
    }
  }
  return undefined
}

function prefixed(prefix: string[], issue: Issue | undefined): Issue | undefined {
  return issue && { path: [...prefix, ...issue.path], message: issue.message }
}
