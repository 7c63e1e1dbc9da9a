import {
  Codec,
  CodecRegistry,
  ContentDisallowedError,
  createBackend,
  DecodeError,
  EncodeError,
  json,
  PyDate,
  PyDecimal,
  PyUUID,
  RemoteTaskError,
  states,
} from '@resultkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { yaml } from '../src/index.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const read = (text: string): unknown => yaml.decode(utf8(text));
const write = (value: unknown): string => Buffer.from(yaml.encode(value)).toString('latin1');

describe('what a Celery 5.2 worker stores with result_serializer="yaml"', () => {
  // The Redis capture of the wire-format spec (§6.1), completed.
  const stored = "children: null\ndate_done: '2026-11-23T19:38:53.971539'\nresult:\n  a:\n  - 1\n  - 2\nstatus: SUCCESS\ntask_id: s1\ntraceback: null\n";

  it('reads it, and writes the same document back byte for byte', () => {
    const doc = read(stored);
    expect(doc).toEqual({ children: null, date_done: '2026-11-23T19:38:53.971539', result: { a: [1, 2] }, status: 'SUCCESS', task_id: 's1', traceback: null });
    expect(write(doc)).toBe(stored);
  });

  it('sorts keys as safe_dump does, whatever their order in the object', () => {
    expect(write({ task_id: 's1', status: 'SUCCESS', result: 1 })).toBe('result: 1\nstatus: SUCCESS\ntask_id: s1\n');
  });

  it('reads PyYAML timestamps: a datetime as a Date (naive ones as UTC), a date as a PyDate', () => {
    expect(read('a: 2026-01-02 03:04:05\nb: 2026-01-02T03:04:05.5+01:00\nc: 2026-01-02\n')).toEqual({
      a: new Date('2026-01-02T03:04:05Z'),
      b: new Date('2026-01-02T02:04:05.500Z'),
      c: new PyDate('2026-01-02'),
    });
    expect(write({ at: new Date('2026-01-02T03:04:05.678Z') })).toBe('at: 2026-01-02 03:04:05.678000+00:00\n');
  });

  it('reads and writes timestamps in the years 1 to 99 in their own year, the offset applied after the year', () => {
    expect(read('a: 0050-03-04 05:06:07.891\nb: 0050-01-01 00:30:00+01:00\nc: 0001-01-01T00:00:00Z\n')).toEqual({
      a: new Date('0050-03-04T05:06:07.891Z'),
      b: new Date('0049-12-31T23:30:00Z'),
      c: new Date('0001-01-01T00:00:00Z'),
    });
    expect(write({ at: new Date('0050-03-04T05:06:07.891Z') })).toBe('at: 0050-03-04 05:06:07.891000+00:00\n');
  });

  it("resolves plain scalars with PyYAML's YAML 1.1 rules, not YAML 1.2's", () => {
    expect(read('[yes, No, on, 1e3, 010, 0o7, 0x1F, "1:30", 1:30, 1_000, .5, ~, 12345678901234567890]')).toEqual([
      true,
      false,
      true,
      '1e3',
      8,
      '0o7',
      31,
      '1:30',
      90,
      1000,
      0.5,
      null,
      12345678901234567890n,
    ]);
  });

  it('reads !!binary as a Uint8Array and writes a Uint8Array as !!binary', () => {
    expect(read('b: !!binary |\n  AAH+/w==\n')).toEqual({ b: Uint8Array.of(0, 1, 0xfe, 0xff) });
    expect(write({ b: Uint8Array.of(0, 1, 0xfe, 0xff) })).toBe('b: !!binary |\n  AAH+/w==\n');
  });
});

describe('safe YAML only: tags that name code, and unknown tags, are a DecodeError', () => {
  it.each([
    ['!!python/object/apply:os.system ["echo pwned"]'],
    ['!!python/object:__main__.Evil {}'],
    ['!!python/name:os.system'],
    ['!!python/tuple [1, 2]'],
    ['!!python/bytes AAH+'],
    ['a: !!python/object/new:subprocess.Popen [["ls"]]'],
    ['!custom value'],
    ['!<tag:example.com,2026:thing> 1'],
  ])('%s', (text) => {
    expect(() => read(text)).toThrow(DecodeError);
    expect(() => read(text)).toThrow(/tag/);
  });
});

