/**
 * Hand-picked strings for every lexicon string format: ordinary valid ones, tricky valid ones
 * (edge lengths, odd but allowed characters, reference quirks) and tricky invalid ones. The
 * verdicts are not written down here: the tests ask @atproto/lexicon, so a sample is useful
 * whichever way it falls.
 */

const CID_V1_CBOR = 'bafyreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe'
const CID_V1_RAW = 'bafkreiadsbmmn4waznesyuz3bjgrj33xzqhxrk6mz3ksq7meugrachh3qe'
const CID_V0 = 'QmNaZbPKs9E11qawNuEs7mSW7KXQ7TQ6Y2X2ovcvE1sUJk'

export const CIDS = [CID_V1_CBOR, CID_V1_RAW, CID_V0] as const

const digest = (n: number) => Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff)

/** CID byte layouts around the decoder's rules, written out in base32. */
const CID_LAYOUTS: number[][] = [
  [0x01, 0x71, 0x12, 0x20, ...digest(32)], // v1 dag-cbor sha2-256
  [0x01, 0xa9, 0x02, 0x12, 0x20, ...digest(32)], // a two-byte codec varint (dag-json)
  [0x01, 0xf1, 0x00, 0x12, 0x20, ...digest(32)], // a non-minimal codec varint
  [0x01, 0x71, 0x00, 0x00], // identity multihash, empty digest
  [0x00, 0x12, 0x20, ...digest(32)], // version 0 spelled out
  [0x12, 0x20, ...digest(32)], // a bare multihash: CIDv0, here in base32
  [0x12, 0x05, ...digest(5)], // CIDv0 with a short digest
  [0x02, 0x71, 0x12, 0x20, ...digest(32)], // version 2
  [0x01, 0x71, 0x12, 0x20, ...digest(31)], // digest one byte short
  [0x01, 0x71, 0x12, 0x20, ...digest(33)], // one byte left over
  [0x01, 0x80], // a varint that runs off the end
  [0x01, 0x71, 0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, ...digest(8)], // an absurd digest length
  [],
]

/** RFC 4648 base32, lower case, unpadded, with the multibase prefix `b`. */
function base32(bytes: readonly number[]): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let out = 'b'
  let bits = 0
  let buffer = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += alphabet[(buffer >> bits) & 31]
    }
  }
  return bits ? out + alphabet[(buffer << (5 - bits)) & 31] : out
}

/** Valid, and commonly seen: what generated values use. */
export const VALID: Readonly<Record<string, readonly string[]>> = {
  did: ['did:plc:ewvi7nxzyoun6zhxrhs64oiz', 'did:web:example.com'],
  handle: ['alice.bsky.social', 'bob.example.com'],
  'at-identifier': ['did:plc:ewvi7nxzyoun6zhxrhs64oiz', 'alice.bsky.social'],
  'at-uri': ['at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3jzfcijpj2z2a', 'at://alice.bsky.social'],
  nsid: ['app.bsky.feed.post', 'chat.bsky.convo.sendMessage'],
  cid: [...CIDS],
  datetime: ['2024-01-15T10:30:00.000Z', '1985-04-12T23:20:50.52Z'],
  uri: ['https://example.com/a?b=c#d', 'mailto:alice@example.com'],
  language: ['en', 'pt-BR'],
  tid: ['3jzfcijpj2z2a', '3kznmn7xqxl22'],
  'record-key': ['self', '3jzfcijpj2z2a'],
}

