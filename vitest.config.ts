import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// In this repo `@lexgen/runtime` is its TypeScript sources (as tsconfig's `paths` says), and the
// runtime's own `#transport` import resolves to sources through the `lexgen-source` condition of
// runtime/package.json. Vitest runs tests in vite's server-side environment, which has its own
// conditions, so both are set here too.
const runtimeSource = (file: string) => fileURLToPath(new URL(`./runtime/${file}`, import.meta.url))

export default defineConfig({
  resolve: {
    conditions: ['lexgen-source'],
    alias: [
      { find: /^@lexgen\/runtime$/, replacement: runtimeSource('index.ts') },
      { find: /^@lexgen\/runtime\/validate$/, replacement: runtimeSource('validate.ts') },
    ],
  },
  ssr: { resolve: { conditions: ['lexgen-source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    // Hang guards only: no test judges speed (docs/RELIABILITY.md). Under two busy loops on two
    // cores the longest single tests take ~15-25 s; a guard close to that would fail a busy machine.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
})
