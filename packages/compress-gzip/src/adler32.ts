// fflate does not check the zlib trailer; Python's zlib.decompress does, and so do we, so a
// flipped bit in a stored value is an error rather than a silently different result.
const MOD = 65521;
// The largest run of bytes whose sums cannot overflow 2^53 before reducing (zlib uses 5552 for 32 bits).
const RUN = 5552;

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let at = 0; at < data.length; ) {
    const end = Math.min(at + RUN, data.length);
    for (; at < end; at++) {
      a += data[at]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return ((b << 16) | a) >>> 0;
}
