/**
 * Progress of a pull, on stderr: one line redrawn in place on a terminal, plain lines when piped
 * (CI logs keep every step, and no escape codes end up in a file).
 */
export interface Progress {
  /** A stage starts: "resolving 3 roots", "reading git source …". */
  phase(text: string): void
  /** One doc is done: `done` of the `total` known so far. */
  item(done: number, total: number, label: string): void
  /** Clears the redrawn line before the final output. */
  end(): void
}

export function createProgress(write: (text: string) => void, tty: boolean): Progress {
  if (!tty) {
    return {
      phase: (text) => write(`lexgen: ${text}\n`),
      item: (done, total, label) => write(`lexgen: [${done}/${total}] ${label}\n`),
      end: () => {},
    }
  }
  let shown = false
  const draw = (text: string) => {
    write(`\r\x1b[2K${text}`)
    shown = true
  }
  return {
    phase: (text) => draw(`lexgen: ${text}…`),
    item: (done, total, label) => draw(`lexgen: fetching ${done} of ${total}: ${label}`),
    end: () => {
      if (shown) write('\r\x1b[2K')
      shown = false
    },
  }
}