describe('bad input is a DecodeError', () => {
  it.each([
    ['an unclosed flow sequence', 'a: [1, 2'],
    ['an unclosed quote', 'a: "abc'],
    ['a bad indentation', 'a:\n  b: 1\n c: 2'],
    ['two documents (safe_load reads one)', 'a: 1\n---\nb: 2\n'],
    ['a tab as indentation', 'a:\n\tb: 1'],
    ['an undefined alias', 'a: *nowhere'],
  ])('%s', (_name, text) => {
    expect(() => read(text)).toThrow(DecodeError);
  });

  it('an alias before its anchor says so, and wraps no ReferenceError (what a crash of the reader would be)', () => {
    for (const text of ['a: *nowhere', '- *a\n- &a 1\n']) {
      const error = (() => {
        try {
          read(text);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as Error).message).toMatch(/alias refers to an anchor/);
      expect((error as Error).cause).not.toBeInstanceOf(ReferenceError);
    }
  });

  it('bytes that are not UTF-8', () => {
    expect(() => yaml.decode(Uint8Array.of(0x61, 0x3a, 0x20, 0xff))).toThrow(/UTF-8/);
  });

  it('a document that expands aliases exponentially (billion laughs)', () => {
    const lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
    for (let i = 1; i < 9; i++) lines.push(`${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(', ')}]`);
    expect(() => read(lines.join('\n'))).toThrow(DecodeError);
  });

  it('any truncation of a valid document is a value or a DecodeError, never another error', () => {
    const valid = write({ status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['bad', 42] }, traceback: 'Traceback\n  line', at: new Date(0) });
    fc.assert(
      fc.property(fc.nat({ max: valid.length }), fc.integer({ min: 0, max: 127 }), (cut, byte) => {
        const text = valid.slice(0, cut) + String.fromCharCode(byte) + valid.slice(cut + 1);
        try {
          read(text);
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a "__proto__" key as an own property', () => {
    const value = read('__proto__: 1\na: 2\n') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
  });
});

describe("values safe_dump cannot write are refused with EncodeError", () => {
  it.each([
    ['a PyDecimal', new PyDecimal('1.5')],
    ['a PyUUID', new PyUUID('12345678123456781234567812345678')],
    ['a Map', new Map()],
    ['a Set', new Set()],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a class instance', new (class Point {})()],
  ])('%s', (_name, value) => {
    expect(() => yaml.encode({ value })).toThrow(EncodeError);
  });

  it('a cycle (it nests deeper than the shared limit)', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(() => yaml.encode(cyclic)).toThrow(/nested more than/);
  });
});

describe('inside core', () => {
  it('works in a Codec, which enforces accept by content type', () => {
    const registry = new CodecRegistry({ serializers: [yaml, json] });
    const codec = new Codec({ registry, serializer: 'yaml', accept: ['yaml'] });
    expect(codec.contentType).toBe('application/x-yaml');
    expect(codec.contentEncoding).toBe('utf-8');
    const bytes = codec.encode({ status: 'SUCCESS', result: [1, 2n ** 70n] });
    expect(codec.decode(bytes)).toEqual({ status: 'SUCCESS', result: [1, 2n ** 70n] });
    expect(() => codec.decode(utf8('!!python/name:os.system'))).toThrow(DecodeError);
    expect(() => new Codec({ registry, serializer: 'yaml', accept: ['json'] }).decode(bytes)).toThrow(ContentDisallowedError);
  });

  it('exports `serializer`, which createBackend imports for serializer: "yaml"', async () => {
    const mod = await import('../src/index.js');
    expect(mod.serializer).toBe(mod.yaml);
    const backend = await createBackend('memory://yaml-by-name', { serializer: 'yaml', accept: ['yaml'] });
    try {
      await backend.storeResult('t1', { at: new Date(Date.UTC(2026, 0, 2)), bytes: Uint8Array.of(1) }, states.SUCCESS);
      expect(await backend.asyncResult('t1').get({ timeout: 1000 })).toEqual({ at: new Date(Date.UTC(2026, 0, 2)), bytes: Uint8Array.of(1) });
      await backend.markAsFailure('t2', new RemoteTaskError({ excType: 'KeyError', excArgs: ['k'] }));
      await expect(backend.asyncResult('t2').get({ timeout: 1000 })).rejects.toMatchObject({ excType: 'KeyError', excArgs: ['k'] });
    } finally {
      await backend.close();
    }
  });
});
