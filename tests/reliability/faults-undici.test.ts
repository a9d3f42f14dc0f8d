/** The fault matrix (support/fault-matrix.ts) over undici, the transport of a caller-supplied dispatcher: a fresh undici Agent per cell. */
import { Agent } from 'undici'
import { defineFaultMatrix } from './support/fault-matrix.js'

defineFaultMatrix('undici', async () => new Agent({ keepAliveTimeout: 10_000 }))
