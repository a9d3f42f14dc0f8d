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

/** The retry layers withDefaults made: a config holding one has its defaults already. */
const presets = new WeakSet<object>()

export function withDefaults(config: DefaultsConfig): CoreConfig {
  const { retries, timeout: ms = 30_000, onRequest, onResponse, onError, layers = [], ...core } = config
  // Applied twice (`new Client(withDefaults(config))`, a shared preset), every call would make 3 × 3
  // attempts under two timeouts: the second time adds nothing, and refuses what it would drop.
  if (Array.isArray(layers) && layers.some((layer) => presets.has(layer))) {
    const dropped = Object.entries({ retries, timeout: config.timeout, onRequest, onResponse, onError }).find(([, value]) => value !== undefined)
    if (dropped) throw new TypeError(`withDefaults: this config has its defaults already (from an earlier withDefaults), so ${dropped[0]} would be ignored: give it to the first one`)
    return config
  }
  const retrying = retry(retries)
  presets.add(retrying)
  const hooked = onRequest || onResponse || onError ? [hooks({ onRequest, onResponse, onError })] : []
  return { ...core, layers: [retrying, ...hooked, timeout(ms), ...layers] }
}
