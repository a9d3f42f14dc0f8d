/** The arguments of a generated method function, shared by the function, the client method and the examples. */
import type { LexXrpcBody, LexXrpcProcedure, LexXrpcQuery } from '@atproto/lexicon'
import type { DocModel } from '../model.js'

export const JSON_ENCODING = 'application/json'

/** One argument of a generated method function, after `core`. */
export interface MethodArg {
  readonly name: 'params' | 'input'
  readonly type: string
  readonly optional: boolean
}

/**
 * The arguments a method takes, in order: queries take params; procedures take
 * the input body, then params if the lexicon has both. An argument is optional
 * when nothing in it (or after it) is required.
 */
export function methodArgs(doc: DocModel): MethodArg[] {
  const main = doc.doc.defs.main as LexXrpcQuery | LexXrpcProcedure
  const args: { name: 'params' | 'input'; type: string; required: boolean }[] = []
  if (main.type === 'procedure' && main.input) {
    const json = main.input.encoding === JSON_ENCODING
    args.push({ name: 'input', type: json ? 'Input' : 'BinaryInput', required: !json || bodyRequired(main.input) })
  }
  if (main.parameters && Object.keys(main.parameters.properties ?? {}).length) {
    args.push({ name: 'params', type: 'Params', required: (main.parameters.required ?? []).length > 0 })
  }
  let laterRequired = false
  return args
    .reverse()
    .map((arg) => {
      laterRequired ||= arg.required
      return { name: arg.name, type: arg.type, optional: !laterRequired }
    })
    .reverse()
}

function bodyRequired(body: LexXrpcBody): boolean {
  const schema = body.schema
  return !schema || schema.type !== 'object' || (schema.required ?? []).length > 0
}
