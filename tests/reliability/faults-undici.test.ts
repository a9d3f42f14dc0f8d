/** The fault matrix (support/fault-matrix.ts) over the Node transport, a fresh undici Agent per cell. */
import { Agent } from 'undici'
import { defineFaultMatrix } from './support/fault-matrix.js'

defineFaultMatrix('undici', async () => new Agent({ keepAliveTimeout: 10_000 }))
