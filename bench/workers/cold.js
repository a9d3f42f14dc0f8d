// One cold start (argv: kind, service): import the client, make the first getConvo, print
// { importMs, callMs, importedAt, doneAt, ok } and exit. importedAt/doneAt are absolute
// (performance.timeOrigin-based) so the parent can measure from the moment it spawned us. They
// are taken in-process because Node's exit after any undici/fetch request costs another ~100 ms
// (V8 finishing the optimizing compile of undici's llhttp WebAssembly), for every client alike.
const now = () => performance.timeOrigin + performance.now()
const started = performance.now()
const { loaders } = await import('./clients.js')
const [kind, service] = process.argv.slice(2)
const call = await loaders[kind](service)
const imported = performance.now()
const importedAt = now()
const ok = await call()
const done = performance.now()
const doneAt = now()
process.stdout.write(JSON.stringify({ importMs: imported - started, callMs: done - imported, importedAt, doneAt, ok }))
process.exit(0)
