/**
 * A node:http server on 127.0.0.1 that misbehaves on command and keeps the books a fault
 * test needs: every request it fully received (with its headers and the status it was
 * answered with), every socket it accepted, which sockets still owe a response, and how many
 * body bytes it wrote. A socket the client abandoned with a request in flight shows up as
 * `busySockets() > 0`: that is a leaked socket.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { listen } from '../../helpers/listen.js'

export interface ReceivedRequest {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** The status the server finished a response with; undefined while none was finished. */
  status?: number
}

/** `n` is the 0-based index of the request among all requests this server received. */
export type FaultHandler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void

export interface FaultServer {
  readonly url: string
  readonly requests: ReceivedRequest[]
  /** Sockets accepted so far. */
  readonly accepted: number
  /** Body bytes written by handlers (what `res.write`/`res.end` were given). */
  readonly bytesWritten: number
  /** Sockets still open. */
  openSockets(): number
  /** The most sockets open at once since the last reset. */
  readonly peakSockets: number
  /** Open sockets that received a request and have not finished answering it. */
  busySockets(): number
  /** Replaces the request handler. */
  handle(handler: FaultHandler): void
  /** Runs on every accepted socket before HTTP parsing, e.g. to reset it at once. */
  onConnection(hook: ((socket: Socket) => void) | undefined): void
  /** Forgets recorded requests and counters (sockets stay tracked). */
  reset(): void
  close(): Promise<void>
}

export async function startFaultServer(handler: FaultHandler = () => {}): Promise<FaultServer> {
  const requests: ReceivedRequest[] = []
  const open = new Set<Socket>()
  const inFlight = new Map<Socket, number>()
  let current = handler
  let connectionHook: ((socket: Socket) => void) | undefined
  let accepted = 0
  let bytesWritten = 0
  let peak = 0

  const server = createServer((req, res) => {
    const socket = req.socket
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1)
    let settled = false
    const settle = () => {
      if (settled) return
      settled = true
      inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1)
    }
    res.on('finish', settle)
    countWrites(res, (n) => (bytesWritten += n))
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('error', () => {})
    req.on('end', () => {
      const record: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }
      const n = requests.push(record) - 1
      res.on('finish', () => (record.status = res.statusCode))
      current(req, res, record.body, n)
    })
  })
  server.on('connection', (socket: Socket) => {
    accepted++
    open.add(socket)
    peak = Math.max(peak, open.size)
    socket.on('close', () => {
      open.delete(socket)
      inFlight.delete(socket)
    })
    // A reset from the client side is expected in these tests; never let it crash the process.
    socket.on('error', () => {})
    connectionHook?.(socket)
  })
  server.on('clientError', (_error, socket) => socket.destroy())
  // Long-stalled requests are the point of some tests: the server itself must not time them out.
  server.requestTimeout = 0
  server.headersTimeout = 0
  server.keepAliveTimeout = 30_000

  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get accepted() {
      return accepted
    },
    get bytesWritten() {
      return bytesWritten
    },
    get peakSockets() {
      return peak
    },
    openSockets: () => open.size,
    busySockets: () => [...open].filter((s) => (inFlight.get(s) ?? 0) > 0).length,
    handle: (next) => void (current = next),
    onConnection: (hook) => void (connectionHook = hook),
    reset: () => {
      requests.length = 0
      accepted = 0
      bytesWritten = 0
      peak = open.size
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
        for (const socket of open) socket.destroy()
      }),
  }
}

function countWrites(res: ServerResponse, add: (n: number) => void): void {
  const size = (chunk: unknown) => (typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk instanceof Uint8Array ? chunk.byteLength : 0)
  const write = res.write.bind(res) as (...args: unknown[]) => boolean
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    add(size(chunk))
    return write(chunk, ...rest)
  }) as ServerResponse['write']
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') add(size(chunk))
    return end(chunk, ...rest)
  }) as ServerResponse['end']
}
