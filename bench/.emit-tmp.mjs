const { loadLexiconFiles } = await import('../dist/codegen/load.js')
const { skimLexicons } = await import('../dist/codegen/parse.js')
const { selectDocs } = await import('../dist/codegen/select.js')
const { buildModel } = await import('../dist/codegen/model.js')
const { emit } = await import('../dist/codegen/emit.js')
const sel = selectDocs(skimLexicons(await loadLexiconFiles('lexicons')), { include: [process.argv[2]], exclude: [] })
for (let i = 0; i < 6; i++) {
  const t = performance.now()
  const files = emit(buildModel(sel.docs, { runtimeImport: 'lexgen/runtime', fileExt: '.ts' }))
  let size = 0; for (const v of files.values()) size += v.length
  console.log(`emit #${i}: ${(performance.now() - t).toFixed(1)} ms, ${(size / 1024).toFixed(0)} KB`)
}
