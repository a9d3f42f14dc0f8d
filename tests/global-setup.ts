import { execFileSync } from 'node:child_process'

/** Builds dist/ once so tests that spawn the real `lexgen` binary run the current sources. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
}
