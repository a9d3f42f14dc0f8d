/**
 * The preset the namespaced Client uses, for standalone functions too:
 * `new Core(withDefaults({ service, auth }))`. It adds, outermost first, retries (2, with backoff
 * from 0.5 s doubling to 8 s), hooks when any is given, and a 30 s timeout per attempt; layers of
 * your own run inside them. A Core built without it carries none of that code.
 */
import type { CoreConfig } from './core.js'
import { hooks, type Hooks } from './hooks.js'
import { retry } from './retry.js'
import type { RetryOption } from './stack.js'
import { timeout } from './timeout.js'

export interface DefaultsConfig extends CoreConfig, Hooks {
  /** Retry policy for every call (see runtime/retry.ts); default 2 retries, backoff 0.5 s doubling to 8 s; `false` for none. */
  retries?: RetryOption | undefined
  /** Milliseconds per attempt, body included; default 30 s; `Infinity` disables it. */
  timeout?: number | undefined
}

export function withDefaults(config: DefaultsConfig): CoreConfig {
  const { retries, timeout: ms = 30_000, onRequest, onResponse, onError, layers = [], ...core } = config
  const hooked = onRequest || onResponse || onError ? [hooks({ onRequest, onResponse, onError })] : []
  return { ...core, layers: [retry(retries), ...hooked, timeout(ms), ...layers] }
}
