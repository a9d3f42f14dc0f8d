/**
 * Polls `condition` every 10 ms until it holds or `ms` pass; returns whether it held. The cap is
 * only reached when something is wrong, so it is long: a busy machine must not look like a leak.
 */
export async function eventually(condition: () => boolean, ms = 10_000): Promise<boolean> {
  const deadline = performance.now() + ms
  for (;;) {
    if (condition()) return true
    if (performance.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
