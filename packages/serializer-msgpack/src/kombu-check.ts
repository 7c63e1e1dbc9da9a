/**
 * Decides, before anything is decoded, whether kombu's reader (`msgpack.unpackb(raw=False)`)
 * would read these bytes as plain data, and refuses them with a `DecodeError` otherwise.
 *
 * msgpackr is a fast reader, but a lenient one: it decodes ext types (its own records,
 * structured clone, timestamps) into objects Python never sends, reads invalid UTF-8 as
 * replacement characters, turns an int map key into a string and renames a `__proto__` key.
 * Python refuses or keeps each of these, so a value read here must too. The walk is iterative,
 * reads only the headers (and checks string bytes), allocates nothing per item, and stops at
 * the first byte past the input, so hostile lengths cost nothing.
 */
import { isUtf8 } from 'node:buffer';
import { DecodeError, MAX_NESTING_DEPTH, nestingTooDeepMessage } from '@resultkit/core';

export interface CheckResult {
  /** Some map has a `__proto__` key, which msgpackr would rename: the caller reads it another way. */
  protoKey: boolean;
}

// "__proto__" as bytes, compared without building a string.
const PROTO = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f];

// Per open container: items still to read, and whether it is a map (keys at odd counts).
// Shared by every call (a check never runs inside another), so small values allocate nothing.
const remaining = new Float64Array(MAX_NESTING_DEPTH + 1);
const isMap = new Uint8Array(MAX_NESTING_DEPTH + 1);

/** Strings at least this long are validated by Node's native UTF-8 check; shorter ones here. */
const NATIVE_UTF8_CHECK = 256;

/** Throws `DecodeError` unless `data` is one msgpack value that kombu reads as plain data. */
export function checkKombuMsgpack(data: Uint8Array): CheckResult {
  const end = data.length;
  let depth = 0;
  isMap[0] = 0;
  remaining[0] = 1;
  let pos = 0;
  let protoKey = false;

  for (;;) {
    if (remaining[depth] === 0) {
      if (depth === 0) break;
      depth--;
      continue;
    }
    const left = remaining[depth]! - 1;
    remaining[depth] = left;
    // A map counts 2 per entry, so its keys are at odd counts (& keeps the parity of any count).
    const isKey = isMap[depth] === 1 && (left & 1) === 1;
    if (pos >= end) throw truncated();
    const token = data[pos++]!;

    // Fast paths for what documents are mostly made of: short strings, small ints, nil, floats.
    if (token >= 0xa0 && token < 0xc0) {
      const stop = pos + (token & 0x1f);
      if (stop > end) throw truncated();
      let at = pos;
      while (at < stop && data[at]! < 0x80) at++;
      if (at < stop && !isValidUtf8(data, at, stop - at)) throw invalidUtf8(pos);
      if (isKey && stop - pos === 9 && isProto(data, pos)) protoKey = true;
      pos = stop;
      continue;
    }
    if (!isKey) {
      if (token < 0x80 || token >= 0xe0 || token === 0xc0 || token === 0xc2 || token === 0xc3) continue;
      if (token === 0xcb) {
        pos += 8;
        if (pos > end) throw truncated();
        continue;
      }
    }

    let length = -1; // the string or bin payload that follows, if any
    let items = -1; // the array or map entries that follow, if any
    let map = false;
    let isString = false;

    if (token < 0x80 || token >= 0xe0) {
      // positive or negative fixint
    } else if (token < 0x90) {
      items = token & 0x0f;
      map = true;
    } else if (token < 0xa0) {
      items = token & 0x0f;
    } else if (token < 0xc0) {
      length = token & 0x1f;
      isString = true;
    } else {
      switch (token) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          break;
        case 0xc4:
        case 0xd9:
          need(pos, 1, end);
          length = data[pos]!;
          pos += 1;
          isString = token === 0xd9;
          break;
        case 0xc5:
        case 0xda:
          need(pos, 2, end);
          length = uint16(data, pos);
          pos += 2;
          isString = token === 0xda;
          break;
        case 0xc6:
        case 0xdb:
          need(pos, 4, end);
          length = uint32(data, pos);
          pos += 4;
          isString = token === 0xdb;
          break;
        case 0xca:
          pos += 4;
          break;
        case 0xcb:
          pos += 8;
          break;
        case 0xcc:
        case 0xd0:
          pos += 1;
          break;
        case 0xcd:
        case 0xd1:
          pos += 2;
          break;
        case 0xce:
        case 0xd2:
          pos += 4;
          break;
        case 0xcf:
        case 0xd3:
          pos += 8;
          break;
        case 0xdc:
        case 0xde:
          need(pos, 2, end);
          items = uint16(data, pos);
          pos += 2;
          map = token === 0xde;
          break;
        case 0xdd:
        case 0xdf:
          need(pos, 4, end);
          items = uint32(data, pos);
          pos += 4;
          map = token === 0xdf;
          break;
        case 0xc1:
          throw new DecodeError(`Byte 0xc1 at offset ${pos - 1} is never used by msgpack: these bytes are not msgpack.`);
        default:
          // 0xc7-0xc9 and 0xd4-0xd8: ext types.
          throw new DecodeError(
            `The msgpack value holds an ext type (type code ${extTypeCode(data, pos - 1, token)}) at offset ${pos - 1}. ` +
              "kombu's msgpack never writes one (Python's packb has no ext types for data), so it is refused rather than decoded.",
          );
      }
    }

    if (isKey && !isString) {
      throw new DecodeError(
        `A msgpack map has a key that is not a str (${describeToken(token)}) at offset ${pos - 1}. kombu's reader ` +
          '(msgpack.unpackb, strict_map_key) refuses any key but str and bytes, and a JavaScript object has string keys only.',
      );
    }
    if (length >= 0) {
      if (length > end - pos) throw truncated();
      if (isString) {
        if (!isValidUtf8(data, pos, length)) throw invalidUtf8(pos);
        if (isKey && length === 9 && isProto(data, pos)) protoKey = true;
      }
      pos += length;
    } else if (items > 0) {
      // Every item takes at least one byte: a count beyond the bytes left is a truncation.
      if (items > end - pos) throw truncated();
      if (++depth > MAX_NESTING_DEPTH) throw new DecodeError(nestingTooDeepMessage('The msgpack value'));
      remaining[depth] = map ? 2 * items : items;
      isMap[depth] = map ? 1 : 0;
    }
    if (pos > end) throw truncated();
  }
  if (pos !== end) {
    throw new DecodeError(`${end - pos} bytes follow the msgpack value; kombu's reader refuses them too (ExtraData).`);
  }
  return { protoKey };
}

