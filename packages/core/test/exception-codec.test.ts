import { describe, expect, it } from 'vitest';
import { decodeException, DecodeError, encodeException, RemoteTaskError } from '../src/index.js';

describe('exceptions', () => {
  it('a RemoteTaskError is written exactly as given', () => {
    const error = new RemoteTaskError({ excType: 'Outer.Inner', excModule: 'tasks', excArgs: ['bad', 42] });
    expect(encodeException(error)).toEqual({ exc_type: 'Outer.Inner', exc_message: ['bad', 42], exc_module: 'tasks' });
  });

  it('JavaScript errors map to Python builtins where Python has the same name', () => {
    expect(encodeException(new TypeError('t'))).toEqual({ exc_type: 'TypeError', exc_message: ['t'], exc_module: 'builtins' });
    expect(encodeException(new Error('plain'))).toEqual({ exc_type: 'Exception', exc_message: ['plain'], exc_module: 'builtins' });
    expect(encodeException(new RangeError('r'))).toEqual({ exc_type: 'RangeError', exc_message: ['r'], exc_module: 'nodejs' });
  });

  it('Celery’s dict decodes to data, never to code', () => {
    const error = decodeException({ exc_type: 'system', exc_module: 'os', exc_message: ['rm -rf /'] }, { traceback: 'tb' });
    expect(error).toBeInstanceOf(RemoteTaskError);
    expect(error?.excType).toBe('system');
    expect(error?.qualifiedType).toBe('os.system');
    expect(error?.traceback).toBe('tb');
  });

  it('a bare string message and a missing module are accepted, as Celery accepts them', () => {
    const error = decodeException({ exc_type: 'ValueError', exc_message: 'just text' });
    expect(error?.excArgs).toEqual(['just text']);
    expect(error?.excModule).toBeNull();
    expect(error?.message).toBe('just text');
  });

  it('falsy values (RETRY without exc) decode to null', () => {
    expect(decodeException(null)).toBeNull();
    expect(decodeException(undefined)).toBeNull();
  });

  it('malformed exceptions are DecodeErrors', () => {
    expect(() => decodeException({ progress: 3 })).toThrow(DecodeError);
    expect(() => decodeException('oops')).toThrow(DecodeError);
    expect(() => decodeException([1, 2])).toThrow(DecodeError);
    expect(() => decodeException({ exc_type: 'X', exc_module: 5 })).toThrow(DecodeError);
  });
});

describe('exception messages', () => {
  it('format hostile arguments in bounded time and length', () => {
    // One list shared at every level: 2^40 leaves when written out as a tree.
    let shared: unknown[] = ['x'];
    for (let i = 0; i < 40; i++) shared = [shared, shared];
    const started = performance.now();
    const error = new RemoteTaskError({ excType: 'ValueError', excArgs: [shared, 'y'.repeat(1e6)] });
    expect(performance.now() - started).toBeLessThan(200);
    expect(error.message.length).toBeLessThan(3_000);
    expect(error.excArgs[0]).toBe(shared);
  });

  it('an already decoded exception gets the document’s traceback, task id and state', () => {
    const pickled = new RemoteTaskError({ excType: 'KeyError', excModule: 'builtins', excArgs: ['k'] });
    const decoded = decodeException(pickled, { traceback: 'tb', taskId: 't1', state: 'FAILURE' });
    expect(decoded).toMatchObject({ excType: 'KeyError', excArgs: ['k'], traceback: 'tb', taskId: 't1', state: 'FAILURE' });
  });
});
