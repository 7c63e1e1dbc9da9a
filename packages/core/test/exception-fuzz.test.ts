/**
 * Exception documents as any writer (or a hostile one) may store them: `decodeException` of any
 * value is null, an inert `RemoteTaskError`, or a `DecodeError`; formatting what it made is
 * bounded in time and length whatever the arguments hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeException, DecodeError, RemoteTaskError } from '../src/index.js';

const anything = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withBoxedValues: true,
});

// Mostly shaped like Celery's dict, with each field sometimes of the wrong kind, and extra keys.
const exceptionLike = fc.record(
  {
    exc_type: fc.oneof(fc.string({ maxLength: 30 }), anything),
    exc_module: fc.oneof(fc.constantFrom('builtins', 'os', 'subprocess', 'celery.exceptions', null), anything),
    exc_message: fc.oneof(fc.array(anything, { maxLength: 5 }), anything),
    exc_cls: anything,
    __proto__: anything,
  },
  { requiredKeys: [] },
);

function checkDecoded(value: unknown): void {
  const started = performance.now();
  let decoded: RemoteTaskError | null;
  try {
    decoded = decodeException(value, { traceback: 'tb', taskId: 'fuzz', state: 'FAILURE' });
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return;
  }
  if (decoded !== null) {
    expect(decoded).toBeInstanceOf(RemoteTaskError);
    expect(typeof decoded.excType).toBe('string');
    expect(decoded.toString().length).toBeLessThan(12_000);
  }
  expect(performance.now() - started).toBeLessThan(200);
}

describe('exception documents, fuzzed', () => {
  it('any value decodes to null, a RemoteTaskError, or a DecodeError', () => {
    fc.assert(fc.property(fc.oneof(anything, exceptionLike), checkDecoded), { numRuns: 2000 });
  });

  it('a RemoteTaskError made from any arguments has a bounded message', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string()), fc.array(anything, { maxLength: 8 }), (excType, excModule, excArgs) => {
        const error = new RemoteTaskError({ excType, excModule, excArgs });
        expect(error.message.length).toBeLessThan(12_000);
        expect(error.toString()).toContain(excType);
      }),
      { numRuns: 1000 },
    );
  });

  it('one long text shared by a million arguments (an alias or a pickle memo) makes a bounded message, quickly', () => {
    const text = 'x'.repeat(1_000);
    const excArgs = new Array<string>(1_000_000).fill(text);
    const started = performance.now();
    const error = decodeException({ exc_type: 'ValueError', exc_module: 'builtins', exc_message: excArgs });
    expect(performance.now() - started).toBeLessThan(500);
    expect(error?.message.length).toBeLessThan(12_000);
    expect(error?.excArgs).toBe(excArgs);
  });

  it.each([
    [{ exc_module: 'os', exc_type: 'system', exc_message: ['rm -rf /'] }, 'os.system'],
    [{ exc_module: 'builtins', exc_type: 'eval', exc_message: ["__import__('os').system('id')"] }, 'eval'],
    [{ exc_module: 'subprocess', exc_type: 'Popen', exc_message: [['sh', '-c', 'id']] }, 'subprocess.Popen'],
    [{ exc_module: 'builtins', exc_type: 'exec', exc_message: 'import os' }, 'exec'],
  ])('the hostile document %j is inert data: a RemoteTaskError named %s', (document, qualified) => {
    const error = decodeException(document);
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect(error?.qualifiedType).toBe(qualified);
    expect(error?.excArgs).toEqual(Array.isArray(document.exc_message) ? document.exc_message : [document.exc_message]);
  });
});
