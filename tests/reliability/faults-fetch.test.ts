/** The fault matrix (support/fault-matrix.ts) over the fetch transport (the browser build) on Node's fetch. */
import { vi } from 'vitest'
import { defineFaultMatrix } from './support/fault-matrix.js'

vi.mock('#transport', () => import('../../runtime/transport/fetch.js'))

defineFaultMatrix('fetch')
