// `node bench/workers/cpu.js <script> [args…]` runs a Node program as if started directly and, at exit,
// writes the process's CPU time (user + system, ms) as the last line of stderr: `cpu-ms <n>`.
// Wall time on a shared machine includes waiting for a core; CPU time mostly does not.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const [script, ...args] = process.argv.slice(2)
process.argv = [process.argv[0], resolve(script), ...args]
process.on('exit', () => {
  const { user, system } = process.cpuUsage()
  process.stderr.write(`\ncpu-ms ${(user + system) / 1000}\n`)
})
await import(pathToFileURL(resolve(script)).href)
