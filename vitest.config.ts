import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Resolve `@lexgen/runtime` and `#transport` to the TypeScript sources, as tsconfig does
  // (vitest runs tests in vite's server-side environment, which has its own conditions).
  resolve: { conditions: ['lexgen-source'] },
  ssr: { resolve: { conditions: ['lexgen-source'] } },
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
