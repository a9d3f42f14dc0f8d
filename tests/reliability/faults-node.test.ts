/** The fault matrix (support/fault-matrix.ts) over the default Node transport, node:http with its shared Agent. */
import { defineFaultMatrix } from './support/fault-matrix.js'

defineFaultMatrix('node')