/** Edge cases on both sides of each format's rules; the reference decides which side each is on. */
export const TRICKY: Readonly<Record<string, readonly string[]>> = {
  did: [
    'did:method:val:two', 'did:m:v', 'did:web:localhost%3A1234', 'did:plc:a.b_c-d', 'did:key:zQ3shunBKsXixLxKtC5qGs',
    `did:plc:${'a'.repeat(2040)}`, `did:plc:${'a'.repeat(2041)}`,
    'did:plc:', 'did:plc:abc:', 'did:plc:abc%', 'did::abc', 'did:PLC:abc', 'did:pl1:abc', 'DID:plc:abc', 'did:plc',
    'did:plc:ab c', 'did:plc:ab/c', 'did:plc:ab#c', 'did:plc:ab?c', 'did:plc:abç', 'did', '', ' did:plc:abc',
  ],
  handle: [
    'a.co', '4chan.org', 'xn--ls8h.test', 'a-b.c-d.example', 'UPPER.CASE', 'sub.sub.sub.example.com', 'x.y', 'john.test',
    `${'a'.repeat(63)}.com`, `${'a'.repeat(64)}.com`, `${'a.'.repeat(125)}com`, `${'a.'.repeat(126)}com`,
    'localhost', 'a.1com', 'a.com.', '.a.com', 'a..com', '-a.com', 'a-.com', 'a.com-', 'a_b.com', 'aé.com', 'a b.com',
    'handle.invalid', 'alice.local', 'alice.onion', '',
  ],
  'at-identifier': ['did:plc:ewvi7nxzyoun6zhxrhs64oiz', 'a.co', 'did:plc:', 'did:x', 'alice', 'did.example.com', 'did:', ''],
  'at-uri': [
    'at://did:plc:abc', 'at://did:plc:abc/app.bsky.feed.post', 'at://did:plc:abc/app.bsky.feed.post/3jzfcijpj2z2a',
    'at://alice.bsky.social/app.bsky.feed.post/self', 'at://did:plc:abc/', 'at://did:plc:abc/app.bsky.feed.post/', 
    'at://did:plc:abc?q=1', 'at://did:plc:abc#/frag', 'at://did:plc:abc/app.bsky.feed.post/rkey#/a/b', 'at://did:plc:abc#frag',
    'at://did:plc:abc#', 'at://did:plc:abc/app.bsky.feed.post/a/b', 'at://did:plc:abc//app.bsky.feed.post',
    'at://did:plc:abc/not-an-nsid', 'at://did:plc:abc/app.bsky.feed.post/..', 'at://did:plc:abc/app.bsky.feed.post/r%20k',
    'at://did:plc:abc/app.bsky.feed.post/r k', 'at://', 'at:///', 'at://bad_authority', 'https://did:plc:abc',
    'at://did:plc:abc/app.bsky.feed.post/rkey#/%ZZ', 'at://did:plc:abc/app.bsky.feed.post/é', `at://did:plc:${'a'.repeat(8180)}`,
  ],
  nsid: [
    'com.example.fooBar', 'a.b.c', 'a.b.c1', 'com.exa-mple.foo', 'com.example.Foo', 'a1.b.c', `a.b.${'c'.repeat(63)}`,
    `a.b.${'c'.repeat(64)}`, 'a.b', 'a.b.1c', 'a.b.c-d', '1a.b.c', 'a..b.c', 'a.b.c.', '.a.b.c', 'a.-b.c', 'a.b-.c',
    'com.example.foo_bar', 'com.example.*', 'com.example.fooé', 'a.b.c ', '',
  ],
  cid: [
    ...CIDS, `${CID_V1_CBOR.slice(0, -1)}a`, CID_V1_CBOR.slice(0, -1), `${CID_V1_CBOR}a`, `${CID_V1_CBOR}==`,
    CID_V1_CBOR.toUpperCase(), `B${CID_V1_CBOR.slice(1)}`, `z${CID_V0}`, CID_V0.slice(0, -1), `${CID_V0}1`, `f${'0'.repeat(70)}`,
    'b', 'z', 'Q', 'bafy', 'zQm', 'QmNaZbPKs9E11qawNuEs7mSW7KXQ7TQ6Y2X2ovcvE1sUJ0', 'Qm NaZb', 'bciqa', 'bagaaaa',
    ...CID_LAYOUTS.map(base32),
    '', ' bafy', 'bafyrei\u00e9', 'Qm\u0101\u0102\u0103',
  ],
  datetime: [
    '2024-01-15T10:30:00Z', '2024-01-15T10:30:00.123456789Z', '2024-01-15T10:30:00+00:00', '2024-01-15T10:30:00-05:00',
    '2024-01-15T10:30:00+14:00', '2024-01-15T10:30:00-12:00', '2024-01-15T10:30:00+23:59', '2024-01-15T10:30:00-00:00',
    '2024-01-15T10:30:00', '2024-01-15T10:30Z', '2024-01-15T24:00:00Z', '2024-01-15T23:59:60Z', '2024-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z',
    '2024-04-31T00:00:00Z', '2024-13-01T00:00:00Z', '2024-00-10T00:00:00Z', '2024-01-15t10:30:00Z', '2024-01-15 10:30:00Z',
    '2024-01-15T10:30:00.Z', '2024-01-15T10:30:00.1234567890Z', '2024-01-15T10:30:00,123Z', '2024-01-15T10:30:00z',
    '2024-01-15T10:30:00ZZ', '2024-01-15T10:30:00+0530', '2024-01-15T10:30:00+05', '20240115T103000Z', '2024.01.15T10:30:00Z',
    '2024/01/15T10.30.00Z', '2024-01-15T10:30:00Z extra', '2024-01-15T10:30:00ZT99', '2024-01-15T10:30:00.1x3Z',
    '2024*01*15T10:30:00Z', '2024-01-15T10*30*00Z', '2024-01-15T10(30(00Z', '2024-01-15', 'T10:30:00Z', '+002024-01-15T10:30:00Z',
    '2024-01-15T10:30:00+05:30:00', '2024-01-15T10:30:00-05:45', '2024-01-15T10:30:00+05:45', '',
  ],
  uri: [
    'https://example.com', 'http://a', 'at://did:plc:abc/app.bsky.feed.post/1', 'dns:example.com', 'a:b', 'ftp://x/y z',
    'https://', 'https:// example.com', 'https:/example.com', 'example.com', '://example.com', 'https:example.com',
    'h_t-tp://example.com', 'https://exa mple.com', 'https://example.com/\u00e9', 'urn:isbn:0451450523', '',
  ],
  language: [
    'en', 'en-US', 'zh-Hant-TW', 'i-klingon', 'x-private', 'de-CH-1901', 'sgn-BE-FR', 'en-a-bbb-x-a-ccc', 'ja-Latn-JP-hepburn',
    'e', 'english', 'en-', 'en_US', 'en--US', '12', 'en-US-u', 'x-', 'abcdefghi', '',
  ],
  tid: [
    '3jzfcijpj2z2a', '2222222222222', 'jzzzzzzzzzzzz', 'kzzzzzzzzzzzz', '3jzfcijpj2z2', '3jzfcijpj2z2aa', '3JZFCIJPJ2Z2A',
    '3jzfcijpj2z2@', '1jzfcijpj2z2a', '',
  ],
  'record-key': [
    'self', 'a', 'a:b~c_d.e-f', 'pre.fix', '...', 'a'.repeat(512), 'a'.repeat(513), '.', '..', 'a/b', 'a b', 'a#b', 'a?b',
    'a%20b', 'é', '',
  ],
}
