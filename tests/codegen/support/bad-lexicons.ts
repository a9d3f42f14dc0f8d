/**
 * Lexicon folders that must fail, each with the one message it must fail with: shared by the
 * tests of those messages (invalid.test.ts) and the test that the worker-thread check reports
 * them exactly as the in-thread one (lexicon-check-thread.test.ts).
 */
export const query = (id: string, main: object = {}) => ({
  lexicon: 1,
  id,
  defs: { main: { type: 'query', output: { encoding: 'application/json', schema: { type: 'object', properties: {} } }, ...main } },
})
export const VALID = { 'com/example/ok.json': query('com.example.ok') }

export const BAD_INPUT: { name: string; docs: Record<string, unknown>; args?: string[]; message: string }[] = [
  {
    name: 'a file that is not JSON',
    docs: { ...VALID, 'com/example/broken.json': '{\n  "lexicon": 1,\n  "id": "com.example.broken",,\n}' },
    message: 'com/example/broken.json: not valid JSON (Expected double-quoted property name at line 3, column 30)',
  },
  {
    // V8 names no position for an unexpected token, and quotes the text around it, line breaks and all.
    name: 'a file with a bare word where a value goes (a save in the middle of typing)',
    docs: { ...VALID, 'com/example/typing.json': '{\n  "lexicon": 1,\n  "id": "com.example.typing",\n  "defs": { "main": { "type": string } }\n}' },
    message: "com/example/typing.json: not valid JSON (Unexpected token 's' at line 4, column 31)",
  },
  {
    // What an editor set to Latin-1 saves: read as UTF-8, \xe9 would become U+FFFD in the generated code.
    name: 'a file that is not UTF-8',
    docs: { ...VALID, 'com/example/latin1.json': Buffer.from('{\n  "lexicon": 1,\n  "id": "com.example.latin1",\n  "description": "caf\xe9",\n  "defs": {}\n}', 'latin1') },
    message: 'com/example/latin1.json: not UTF-8 text (byte 0xe9 at line 4, column 22): save the file as UTF-8',
  },
  {
    name: 'a param type @atproto/lexicon rejects',
    docs: { 'com/example/bad.json': query('com.example.bad', { parameters: { type: 'params', properties: { q: { type: 'object' } } } }) },
    message:
      "com/example/bad.json at defs.main.parameters.properties.q.type: Expected 'array' | 'boolean' | 'integer' | 'string' | 'unknown', got 'object'",
  },
  {
    name: 'a type with a typo (what is there, and the type it is closest to)',
    docs: { 'com/example/typo.json': query('com.example.typo', { parameters: { type: 'params', properties: { q: { type: 'strin' } } } }) },
    message:
      "com/example/typo.json at defs.main.parameters.properties.q.type: Expected 'array' | 'boolean' | 'integer' | 'string' | 'unknown', got 'strin' (did you mean 'string'?)",
  },
  {
    // @atproto/lexicon refuses it for the whole def, with a list that leaves out permission-set.
    name: 'a def type with a capital letter',
    docs: { 'com/example/cap.json': { lexicon: 1, id: 'com.example.cap', defs: { main: { type: 'Object', properties: {} } } } },
    message:
      "com/example/cap.json at defs.main.type: Expected 'record' | 'permission-set' | 'query' | 'procedure' | 'subscription' | 'blob' | 'array' | 'token' | 'object' | 'boolean' | 'integer' | 'string' | 'bytes' | 'cid-link' | 'unknown', got 'Object' (did you mean 'object'?)",
  },
  {
    // Its `type` picks the object branch of the body's union: the problem is there, not that the
    // other branches ('ref', 'union') want another type.
    name: 'a body schema whose `required` is not a list',
    docs: { 'com/example/req.json': query('com.example.req', { output: { encoding: 'application/json', schema: { type: 'object', required: 'text', properties: { text: { type: 'string' } } } } }) },
    message: 'com/example/req.json at defs.main.output.schema.required: Expected array, received string',
  },
  {
    name: "JSON Schema's name for a format (`date-time`), which the Lexicon spec spells `datetime`",
    docs: { 'com/example/format.json': query('com.example.format', { parameters: { type: 'params', properties: { since: { type: 'string', format: 'date-time' } } } }) },
    message:
      "com/example/format.json at defs.main.parameters.properties.since.format: Expected 'datetime' | 'uri' | 'at-uri' | 'did' | 'handle' | 'at-identifier' | 'nsid' | 'cid' | 'language' | 'tid' | 'record-key', got 'date-time' (did you mean 'datetime'?)",
  },
  {
    name: 'an id that is not an NSID',
    docs: { 'bad.json': { lexicon: 1, id: 'not an nsid', defs: { main: { type: 'token' } } } },
    message: 'bad.json at id: Must be a valid NSID',
  },
  {
    name: 'an unsupported lexicon version',
    docs: { 'com/example/v2.json': { ...query('com.example.v2'), lexicon: 2 } },
    message: 'com/example/v2.json at lexicon: Expected 1, got 2',
  },
  {
    name: 'a reference to a doc that does not exist',
    docs: {
      'com/example/ref.json': query('com.example.ref', {
        output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.example.missing#thing' } },
      }),
    },
    message:
      "com/example/ref.json at defs.main.output.schema.ref: reference 'com.example.missing#thing' names lexicon 'com.example.missing', which is not in the lexicon directory",
  },
  {
    // The slips a hand-written ref makes: a local def without its `#`, a def or an NSID a typo away.
    name: 'references a typo away from what exists',
    docs: {
      ...VALID,
      'com/example/defs.json': { lexicon: 1, id: 'com.example.defs', defs: { thing: { type: 'object', properties: {} } } },
      'com/example/slips.json': {
        lexicon: 1,
        id: 'com.example.slips',
        defs: {
          main: { type: 'object', properties: { a: { type: 'ref', ref: 'view' }, b: { type: 'ref', ref: '#veiw' }, c: { type: 'ref', ref: 'com.example.def#thing' } } },
          view: { type: 'object', properties: {} },
        },
      },
    },
    message: [
      '3 problems in 1 lexicon file:',
      "  com/example/slips.json at defs.main.properties.a.ref: reference 'view' names lexicon 'view', which is not in the lexicon directory (did you mean '#view'?)",
      "  com/example/slips.json at defs.main.properties.b.ref: reference '#veiw' names def 'veiw', which 'com.example.slips' does not define (did you mean '#view'?)",
      "  com/example/slips.json at defs.main.properties.c.ref: reference 'com.example.def#thing' names lexicon 'com.example.def', which is not in the lexicon directory (did you mean 'com.example.defs#thing'?)",
    ].join('\n'),
  },
  {
    name: 'a reference to a def that does not exist',
    docs: {
      ...VALID,
      'com/example/ref.json': query('com.example.ref', {
        output: { encoding: 'application/json', schema: { type: 'ref', ref: 'com.example.ok#nope' } },
      }),
    },
    message: "com/example/ref.json at defs.main.output.schema.ref: reference 'com.example.ok#nope' names def 'nope', which 'com.example.ok' does not define",
  },
  {
    name: 'a union member that is not an object',
    docs: {
      'com/example/union.json': {
        lexicon: 1,
        id: 'com.example.union',
        defs: {
          main: { type: 'object', properties: { u: { type: 'union', refs: ['#tok'] } } },
          tok: { type: 'token' },
        },
      },
    },
    message: "com/example/union.json at defs.main.properties.u.refs[0]: reference '#tok' names a token def, which cannot be a union member",
  },
  {
    // Valid to @atproto/lexicon, but every value would have to hold another: no call can be made.
    name: 'a def that must hold itself, in a method input',
    docs: {
      'com/example/loop.json': {
        lexicon: 1,
        id: 'com.example.loop',
        defs: {
          main: {
            type: 'procedure',
            input: { encoding: 'application/json', schema: { type: 'object', required: ['node'], properties: { node: { type: 'ref', ref: '#node' } } } },
          },
          node: { type: 'object', required: ['next'], properties: { next: { type: 'union', refs: ['#node'] } } },
        },
      },
    },
    message:
      'com/example/loop.json at defs.node: com.example.loop#node has no finite value: every way through its required fields leads back to it, so no example (and no call) can be made',
  },
  {
    name: 'a duplicate NSID',
    docs: { ...VALID, 'com/example/copy.json': query('com.example.ok') },
    message: "com/example/ok.json at id: duplicate lexicon id 'com.example.ok' (already defined in com/example/copy.json)",
  },
  {
    name: 'an --include that matches nothing',
    docs: VALID,
    args: ['--include', 'chat.bsky.*', '--exclude', 'x.*'],
    message: "no lexicon matches include 'chat.bsky.*' after exclude 'x.*'",
  },
  {
    name: 'a lexicon directory without lexicons',
    docs: { 'README.md': 'nothing here' },
    message: '<lexicons>: no lexicon files (*.json) found',
  },
  {
    name: 'a constraint of the wrong type',
    docs: {
      'com/example/obj.json': {
        lexicon: 1,
        id: 'com.example.obj',
        defs: { main: { type: 'object', properties: { text: { type: 'string', maxLength: 'ten' } } } },
      },
    },
    message: 'com/example/obj.json at defs.main.properties.text.maxLength: Expected number, received string',
  },
]