function need(pos: number, bytes: number, end: number): void {
  if (pos + bytes > end) throw truncated();
}

function invalidUtf8(at: number): DecodeError {
  return new DecodeError(`A msgpack str at offset ${at} is not valid UTF-8; kombu's reader (raw=False) refuses it too.`);
}

function truncated(): DecodeError {
  return new DecodeError('The msgpack value is truncated: it ends before its last item does.');
}

const uint16 = (data: Uint8Array, at: number): number => (data[at]! << 8) | data[at + 1]!;
const uint32 = (data: Uint8Array, at: number): number => data[at]! * 0x100_0000 + ((data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!);

/**
 * Long strings go to Node's native validator; short ones are checked here, since the call and
 * the subarray cost more than the check. Both are as strict as Python's decoder: no overlong
 * forms, no encoded surrogates, nothing above U+10FFFF.
 */
function isValidUtf8(data: Uint8Array, start: number, length: number): boolean {
  const stop = start + length;
  if (length >= NATIVE_UTF8_CHECK) return isUtf8(data.subarray(start, stop));
  let i = start;
  // Most text is ASCII: skip it in a tight loop first.
  while (i < stop && data[i]! < 0x80) i++;
  while (i < stop) {
    const b = data[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b < 0xc2) return false; // a continuation byte, or an overlong 2-byte lead
    if (b < 0xe0) {
      if (i + 1 >= stop || (data[i + 1]! & 0xc0) !== 0x80) return false;
      i += 2;
      continue;
    }
    if (b < 0xf0) {
      if (i + 2 >= stop) return false;
      const b1 = data[i + 1]!;
      if ((b1 & 0xc0) !== 0x80 || (data[i + 2]! & 0xc0) !== 0x80) return false;
      if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0)) return false; // overlong, or a surrogate
      i += 3;
      continue;
    }
    if (b > 0xf4 || i + 3 >= stop) return false;
    const b1 = data[i + 1]!;
    if ((b1 & 0xc0) !== 0x80 || (data[i + 2]! & 0xc0) !== 0x80 || (data[i + 3]! & 0xc0) !== 0x80) return false;
    if ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90)) return false; // overlong, or above U+10FFFF
    i += 4;
  }
  return true;
}

function isProto(data: Uint8Array, at: number): boolean {
  for (let i = 0; i < 9; i++) if (data[at + i] !== PROTO[i]) return false;
  return true;
}

function extTypeCode(data: Uint8Array, at: number, token: number): string {
  // fixext: the type follows the token; ext 8/16/32: it follows the length.
  const offset = token >= 0xd4 ? 1 : token === 0xc7 ? 2 : token === 0xc8 ? 3 : 5;
  const type = data[at + offset];
  return type === undefined ? 'missing' : String(type > 127 ? type - 256 : type);
}

function describeToken(token: number): string {
  if (token < 0x80 || token >= 0xe0 || (token >= 0xcc && token <= 0xd3 && token !== 0xca && token !== 0xcb)) return 'an int';
  if (token === 0xca || token === 0xcb) return 'a float';
  if (token === 0xc0) return 'nil';
  if (token === 0xc2 || token === 0xc3) return 'a bool';
  if (token >= 0xc4 && token <= 0xc6) return 'bytes';
  if ((token >= 0x90 && token < 0xa0) || token === 0xdc || token === 0xdd) return 'a list';
  return 'a map';
}
