/**
 * Pickle opcodes, named as in CPython's `pickletools` documentation, for protocols 0 to 5.
 * The reader and the writer share this table so a byte means the same thing on both sides.
 */
export const Op = {
  // Framing and control (PROTO: 2, FRAME: 4).
  PROTO: 0x80,
  FRAME: 0x95,
  STOP: 0x2e, // '.'
  MARK: 0x28, // '('
  POP: 0x30, // '0'
  POP_MARK: 0x31, // '1'
  DUP: 0x32, // '2'

  // Memo.
  PUT: 0x70, // 'p' decimal index + '\n'
  BINPUT: 0x71, // 'q' u8
  LONG_BINPUT: 0x72, // 'r' u32
  MEMOIZE: 0x94,
  GET: 0x67, // 'g' decimal index + '\n'
  BINGET: 0x68, // 'h' u8
  LONG_BINGET: 0x6a, // 'j' u32

  // Singletons.
  NONE: 0x4e, // 'N'
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,

  // Integers.
  INT: 0x49, // 'I' decimal + '\n' ('00'/'01' are False/True)
  BININT: 0x4a, // 'J' i32
  BININT1: 0x4b, // 'K' u8
  BININT2: 0x4d, // 'M' u16
  LONG: 0x4c, // 'L' decimal + optional 'L' + '\n'
  LONG1: 0x8a, // u8 length + little-endian two's complement
  LONG4: 0x8b, // i32 length + little-endian two's complement

  // Floats.
  FLOAT: 0x46, // 'F' repr + '\n'
  BINFLOAT: 0x47, // 'G' f64 big-endian

  // Python 2 `str` (bytes that Python 3 decodes as text).
  STRING: 0x53, // 'S' quoted repr + '\n'
  BINSTRING: 0x54, // 'T' i32 length
  SHORT_BINSTRING: 0x55, // 'U' u8 length

  // Text.
  UNICODE: 0x56, // 'V' raw-unicode-escape + '\n'
  BINUNICODE: 0x58, // 'X' u32 length, UTF-8
  SHORT_BINUNICODE: 0x8c, // u8 length, UTF-8
  BINUNICODE8: 0x8d, // u64 length, UTF-8

  // Bytes.
  BINBYTES: 0x42, // 'B' u32 length
  SHORT_BINBYTES: 0x43, // 'C' u8 length
  BINBYTES8: 0x8e, // u64 length
  BYTEARRAY8: 0x96, // u64 length

  // Lists.
  EMPTY_LIST: 0x5d, // ']'
  APPEND: 0x61, // 'a'
  APPENDS: 0x65, // 'e'
  LIST: 0x6c, // 'l'

  // Tuples.
  EMPTY_TUPLE: 0x29, // ')'
  TUPLE: 0x74, // 't'
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,

  // Dicts.
  EMPTY_DICT: 0x7d, // '}'
  DICT: 0x64, // 'd'
  SETITEM: 0x73, // 's'
  SETITEMS: 0x75, // 'u'

  // Sets.
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,

  // Globals and object construction: the opcodes that run code in Python, and only build data here.
  GLOBAL: 0x63, // 'c' module + '\n' + name + '\n'
  STACK_GLOBAL: 0x93,
  REDUCE: 0x52, // 'R'
  BUILD: 0x62, // 'b'
  INST: 0x69, // 'i' module + '\n' + name + '\n'
  OBJ: 0x6f, // 'o'
  NEWOBJ: 0x81,
  NEWOBJ_EX: 0x92,

  // Refused: they need state outside the pickle (persistent ids, the extension registry, buffers).
  PERSID: 0x50, // 'P'
  BINPERSID: 0x51, // 'Q'
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

/** The highest protocol this package reads and writes (Python 3.8+). */
export const HIGHEST_PROTOCOL = 5;
