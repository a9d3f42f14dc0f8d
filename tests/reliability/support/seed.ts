/**
 * Seeds and case counts for the property-based tests. Every run uses the same seed unless
 * `LEXGEN_FUZZ_SEED` says otherwise, so a failure reproduces exactly; `LEXGEN_FUZZ_SCALE`
 * multiplies the number of cases (e.g. 10 for a long soak). fast-check prints the seed and
 * the shrunk counterexample of any failure.
 */
export const SEED = Number(process.env.LEXGEN_FUZZ_SEED ?? 20_261_124)
const SCALE = Number(process.env.LEXGEN_FUZZ_SCALE ?? 1)

/** `base` cases, scaled. */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * SCALE))
}

/** One line the suite prints per property, copied into docs/RELIABILITY.md. */
export function report(name: string, figures: Record<string, number | string>): void {
  console.info(`[reliability] ${name}: ${JSON.stringify({ seed: SEED, ...figures })}`)
}
