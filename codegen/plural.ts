/** `1 doc`, `2 docs`: a count and its noun, in the singular for one. */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`
}
