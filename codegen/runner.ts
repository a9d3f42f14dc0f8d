/**
 * The package manager that started lexgen, from the user agent each one passes to what it runs
 * (`npm_config_user_agent`: `pnpm/12.4.2 npm/? node/? linux x64`, `yarn/4.18.1 …`, `bun/1.4.5 …`),
 * and the commands to print for it. `npx lexgen` works under npm, pnpm, bun and Yarn's
 * node-modules linker, which all link node_modules/.bin/lexgen; under Yarn Plug'n'Play there is no
 * node_modules, so npx fetches a `lexgen` from the registry instead of running the project's (and
 * in CI it does so without asking). `npm i` in a pnpm, Yarn or bun project adds a second lockfile.
 *
 * Only what lexgen prints to the terminal follows the package manager: generated modules and docs
 * are committed and checked byte for byte, so they never depend on who ran the generator.
 */
export interface Runner {
  /** Runs the project's installed lexgen binary: `npx lexgen`. */
  readonly lexgen: string
  /** Adds a dependency: `npm i`. */
  readonly add: string
  /** Adds a devDependency: `npm i -D`. */
  readonly addDev: string
}

const NPM: Runner = { lexgen: 'npx lexgen', add: 'npm i', addDev: 'npm i -D' }

// A Map: the name comes from the environment, and `constructor/1` must not find Object's.
const RUNNERS = new Map<string, Runner>([
  ['npm', NPM],
  ['pnpm', { lexgen: 'pnpm exec lexgen', add: 'pnpm add', addDev: 'pnpm add -D' }],
  ['yarn', { lexgen: 'yarn lexgen', add: 'yarn add', addDev: 'yarn add -D' }],
  ['bun', { lexgen: 'bunx lexgen', add: 'bun add', addDev: 'bun add -d' }],
])

/** npm's commands unless another package manager started this process. */
export function runner(env: NodeJS.ProcessEnv = process.env): Runner {
  const name = /^([a-z]+)\//.exec(env.npm_config_user_agent ?? '')?.[1]
  return (name !== undefined && RUNNERS.get(name)) || NPM
}
