/** The fault matrix (support/fault-matrix.ts) over the fetch transport (the browser build) on Node's fetch. */
import { vi } from 'vitest'
import { defineFaultMatrix } from './support/fault-matrix.js'

// The runtime's `#transport` resolves to the node:http module in Node: swap in the browser build's.
vi.mock('../../runtime/transport/node.ts', () => import('../../runtime/transport/fetch.js'))

defineFaultMatrix('fetch')
