#!/usr/bin/env node
// Bytes each module contributes to a one-call browser bundle (minified, before gzip); ours is
// bundled from the runtime's sources, since its dist/ is itself bundled into a few files.
// Usage: node bench/diagnose/bundle-split.js [ours|atproto-api|atproto-lex|atcute]
import { buildBrowserBundle } from '../suites/bundle.js'

const name = process.argv[2] ?? 'ours'
const built = await buildBrowserBundle(name, 'https://pds.example.com', { fromSources: true })
const inputs = Object.values(built.metafile.outputs)[0].inputs
const rows = Object.entries(inputs).filter(([, v]) => v.bytesInOutput > 0).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
console.log(`| module | bytes (minified) |\n| --- | --- |`)
for (const [path, v] of rows.slice(0, 40)) console.log(`| ${path} | ${v.bytesInOutput} |`)
console.log(`| total (${rows.length} modules) | ${rows.reduce((n, [, v]) => n + v.bytesInOutput, 0)} |`)
