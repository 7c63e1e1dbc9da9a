import type { CarriedKind } from './options.js';

/** Values every format carries: JSON's data model, empty and nested. */
export const plainValues: ReadonlyArray<readonly [string, unknown]> = [
  ['null', null],
  ['the empty string', ''],
  ['the empty list', []],
  ['the empty dict', {}],
  ['booleans', [true, false]],
  ['integers and floats', [0, -1, 42, 2 ** 53 - 1, -(2 ** 53 - 1), 0.1, -2.5, 1e300, 5e-324]],
  ['unicode text: accents, CJK, emoji, NUL and controls', { 'ключ': 'héllo wörld — 你好 — 😀🚀', nul: 'a\u0000b\u001f\u007f' }],
  ['nested containers', { list: [[], [{}], [1, [2, [3]]]], dict: { a: { b: { c: null } } } }],
];

/** One value per kind a format may not carry, with a description for the test title. */
export const kindValues: Record<CarriedKind, { title: string; value: unknown }> = {
  bytes: { title: 'bytes (Uint8Array)', value: { empty: new Uint8Array(0), octets: new Uint8Array([0, 1, 0x7f, 0x80, 0xfe, 0xff]) } },
  bigint: { title: 'integers beyond 2^53 (BigInt)', value: { big: 2n ** 64n + 1n, negative: -(10n ** 30n) } },
  dates: { title: 'dates (Date)', value: { at: new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 123)) } },
  loneSurrogates: { title: 'lone surrogates in text', value: { high: 'a\ud800b', low: '\udfff', reversed: '\udc00\ud800' } },
};

/** A text of `size` UTF-16 units, not one repeated byte (so a compressor has some work). */
export function largeText(size: number): string {
  const chunk = 'resultkit-0123456789-ÄÖÜ-';
  return chunk.repeat(Math.ceil(size / chunk.length)).slice(0, size);
}
