import type { Model } from '../../model.js'
import type { ExampleValues } from '../examples/values.js'
import type { Fields } from './fields.js'
import type { Site } from './site.js'

/** What every page writer shares. */
export interface DocsContext {
  readonly model: Model
  readonly site: Site
  readonly fields: Fields
  readonly values: ExampleValues
  /** What examples import the client from, e.g. `./generated/index.js`. */
  readonly clientImport: string
  /** The command that regenerates the client and these docs, e.g. `npx lexgen generate`. */
  readonly regenerate: string
  /** The file that exports everything, as the output holds it: `index.ts`, `index.mts`, or `index.js` with `--emit js`. */
  readonly indexFile: string
}

/** Link keys of the index page's sections. */
export const INDEX_SECTIONS = {
  install: 'index:install',
  client: 'index:client',
  sessions: 'index:sessions',
  proxying: 'index:proxying',
  options: 'index:options',
  pagination: 'index:pagination',
  retries: 'index:retries',
  hooks: 'index:hooks',
  validation: 'index:validation',
  errors: 'index:errors',
  namespaces: 'index:namespaces',
  models: 'index:models',
} as const
