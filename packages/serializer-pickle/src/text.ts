import { DecodeError } from '@resultkit/core';

import { shortAscii } from './short-text-cache.js';

/**
 * Text codecs with Python's exact rules. Python pickles `str` as UTF-8 with the `surrogatepass`
 * error handler, so a lone surrogate (legal in both Python and JavaScript strings) survives a
 * round trip; WHATWG's TextEncoder/TextDecoder would turn it into U+FFFD. The fast paths use
 * them anyway and fall back to the hand-written loops only when a lone surrogate is involved.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** UTF-8 (with `surrogatepass`) to a string; invalid input is a `DecodeError`. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  return decodeUtf8Range(bytes, 0, bytes.length, what, undefined);
}

/** Strings up to this many bytes are read in place first, one character at a time. */
const SHORT_TEXT = 64;

/**
 * `data[start..end)` as UTF-8 (with `surrogatepass`). Most pickled strings are short, for which
 * a typed-array view and a call into TextDecoder cost more than the string itself, so those are
 * read in place: ASCII, and the two- and three-byte sequences of accented and most other
 * letters. Anything else in them (four-byte sequences, invalid bytes) is left to the decoders
 * below, which say what is wrong. `what` (and `at`, an offset, when given) only
 * name the text in the error message, which is built only when there is an error.
 */
export function decodeUtf8Range(data: Uint8Array, start: number, end: number, what: string, at: number | undefined): string {
  const cached = shortAscii(data, start, end);
  if (cached !== undefined) return cached;
  if (end - start <= SHORT_TEXT) {
    const text = shortUtf8(data, start, end);
    if (text !== undefined) return text;
  }
  const bytes = start === 0 && end === data.length ? data : data.subarray(start, end);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return decodeUtf8Slow(bytes, at === undefined ? what : `${what} at offset ${at}`);
  }
}

/** `data[start..end)` when it holds only one- to three-byte sequences of UTF-8 (with `surrogatepass`). */
function shortUtf8(data: Uint8Array, start: number, end: number): string | undefined {
  let out = '';
  for (let i = start; i < end; i++) {
    const c = data[i] as number;
    if (c < 0x80) {
      out += String.fromCharCode(c);
    } else if (c >= 0xc2 && c < 0xe0 && i + 1 < end) {
      const c1 = data[++i] as number;
      if ((c1 & 0xc0) !== 0x80) return undefined;
      out += String.fromCharCode(((c & 0x1f) << 6) | (c1 & 0x3f));
    } else if (c >= 0xe0 && c < 0xf0 && i + 2 < end) {
      const c1 = data[i + 1] as number;
      const c2 = data[i + 2] as number;
      if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) return undefined;
      const cp = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      // Overlong forms are invalid. A surrogate (surrogatepass) is the code unit it encodes.
      if (cp < 0x800) return undefined;
      out += String.fromCharCode(cp);
      i += 2;
    } else {
      return undefined;
    }
  }
  return out;
}

