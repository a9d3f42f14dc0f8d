import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // Resolve `lexgen/runtime` and `#transport` to the TypeScript sources, as tsconfig does.
    conditions: ['lexgen-source'],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