export const object = (id: string, properties: object = { text: { type: 'string' } }) => ({ lexicon: 1, id, defs: { main: { type: 'object', properties } } })
/** A query returning `output` as its JSON body schema. */
export const returning = (id: string, output: object) => query(id, { output: { encoding: 'application/json', schema: output } })

/** Several bad docs in one selection (problems.test.ts lists what each must say). */
export const SEVERAL_BAD = {
  'com/example/a.json': returning('com.example.a', { type: 'ref', ref: 'com.example.b' }),
  // Two problems in one def: both are listed.
  'com/example/b.json': object('com.example.b', { n: { type: 'integer', minimum: 'zero' }, at: { type: 'string', format: 'date-time' } }),
  'com/example/c.json': '{ "lexicon": 1,',
  'com/example/d.json': { lexicon: 1, id: 'com.example.d', defs: { main: { type: 'object', properties: {} }, extra: { type: 'query' } } },
  'com/example/e.json': returning('com.example.e', { type: 'ref', ref: 'com.example.missing#x' }),
  // Two problems in one body schema (a branch of the body's union): both are listed.
  'com/example/f.json': returning('com.example.f', { type: 'object', required: 'at', properties: { at: { type: 'string', format: 'date-time' } } }),
}

/** Bad docs beside a good selection, `pub.layers.corpus.*` (problems.test.ts: warnings, unless --strict). */
export const BAD_OUTSIDE = {
  'pub/layers/corpus/text.json': object('pub.layers.corpus.text', { ref: { type: 'ref', ref: 'pub.layers.defs#span' } }),
  'pub/layers/defs.json': { lexicon: 1, id: 'pub.layers.defs', defs: { span: { type: 'object', properties: { start: { type: 'integer' } } } } },
  'pub/layers/broken.json': '{ not json',
  'pub/layers/other.json': object('pub.layers.other', { n: { type: 'integer', maximum: 'ten' } }),
  'pub/layers/noid.json': { lexicon: 1, defs: {} },
}
