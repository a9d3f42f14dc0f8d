import { execFileSync } from 'node:child_process'

/** Builds both packages' dist/ once, as `npm run build` does, so tests that spawn the real `lexgen` binary or load the built runtime run the current sources. */
export default function setup(): void {
  for (const pkg of ['runtime', 'codegen']) execFileSync(process.execPath, ['tools/build.js', pkg], { stdio: 'inherit' })
}
