/** The one way test servers bind: 127.0.0.1, a free port, nothing reachable from outside. */
import type { Server } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'

/** Binds `server` to 127.0.0.1 on a free port; resolves to the port. */
export function listen(server: Server | NetServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/** Closes a server, dropping idle keep-alive connections so `close` does not wait for them. */
export function closeServer(server: Server | HttpsServer): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}

/** A URL whose port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<string> {
  const probe = createNetServer()
  const port = await listen(probe)
  await new Promise((resolve) => probe.close(resolve))
  return `http://127.0.0.1:${port}`
}
