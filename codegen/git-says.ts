/** Git's own words for a failure: its `fatal:`/`error:` line and the advice after it, at most a few lines. */
export function gitSays(error: unknown): string {
  const e = error as { stderr?: string; message?: string }
  const lines = (e.stderr || e.message || String(error)).trim().split('\n').map((line) => line.trim()).filter(Boolean)
  const first = Math.max(0, lines.findIndex((line) => /^(fatal|error):/.test(line)))
  return lines.slice(first, first + 4).join(' ').replace(/^(fatal|error): /, '')
}
