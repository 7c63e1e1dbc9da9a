/**
 * Builds pickles by hand, for opcodes and shapes that no pickler writes (protocol 0/1 text,
 * Python 2 strings, hostile lengths, attack payloads). Strings are taken as Latin-1 bytes, so
 * `pk('cos\nsystem\n')` is the GLOBAL opcode and its two lines, byte for byte.
 */
export type Part = number | string | Uint8Array | readonly number[];

export function pk(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') out.push(part);
    else if (typeof part === 'string') for (let i = 0; i < part.length; i++) out.push(part.charCodeAt(i) & 0xff);
    else for (const byte of part) out.push(byte); // not push(...part): parts can be megabytes
  }
  return Uint8Array.from(out);
}

export const u16 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff];
export const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
export const u64 = (n: number | bigint): number[] => {
  const big = BigInt(n);
  return Array.from({ length: 8 }, (_, i) => Number((big >> BigInt(8 * i)) & 0xffn));
};

/** SHORT_BINUNICODE of an ASCII string (protocol 4). */
export const su = (text: string): number[] => [0x8c, text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
/** BINUNICODE of an ASCII string (protocol 1+). */
export const bu = (text: string): number[] => [0x58, ...u32(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
/** UTF-8 bytes of any string. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const unhex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
