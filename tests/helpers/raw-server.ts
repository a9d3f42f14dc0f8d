/**
 * A bare `node:http` server on 127.0.0.1 for the faults a well-behaved XRPC server never
 * produces: HTML error pages, malformed JSON, stalls, arbitrary statuses and headers.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { closeServer, listen } from './listen.js'

export interface RawServer {
  readonly url: string
  readonly requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[]
  /** TCP connections accepted so far: keep-alive reuse shows as fewer connections than requests. */
  readonly connections: number
  close(): Promise<void>
}

export type RawHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void

export async function startRawServer(handler: RawHandler): Promise<RawServer> {
  const requests: RawServer['requests'] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      handler(req, res, body)
    })
  })
  let connections = 0
  server.on('connection', () => connections++)
  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections
    },
    close: () => closeServer(server),
  }
}

/** Answers every request with one canned response. */
export function respond(status: number, body: string, headers: Record<string, string> = {}): RawHandler {
  return (_req, res) => {
    res.writeHead(status, headers)
    res.end(body)
  }
}

/** Sends headers and part of a body, then never finishes: for body-phase timeouts. */
export const stallMidBody: RawHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.write('{"convos":[')
}

/** Never answers at all: for header-phase timeouts and aborts. */
export const stall: RawHandler = () => {}

export const HTML_502 = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>'
