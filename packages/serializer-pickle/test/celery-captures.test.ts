/**
 * The `result` column of real Celery 5.2.6 database-backend rows: every capture decodes to
 * what Celery's own reader reported, and the values that lose nothing in JavaScript are
 * written back byte for byte.
 */
import { decodeException, PyDate, PyDecimal, PyTime, PyUUID, RemoteTaskError } from '@resultkit/core';
import { describe, expect, it } from 'vitest';

import { dumps, loads, PickledAsyncResult, PickledGroupResult } from '../src/index.js';
import { dbCaptures, type DbCapture } from './fixtures/celery-5.2-db.js';

const unhex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function capture(scenario: string): DbCapture {
  const found = dbCaptures.find((c) => c.scenario === scenario);
  if (!found) throw new Error(`no capture ${scenario}`);
  return found;
}

const decoded = (scenario: string): unknown => loads(unhex(capture(scenario).resultHex));

describe('Celery 5.2 database rows', () => {
  it('has a capture for every scenario with a result column', () => {
    expect(dbCaptures.map((c) => c.scenario).sort()).toEqual([
      'custom-exception', 'extended', 'failure', 'group', 'gzip', 'msgpack', 'retry', 'revoked', 'started',
      'success-datetime', 'success-json', 'worker-add', 'worker-fail',
    ]);
  });

  it('SUCCESS values read as Celery read them: unicode, big ints, floats, nesting', () => {
    const value = decoded('success-json') as Record<string, unknown>;
    expect(value).toEqual({
      str: 'héllo wörld ✓ 日本語 🚀',
      int: 42,
      big: 9007199254740993n,
      float: 3.14159,
      tiny: -1.5e-7,
      null: null,
      true: true,
      false: false,
      empty_list: [],
      empty_dict: {},
      list: [1, 'two', 3, null, [4, { five: 5 }]],
      nested: { a: { b: { c: [1, 2, { d: 'deep' }] } } },
    });
    // Exactly what read.py printed (its 3.0 is the number 3 in JavaScript).
    expect(value).toEqual(capture('success-json').read.result);
  });

  it('datetime, date, time, UUID and Decimal results read as the Python values', () => {
    expect(decoded('success-datetime')).toEqual({
      // A naive datetime is taken as UTC; microseconds are truncated to milliseconds.
      naive: new Date('2024-01-02T03:04:05.678Z'),
      aware_utc: new Date('2024-01-02T03:04:05Z'),
      aware_plus2: new Date('2024-01-02T01:04:05Z'),
      date: new PyDate('2024-01-02'),
      time: new PyTime('03:04:05.000006'),
      uuid: new PyUUID('12345678-1234-5678-1234-567812345678'),
      decimal: new PyDecimal('1.10'),
    });
    const read = capture('success-datetime').read.result as Record<string, Record<string, string>>;
    const value = decoded('success-datetime') as Record<string, { toString(): string }>;
    expect(String(value.date)).toBe(read.date?.$date);
    expect(String(value.time)).toBe(read.time?.$time);
    expect(String(value.uuid)).toBe(read.uuid?.$uuid);
    expect(String(value.decimal)).toBe(read.decimal?.$decimal);
  });

  it('bytes and text from the msgpack and gzip rows', () => {
    expect(decoded('msgpack')).toEqual({
      n: 1,
      list: [1, 2, 3],
      text: 'ünïcödé',
      float: 0.5,
      null: null,
      bytes: Uint8Array.of(0x00, 0x01, 0xfe, 0xff),
    });
    expect(decoded('gzip')).toEqual(capture('gzip').read.result);
  });

  it('STARTED meta and plain int results', () => {
    expect(decoded('started')).toEqual({ pid: 4242, hostname: 'interop@harness' });
    expect(decoded('started')).toEqual(capture('started').read.result);
    expect(decoded('extended')).toBe(5);
    expect(decoded('worker-add')).toBe(5);
  });

  for (const scenario of ['failure', 'worker-fail', 'custom-exception', 'retry', 'revoked']) {
    it(`the ${scenario} row holds the exception dict Celery raised from`, () => {
      const { read, status, id } = capture(scenario);
      const exception = read.exception as { type: string; module: string; args: unknown[] };
      const value = decoded(scenario);
      expect(value).toEqual({ exc_type: exception.type, exc_message: exception.args, exc_module: exception.module });
      const error = decodeException(value, { state: status ?? undefined, taskId: id });
      expect(error).toBeInstanceOf(RemoteTaskError);
      expect([error?.excType, error?.excModule, error?.excArgs]).toEqual([exception.type, exception.module, exception.args]);
    });
  }

  it("the taskset row (Celery's real GroupResult pickle) reads as a PickledGroupResult with the child ids", () => {
    const { read, id } = capture('group');
    const value = decoded('group');
    expect(value).toBeInstanceOf(PickledGroupResult);
    const group = value as PickledGroupResult;
    expect(group.id).toBe(id);
    expect(group.id).toBe(read.group_id);
    expect(group.results.map((r) => r.id)).toEqual(read.child_ids);
    expect(group.results.every((r) => r instanceof PickledAsyncResult)).toBe(true);
    expect(group.asTuple()).toEqual([[id, null], (read.child_ids as string[]).map((child) => [[child, null], null])]);
  });

  it('the same group reads in strict mode: every call in it is on the allow-list', () => {
    expect(loads(unhex(capture('group').resultHex), { strict: true })).toEqual(decoded('group'));
  });
});

describe('writing what Celery wrote', () => {
  // Rows whose values JavaScript holds without loss: protocol 5 in Python style must produce
  // Celery's exact bytes. (success-json has the float 3.0, which reads as the number 3;
  // success-datetime has a naive datetime and microseconds; the group pickle carries a backend.)
  const lossless = ['extended', 'worker-add', 'started', 'msgpack', 'gzip', 'failure', 'worker-fail', 'custom-exception', 'retry', 'revoked'];

  for (const scenario of lossless) {
    it(`reproduces the ${scenario} row byte for byte`, () => {
      const { resultHex, status } = capture(scenario);
      // The only arrays in the exception rows are exc_message, which Celery writes as a tuple.
      const arraysAsTuples = status === 'FAILURE' || status === 'RETRY' || status === 'REVOKED';
      expect(hex(dumps(loads(unhex(resultHex)), { protocol: 5, arraysAsTuples }))).toBe(resultHex);
    });
  }

  it('writes a RemoteTaskError as the FAILURE row Celery wrote', () => {
    const error = new RemoteTaskError({ excType: 'ValueError', excModule: 'builtins', excArgs: ['bad'] });
    expect(hex(dumps(error, { protocol: 5 }))).toBe(capture('failure').resultHex);
    const custom = new RemoteTaskError({ excType: 'QuotaExceeded', excModule: 'user_errors', excArgs: ['over quota', 42] });
    expect(hex(dumps(custom, { protocol: 5 }))).toBe(capture('custom-exception').resultHex);
  });

  it('writes SUCCESS 5 as 80 05 4B 05 2E', () => {
    expect(hex(dumps(5, { protocol: 5 }))).toBe('80054b052e');
  });
});