// The slow path exists for one case only: a surrogate code point encoded on its own (ED A0..BF xx),
// which strict UTF-8 rejects and Python's surrogatepass accepts.
function decodeUtf8Slow(bytes: Uint8Array, what: string): string {
  const units: number[] = [];
  let out = '';
  const fail = (i: number): never => {
    throw new DecodeError(`Corrupt pickle: ${what} is not valid UTF-8 (byte ${i} of ${bytes.length}).`);
  };
  const cont = (i: number): number => {
    const b = bytes[i];
    if (b === undefined || (b & 0xc0) !== 0x80) fail(i);
    return (b as number) & 0x3f;
  };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    let cp: number;
    if (b < 0x80) {
      cp = b;
      i += 1;
    } else if (b >= 0xc2 && b < 0xe0) {
      cp = ((b & 0x1f) << 6) | cont(i + 1);
      i += 2;
    } else if (b >= 0xe0 && b < 0xf0) {
      cp = ((b & 0x0f) << 12) | (cont(i + 1) << 6) | cont(i + 2);
      if (cp < 0x800) fail(i);
      i += 3;
    } else if (b >= 0xf0 && b < 0xf5) {
      cp = ((b & 0x07) << 18) | (cont(i + 1) << 12) | (cont(i + 2) << 6) | cont(i + 3);
      if (cp < 0x10000 || cp > 0x10ffff) fail(i);
      i += 4;
    } else {
      return fail(i);
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length >= 8192) {
      out += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode(...units);
}

/** True when every character of `text` is ASCII (so its UTF-8 is one byte per character). */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** A string as UTF-8 with `surrogatepass`, as Python's pickler writes it. */
export function encodeUtf8(text: string): Uint8Array {
  if (!LONE_SURROGATE.test(text)) return utf8Encoder.encode(text);
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

/**
 * Bytes as ISO-8859-1 text (one character per byte). Not TextDecoder('latin1'): the WHATWG
 * encoding of that name is windows-1252, which maps 0x80..0x9F differently.
 */
export function decodeLatin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

/** ISO-8859-1 text back to bytes; undefined when a character is above U+00FF. */
export function encodeLatin1(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

/**
 * Python's `raw-unicode-escape` decoding (the UNICODE opcode of protocol 0): bytes are Latin-1
 * characters, except `\uXXXX` and `\UXXXXXXXX` after an odd number of backslashes.
 */
export function decodeRawUnicodeEscape(bytes: Uint8Array, what: string): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b !== 0x5c) {
      out += String.fromCharCode(b);
      i++;
      continue;
    }
    let run = 0;
    while (bytes[i + run] === 0x5c) run++;
    const marker = bytes[i + run];
    if (run % 2 === 1 && (marker === 0x75 || marker === 0x55)) {
      // Everything but the last backslash is literal; the last one starts the escape.
      out += '\\'.repeat(run - 1);
      const digits = marker === 0x75 ? 4 : 8;
      const hex = decodeLatin1(bytes.subarray(i + run + 1, i + run + 1 + digits));
      if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) {
        throw new DecodeError(`Corrupt pickle: ${what} has a truncated \\${String.fromCharCode(marker)} escape.`);
      }
      const cp = Number.parseInt(hex, 16);
      if (cp > 0x10ffff) throw new DecodeError(`Corrupt pickle: ${what} escapes a code point above U+10FFFF.`);
      out += String.fromCodePoint(cp);
      i += run + 1 + digits;
    } else {
      out += '\\'.repeat(run);
      i += run;
    }
  }
  return out;
}

const SIMPLE_ESCAPES: Record<number, number> = {
  0x5c: 0x5c, // \\
  0x27: 0x27, // \'
  0x22: 0x22, // \"
  0x61: 0x07, // \a
  0x62: 0x08, // \b
  0x66: 0x0c, // \f
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
  0x76: 0x0b, // \v
};

/**
 * The argument of the STRING opcode: a quoted Python 2 byte-string literal, decoded with
 * Python's `escape_decode` rules (`\n`, `\xhh`, octal, line continuations; unknown escapes stay
 * as written).
 */
export function decodeQuotedString(line: Uint8Array, what: string): Uint8Array {
  const quote = line[0];
  if (line.length < 2 || (quote !== 0x27 && quote !== 0x22) || line[line.length - 1] !== quote) {
    throw new DecodeError(`Corrupt pickle: the argument of ${what} must be a quoted string.`);
  }
  const body = line.subarray(1, line.length - 1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i] as number;
    if (b !== 0x5c) {
      out.push(b);
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) throw new DecodeError(`Corrupt pickle: ${what} ends with a lone backslash.`);
    i++;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out.push(simple);
    } else if (next === 0x0a) {
      // A backslash-newline is a line continuation and produces nothing.
    } else if (next === 0x78) {
      const hex = decodeLatin1(body.subarray(i + 1, i + 3));
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new DecodeError(`Corrupt pickle: ${what} has an invalid \\x escape.`);
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (next >= 0x30 && next <= 0x37) {
      let value = next - 0x30;
      for (let k = 0; k < 2 && (body[i + 1] ?? 0) >= 0x30 && (body[i + 1] ?? 0) <= 0x37; k++) {
        value = value * 8 + ((body[++i] as number) - 0x30);
      }
      out.push(value & 0xff);
    } else {
      out.push(0x5c, next);
    }
  }
  return Uint8Array.from(out);
}
