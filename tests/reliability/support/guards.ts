/** Process-wide guards a reliability test arms for its whole file. */
import { inspect } from 'node:util'

/**
 * Collects every `unhandledRejection` and uncaught exception (through the monitor event, which
 * leaves vitest's own reporting alone) the process reports while armed.
 */
export function trackUnhandledRejections(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = []
  const listener = (reason: unknown) => void seen.push(reason)
  process.on('unhandledRejection', listener)
  process.on('uncaughtExceptionMonitor', listener)
  return {
    seen,
    stop: () => {
      process.off('unhandledRejection', listener)
      process.off('uncaughtExceptionMonitor', listener)
    },
  }
}

/** Lets pending promise callbacks and timers of 0 ms run, so a late rejection has a chance to surface. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0))
  await new Promise((resolve) => setImmediate(resolve))
}

/**
 * Every way an error (or anything else) could be shown to a person or a log: message, String(),
 * stack, util.inspect (what console.log prints, causes included), JSON, and its own enumerable fields.
 */
export function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: 10, showHidden: true, getters: true })]
  try {
    out.push(JSON.stringify(value) ?? '')
  } catch {
    // circular: inspect covered it
  }
  for (let e: unknown = value, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    out.push(e.message, String(e), e.stack ?? '')
  }
  return out
}

/**
 * Whether `text` holds `secret` or any 12-character piece of it (what redaction promises to
 * remove: shorter pieces say too little); a secret shorter than that, whole.
 */
export function leaks(text: string, secret: string): boolean {
  for (let i = 0; i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) return true
  return secret.length < 12 && text.includes(secret)
}
