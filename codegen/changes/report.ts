import type { ChangeClass, ChangeKind, Side } from './rules.js'
import type { CompilerFinding } from './compiler.js'
import type { Via } from '../usage.js'

/**
 * What `lexgen diff` found: plain data, and the documented, stable JSON shape of
 * `--format json` (see README, "lexgen diff"). Fields are only ever added, never renamed,
 * within one `format` version.
 */
export interface ChangeReport {
  readonly format: 'lexgen-diff/1'
  readonly before: SetInfo
  readonly after: SetInfo
  /** The selection (new side's, when the sides differ). */
  readonly selection: { readonly include: readonly string[]; readonly exclude: readonly string[] }
  /** The old side's selection, present only when it differs (e.g. the config at `--base` selected other docs). */
  readonly selectionBefore?: { readonly include: readonly string[]; readonly exclude: readonly string[] }
  /** Changes per class; a def the compiler rejects where the rules saw nothing worse than compatible counts as one `source` change. */
  readonly summary: Readonly<Record<ChangeClass, number>>
  /** The worst class found, or `none` when nothing changed. */
  readonly worst: ChangeClass | 'none'
  /** Every change, sorted by NSID, def, path and kind. */
  readonly changes: readonly Change[]
  /** Present when the compiler check ran (not with `--no-compiler-check`, nor when no selected doc changed). */
  readonly compiler?: CompilerReport
}

export interface SetInfo {
  /** Where the lexicons came from, e.g. `HEAD:lexicons` or a directory. */
  readonly label: string
  /** Docs in the selected closure. */
  readonly docs: number
}

export interface Change {
  readonly nsid: string
  /** The def the change is in; `main` for a method and for whole-doc changes. */
  readonly def: string
  /** Where inside the def, e.g. `input.message.text`; '' for the def itself. */
  readonly path: string
  /** The rule that applies: one row of the README's rule table. */
  readonly kind: ChangeKind
  /** The lexicon rules' verdict: the strictest over `sides`. */
  readonly class: ChangeClass
  /** Sides of the wire the changed schema is on; empty when no method or record reaches it. */
  readonly sides: readonly Side[]
  /** Methods (and records) through which the change is reached, per side. */
  readonly via: Via
  readonly message: string
  readonly before?: unknown
  readonly after?: unknown
}

export interface CompilerReport {
  /** TypeScript version that ran the check. */
  readonly typescript: string
  readonly checks: number
  /** Checks that failed: old code using the symbol no longer compiles. */
  readonly findings: readonly CompilerFinding[]
  /** Defs where the rules and the compiler reach different verdicts on source compatibility. */
  readonly disagreements: readonly Disagreement[]
  /**
   * Failed checks not counted: of defs no method or record reaches, failing only through defs that
   * calls use on one side of the wire only, in the other direction (README, "Source compatibility").
   * Present when there are any.
   */
  readonly excused?: readonly ExcusedFinding[]
}

export interface ExcusedFinding extends CompilerFinding {
  /** The changed defs inside the symbol (`nsid#def`), each reached on one side only, which the rules judge by that side. */
  readonly judgedBy: readonly string[]
}

export interface Disagreement {
  readonly nsid: string
  readonly def: string
  /** The rules' worst verdict for the def (`none`: no rule change). */
  readonly rules: ChangeClass | 'none'
  readonly compiler: 'compiles' | 'does not compile'
  /** Sides of the wire the def is on, as for a change; empty when no method or record reaches it. */
  readonly sides: readonly Side[]
  /** Methods (and records) through which the def is reached, per side; a method's own def through the method. */
  readonly via: Via
}
