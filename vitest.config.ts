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
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
