#!/usr/bin/env node
// Bytes each module contributes to a one-call browser bundle (minified, before gzip).
// Usage: node bench/diagnose/bundle-split.js [ours|atproto-api|atproto-lex|atcute]
import { join } from 'node:path'
import * as esbuild from 'esbuild'
import { root } from '../lib/util.js'

const name = process.argv[2] ?? 'ours'
const built = await esbuild.build({
  entryPoints: [join(root, 'bench/entries', `${name}.js`)],
  bundle: true,
  minify: true,
  platform: 'browser',
  format: 'esm',
  write: false,
  metafile: true,
  logLevel: 'error',
  define: { __SERVICE__: '"https://pds.example.com"', __TOKEN__: '"token"', __CONVO__: '"convo"' },
})
const inputs = Object.values(built.metafile.outputs)[0].inputs
const rows = Object.entries(inputs).filter(([, v]) => v.bytesInOutput > 0).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
console.log(`| module | bytes (minified) |\n| --- | --- |`)
for (const [path, v] of rows.slice(0, 40)) console.log(`| ${path} | ${v.bytesInOutput} |`)
console.log(`| total (${rows.length} modules) | ${rows.reduce((n, [, v]) => n + v.bytesInOutput, 0)} |`)
