// The part of bundle.js the tests use (tests/packaging/tree-shaking.test.ts).
import type { BuildResult } from 'esbuild'

/** One entry of bench/entries bundled for the browser, minified, in memory, with its metafile. */
export function buildBrowserBundle(name: string, serviceUrl: string, options?: { fromSources?: boolean }): Promise<BuildResult<{ write: false; metafile: true }>>
