import { execFileSync } from 'node:child_process'

/** Builds both packages' dist/ once so tests that spawn the real `lexgen` binary run the current sources. */
export default function setup(): void {
  for (const pkg of ['runtime', 'codegen']) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `${pkg}/tsconfig.build.json`], { stdio: 'inherit' })
  }
}
