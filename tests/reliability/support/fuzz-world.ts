/**
 * What the response fuzzers share, set up before a test file's tests and torn down after them: a
 * real response body per convo method (recorded from the lexicon-validating peer), a fault server
 * that serves whatever a case asks, and the unhandled rejections seen meanwhile.
 */
import { afterAll, beforeAll } from 'vitest'
import { recordSamples } from '../../helpers/convo-calls.js'
import { startFaultServer, type FaultServer } from './fault-server.js'
import { trackUnhandledRejections } from './guards.js'

export interface FuzzWorld {
  readonly samples: Map<string, unknown>
  readonly server: FaultServer
  readonly rejections: { readonly seen: unknown[] }
}

export function fuzzWorld(): FuzzWorld {
  const rejections = trackUnhandledRejections()
  const world = { rejections } as { samples: Map<string, unknown>; server: FaultServer; rejections: typeof rejections }
  beforeAll(async () => {
    world.samples = await recordSamples()
    world.server = await startFaultServer()
  })
  afterAll(async () => {
    rejections.stop()
    await world.server?.close()
  })
  return world
}
