import { DecodeError } from '@resultkit/core';

/**
 * The content size a Zstandard frame header declares (RFC 8878, section 3.1.1.1), or null when
 * the frame leaves it out. Read before anything is decompressed: it decides how much memory the
 * output gets, and whether the value passes the size limit at all.
 */
export function declaredContentSize(data: Uint8Array): number | null {
  if (data.length < 6 || data[0] !== 0x28 || data[1] !== 0xb5 || data[2] !== 0x2f || data[3] !== 0xfd) {
    throw new DecodeError('The value is not a Zstandard frame (it does not start with the zstd magic number).');
  }
  const descriptor = data[4]!;
  if (descriptor & 0x08) throw new DecodeError('The Zstandard frame header sets a reserved bit.');
  const singleSegment = (descriptor >> 5) & 1;
  const contentSizeFlag = descriptor >> 6;
  // Magic (4), descriptor (1), the window descriptor unless single-segment, then the dictionary id.
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 0x03]!;
  const width = contentSizeFlag === 0 ? singleSegment : 1 << contentSizeFlag;
  if (width === 0) return null;
  if (data.length < at + width) throw new DecodeError('The Zstandard frame header is truncated.');
  let size = 0;
  for (let i = width - 1; i >= 0; i--) size = size * 256 + data[at + i]!;
  // The 2-byte form is stored minus 256.
  return width === 2 ? size + 256 : size;
}
