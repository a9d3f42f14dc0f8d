const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000 }
const out = {}
for (const m of process.argv.slice(2)) { const t = cpu(); await import(m); out[m.replace(/.*\//, '')] = Math.round(cpu() - t) }
console.log(JSON.stringify(out))
