import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson, parseJsonSlowPath } from '../src/codec/json/json-reader.js';
import { PyFloat } from '../src/codec/json/python-float.js';
import { stringifyPython } from '../src/codec/json/python-json-writer.js';

// Both paths must agree, so most expectations are checked against each.
const parsers = [
  ['parseJson', parseJson],
  ['parseJsonSlowPath', parseJsonSlowPath],
] as const;

describe('parseJson: standard JSON', () => {
  it.each(parsers)('%s reads what JSON.parse reads', (_, parse) => {
    const text =
      '{"status": "SUCCESS", "result": {"a": [1, -2, 3.5, -0.25, 1e3, 2E-3, 0, -0, true, false, null]}, ' +
      '"s": "tab\\there \\"q\\" \\\\ \\/ \\u00e9\\ud83d\\ude80 \\ud800", "empty": {}, "list": [], "nested": [[[{}]]]}';
    expect(parse(text)).toEqual(JSON.parse(text));
    expect(parse(' \t\r\n 42 \n')).toBe(42);
    expect(parse('"x"')).toBe('x');
    expect(parse('null')).toBeNull();
  });

  it.each(parsers)('%s keeps "__proto__" an own property, like JSON.parse', (_, parse) => {
    const value = parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(value['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each(parsers)('%s lets the last duplicate key win, like Python and JSON.parse', (_, parse) => {
    expect(parse('{"a": 1, "b": 2, "a": 3}')).toEqual({ a: 3, b: 2 });
  });
});

describe('parseJson: Python integers', () => {
  it.each(parsers)('%s returns integers beyond the safe range as bigint', (_, parse) => {
    expect(parse('9007199254740993')).toBe(2n ** 53n + 1n);
    expect(parse('9007199254740992')).toBe(2n ** 53n);
    expect(parse('-18446744073709551616')).toBe(-(2n ** 64n));
    expect(parse('[1000000000000000000000000000000]')).toEqual([10n ** 30n]);
    expect(parse('{"big": 123456789012345678901234567890, "n": 1}')).toEqual({
      big: 123456789012345678901234567890n,
      n: 1,
    });
  });

  it.each(parsers)('%s keeps safe integers as numbers, however they are written', (_, parse) => {
    expect(parse('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(parse('-9007199254740991')).toBe(Number.MIN_SAFE_INTEGER);
    expect(parse('123456789012345')).toBe(123456789012345);
    expect(parse('-0')).toBe(-0);
  });

  it.each(parsers)('%s reads floats as numbers, even with 16+ digits', (_, parse) => {
    expect(parse('[0.30000000000000004, 1.7976931348623157e+308, 5e-324, 1e+16, 12345678901234567.5]')).toEqual([
      0.30000000000000004, 1.7976931348623157e308, 5e-324, 1e16, Number('12345678901234567.5'),
    ]);
  });

  it('finds a long integer wherever it is in the text', () => {
    // The fast path looks for digits only at every 16th character: try every alignment.
    for (let pad = 0; pad < 40; pad++) {
      for (const token of ['9007199254740993', '-9007199254740993', '12345678901234567890123456789012345']) {
        const text = `{"${'p'.repeat(pad)}": [${token}]}`;
        expect(parseJson(text), text).toEqual({ ['p'.repeat(pad)]: [BigInt(token)] });
        expect(parseJson(`${' '.repeat(pad)}${token}`)).toBe(BigInt(token));
      }
    }
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.bigInt(), fc.double(), fc.string())), (values) => {
        const text = stringifyPython(values);
        expect(parseJson(text)).toEqual(parseJsonSlowPath(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves long digit runs inside strings alone', () => {
    expect(parseJson('{"id": "12345678901234567890", "n": 1}')).toEqual({ id: '12345678901234567890', n: 1 });
  });

  it.each(parsers)('%s refuses integers of more than 4,300 digits, as Python does', (_, parse) => {
    expect(parse(`-${'9'.repeat(4300)}`)).toBe(-(10n ** 4300n - 1n));
    expect(() => parse(`[${'9'.repeat(4301)}]`)).toThrow(RangeError);
    expect(() => parse(`[-${'9'.repeat(4301)}]`)).toThrow(/4300 digits at position 1/);
  });
});

describe('parseJson: NaN and Infinity', () => {
  it.each(parsers)('%s accepts the bare tokens Python writes', (_, parse) => {
    expect(parse('[NaN, Infinity, -Infinity]')).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(parse('{"x": NaN}')).toEqual({ x: Number.NaN });
    expect(parse('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
  });

  it('keeps "NaN" and "Infinity" inside strings as text', () => {
    expect(parseJson('["NaN", "-Infinity", NaN]')).toEqual(['NaN', '-Infinity', Number.NaN]);
  });
});

describe('parseJson: preserveFloats', () => {
  it('returns integral floats as PyFloat and every other number as before', () => {
    const value = parseJson('[3.0, -0.0, 1e+16, 2E3, 1.5, 3, 9007199254740993, NaN]', { preserveFloats: true });
    expect(value).toEqual([
      new PyFloat(3),
      new PyFloat(-0),
      new PyFloat(1e16),
      new PyFloat(2000),
      1.5,
      3,
      9007199254740993n,
      Number.NaN,
    ]);
    expect(Object.is((value as PyFloat[])[1]?.value, -0)).toBe(true);
  });
});

describe('parseJson: malformed input', () => {
  const malformed = [
    '',
    ' ',
    '[',
    '[1,',
    '[1 2]',
    '[1,]',
    '{"a" 1}',
    '{"a": 1,}',
    '{a: 1}',
    "{'a': 1}",
    '"abc',
    '"a\\x"',
    '"a\\u12"',
    '"tab\there"',
    '01',
    '-',
    '1.',
    '.5',
    '1e',
    '1e+',
    '+1',
    '0x10',
    'nul',
    'True',
    'nan',
    'Infinit',
    '-Inf',
    '[1] x',
    '{} {}',
    '\ufeff{}',
    '[NaN',
    '{"n": 9007199254740993',
    ']',
  ];

  it.each(parsers)('%s throws a SyntaxError naming a position', (_, parse) => {
    for (const text of malformed) {
      expect(() => parse(text), JSON.stringify(text)).toThrow(SyntaxError);
      expect(() => parse(text), JSON.stringify(text)).toThrow(/position \d+/);
    }
  });

  it('points at the offending character', () => {
    expect(() => parseJson('[1, 2 3]')).toThrow(/position 6/);
    expect(() => parseJson('{"n": 9007199254740993,, 1}')).toThrow(/position 23/);
    expect(() => parseJson('[1, 2')).toThrow(/Unexpected end of JSON input at position 5/);
  });

  it('throws on every truncation of a document, on either path', () => {
    for (const text of [
      '{"status": "SUCCESS", "result": [1, 2.5, "x\\n", {"k": null}], "big": 9007199254740993}',
      '{"status": "FAILURE", "result": {"exc_type": "ValueError", "exc_message": ["bad"]}, "traceback": null}',
    ]) {
      for (let end = 0; end < text.length; end++) {
        expect(() => parseJson(text.slice(0, end)), text.slice(0, end)).toThrow(SyntaxError);
      }
    }
  });

  it('refuses nesting deeper than maxDepth with a RangeError instead of overflowing the stack', () => {
    const deep = (depth: number, leaf: string) => '['.repeat(depth) + leaf + ']'.repeat(depth);
    expect(parseJsonSlowPath(deep(1_000, '1'))).toBeInstanceOf(Array);
    expect(() => parseJsonSlowPath(deep(1_001, '1'))).toThrow(RangeError);
    expect(() => parseJson(deep(100_000, 'NaN'))).toThrow(/deeper than 1000 levels/);
    expect(() => parseJson('{"a": {"b": [NaN]}}', { maxDepth: 2 })).toThrow(RangeError);
    expect(parseJson('{"a": {"b": NaN}}', { maxDepth: 2 })).toEqual({ a: { b: Number.NaN } });
  });

  it('takes linear time on hostile input', () => {
    const hostile = [
      '['.repeat(2_000_000),
      '"' + '\\\\'.repeat(1_000_000),
      '"' + 'a'.repeat(2_000_000),
      '[' + '1, '.repeat(1_000_000),
      '9'.repeat(2_000_000),
      '123456789012345.'.repeat(200_000),
      '{"a": '.repeat(300_000),
      '[' + '"NaN", '.repeat(300_000) + '9007199254740993]',
    ];
    const started = performance.now();
    for (const text of hostile) {
      try {
        parseJson(text);
      } catch (error) {
        expect(error).toSatisfy((e) => e instanceof SyntaxError || e instanceof RangeError);
      }
    }
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('parseJson: properties', () => {
  // The pieces JSON is made of, plus a few it must refuse, so that random texts are often nearly valid.
  const units = [
    ...'{}[]",:0123456789-+.eE trufalsnNIy\\/\n\t\u0001\u001f\u007f\u00e9'.split(''),
    '\\u00e9',
    '\\ud800',
    'NaN',
    'Infinity',
    '9007199254740993',
  ];
  const jsonish = fc.string({ unit: fc.constantFrom(...units), maxLength: 40 });
  // A valid document with one small edit: mostly still valid, or invalid in one interesting place.
  const edited = fc
    .tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.constantFrom(...units), fc.constantFrom('insert', 'replace', 'delete'))
    .map(([value, at, unit, edit]) => {
      const text = JSON.stringify(value);
      const i = at % (text.length + 1);
      const rest = text.slice(edit === 'insert' ? i : i + 1);
      return text.slice(0, i) + (edit === 'delete' ? '' : unit) + rest;
    });

  it('agrees with JSON.parse on standard JSON, on both paths', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
        const text = JSON.stringify(value);
        const native: unknown = JSON.parse(text);
        expectSameAsNative(parseJson(text), native);
        expectSameAsNative(parseJsonSlowPath(text), native);
      }),
    );
  });

  it('accepts and rejects what JSON.parse does, but for NaN and Infinity', () => {
    fc.assert(
      fc.property(fc.oneof(edited, jsonish, fc.string({ unit: 'binary', maxLength: 40 })), (text) => {
        let native: { value: unknown } | undefined;
        try {
          native = { value: JSON.parse(text) };
        } catch {
          native = undefined;
        }
        let ours: { value: unknown } | undefined;
        try {
          ours = { value: parseJsonSlowPath(text) };
        } catch (error) {
          expect(error).toBeInstanceOf(SyntaxError);
          ours = undefined;
        }
        if (native) {
          expect(ours, `rejected ${JSON.stringify(text)}`).toBeDefined();
          expectSameAsNative(ours?.value, native.value);
        } else if (ours) {
          expect(text, `accepted ${JSON.stringify(text)}`).toMatch(/NaN|Infinity/);
        }
      }),
      { numRuns: 10_000 },
    );
  });

  it('throws nothing but SyntaxError or RangeError on any text', () => {
    fc.assert(
      fc.property(fc.oneof(edited, jsonish, fc.string({ unit: 'binary' })), (text) => {
        for (const parse of [parseJson, parseJsonSlowPath]) {
          try {
            parse(text, { maxDepth: 4 });
          } catch (error) {
            expect(error instanceof SyntaxError || error instanceof RangeError).toBe(true);
          }
        }
      }),
      { numRuns: 5_000 },
    );
  });
});

/**
 * `ours` equals JSON.parse's result, except that where JSON.parse rounded a long integer to a
 * number, ours is the exact bigint (which rounds to the same number).
 */
function expectSameAsNative(ours: unknown, native: unknown): void {
  if (typeof ours === 'bigint') {
    expect(typeof native).toBe('number');
    expect(Number(ours)).toBe(native);
    expect(Number.isSafeInteger(native)).toBe(false);
  } else if (Array.isArray(ours) && Array.isArray(native)) {
    expect(ours.length).toBe(native.length);
    ours.forEach((item, i) => expectSameAsNative(item, native[i]));
  } else if (isRecord(ours) && isRecord(native)) {
    expect(Object.keys(ours)).toEqual(Object.keys(native));
    for (const key of Object.keys(ours)) expectSameAsNative(ours[key], native[key]);
  } else {
    expect(ours).toEqual(native);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
