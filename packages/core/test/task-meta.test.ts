import { describe, expect, it } from 'vitest';
import {
  createJsonSerializer,
  DecodeError,
  formatDateDone,
  fromDocument,
  groupFromDocument,
  RemoteTaskError,
  stringifyPython,
  toDocument,
} from '../src/index.js';
import { listScenarios, readCaptureText, readRedisCapture } from './fixtures.js';

// integral floats (`3.0`) must stay floats for a byte-exact re-encode
const json = createJsonSerializer({ preserveFloats: true });
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** What Python's AsyncResult read back, as the capture's read.py printed it. */
function pythonView(scenario: string): Record<string, unknown> {
  const lines = readCaptureText('redis', scenario).split('\n');
  const at = lines.findIndex((line) => line.startsWith('## $ read.py') || line.startsWith('## send.py output'));
  return JSON.parse(lines[at + 1]!) as Record<string, unknown>;
}

const taskScenarios = listScenarios('redis').filter((s) => !['group', 'msgpack'].includes(s));

describe('result documents written by Celery 5.2 (Redis captures)', () => {
  it.each(taskScenarios)('%s reads as Python read it', (scenario) => {
    const { key, bytes } = readRedisCapture(scenario);
    const id = key.slice('celery-task-meta-'.length);
    const meta = fromDocument(json.decode(bytes), id);
    const python = pythonView(scenario);
    expect(meta.taskId).toBe(python.task_id);
    expect(meta.status).toBe(python.status);
    expect(meta.dateDone?.getTime() ?? null).toBe(
      python.date_done ? Date.parse(`${(python.date_done as string).slice(0, 23)}Z`) : null,
    );
    expect(meta.groupId ?? null).toBe(python.group_id);
    expect(meta.parentId ?? null).toBe(python.parent_id);
    expect(meta.traceback !== null).toBe(python.traceback_present);
    const exception = python.exception as { type: string; module: string; args: unknown[] } | null;
    if (exception) {
      expect(meta.result).toBeInstanceOf(RemoteTaskError);
      const error = meta.result as RemoteTaskError;
      expect(error.excType).toBe(exception.type);
      expect(error.excModule).toBe(exception.module);
      expect(error.excArgs).toEqual(exception.args);
      expect(error.traceback?.trim().split('\n').at(-1) ?? null).toBe(python.traceback_last_line);
    } else if (python.status !== 'RETRY') {
      expect(JSON.parse(JSON.stringify(meta.result, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)))).toEqual(python.result);
    }
    const extended = python.extended as Record<string, unknown>;
    if (extended.name !== null) {
      expect({ name: meta.name, args: meta.args, kwargs: meta.kwargs, worker: meta.worker, retries: meta.retries, queue: meta.queue }).toEqual(extended);
    }
  });

  it.each(taskScenarios)('%s is written back byte for byte (date_done in our one format)', (scenario) => {
    const { key, bytes } = readRedisCapture(scenario);
    const meta = fromDocument(json.decode(bytes), key.slice('celery-task-meta-'.length));
    const original = text(bytes);
    const expected = meta.dateDone
      ? original.replace(/"date_done": "[^"]+"/, `"date_done": "${formatDateDone(meta.dateDone)}"`)
      : original;
    expect(text(json.encode(toDocument(meta)))).toBe(expected);
  });

  it('a saved group is Celery’s tuple document', () => {
    const { bytes } = readRedisCapture('group');
    const doc = json.decode(bytes) as { result: unknown };
    expect(text(json.encode({ result: doc.result }))).toBe(text(bytes));
  });
});

describe('documents of later Celery versions', () => {
  it('reads a 5.5.3 extended document with an app-timezone date_done', () => {
    const doc = json.decode(
      new TextEncoder().encode(
        '{"status": "SUCCESS", "result": 5, "traceback": null, "children": [], "date_done": "2026-11-23T20:42:23.239083+01:00", "name": "tasks.add", "args": [2, 3], "kwargs": {}, "worker": "celery@vm", "retries": 0, "queue": "celery", "task_id": "12c84d7d-d478-4e4a-9e99-d04240779fb8"}',
      ),
    );
    const meta = fromDocument(doc, '12c84d7d-d478-4e4a-9e99-d04240779fb8');
    expect(meta.dateDone?.toISOString()).toBe('2026-11-23T19:42:23.239Z');
    expect(meta).toMatchObject({ status: 'SUCCESS', result: 5, name: 'tasks.add', args: [2, 3], kwargs: {}, worker: 'celery@vm', retries: 0, queue: 'celery' });
  });

  it('reads the minimal document Celery accepts, and an RPC body without date_done', () => {
    expect(fromDocument({ status: 'SUCCESS', result: 5, task_id: 'x' }, 'x')).toMatchObject({ status: 'SUCCESS', result: 5, dateDone: null, children: null });
    const rpc = fromDocument({ task_id: 'y', status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['bad'], exc_module: 'builtins' }, traceback: 'tb', children: [] }, 'y');
    expect(rpc.result).toMatchObject({ excType: 'ValueError', excArgs: ['bad'], traceback: 'tb' });
  });

  it('keeps 5.3+ stamps and other unknown fields and writes them back before task_id', () => {
    const doc = { status: 'SUCCESS', result: 1, traceback: null, children: [], date_done: null, stamped_headers: ['s1'], s1: 'v', task_id: 'z' };
    const meta = fromDocument(doc, 'z');
    expect(meta.extra).toEqual({ stamped_headers: ['s1'], s1: 'v' });
    expect(stringifyPython(toDocument(meta))).toBe(
      '{"status": "SUCCESS", "result": 1, "traceback": null, "children": [], "date_done": null, "stamped_headers": ["s1"], "s1": "v", "task_id": "z"}',
    );
  });

  it('a document that is not a map, or has no status, is a DecodeError', () => {
    expect(() => fromDocument([1, 2], 'a')).toThrow(DecodeError);
    expect(() => fromDocument({ result: 1 }, 'a')).toThrow(DecodeError);
    expect(() => fromDocument({ status: 'SUCCESS', date_done: 12 }, 'a')).toThrow(DecodeError);
  });

  it('a malformed field is reported with what it holds, not as missing', () => {
    expect(() => fromDocument({ status: 5 }, 'a')).toThrow('The status of the result document for task a is a number (5), not a state name');
    expect(() => fromDocument({ status: '' }, 'a')).toThrow('is a string (""), not a state name');
    expect(() => fromDocument({ result: 1 }, 'a')).toThrow('The result document for task a has no status.');
    expect(() => fromDocument([1, 2], 'a')).toThrow('the one for task a is a list of 2 items');
    expect(() => fromDocument({ status: 'SUCCESS', date_done: 12 }, 'a')).toThrow('date_done of task a is a number (12), not an ISO-8601 string or null');
    expect(() => fromDocument({ status: 'FAILURE', result: { exc_type: 7 } }, 'a')).toThrow('exc_type of a stored exception is a number (7)');
    expect(() => fromDocument({ status: 'FAILURE', result: { exc_type: 'E', exc_module: [] } }, 'a')).toThrow(
      'exc_module of a stored exception is a list of 0 items, not a module name or null',
    );
    expect(() => fromDocument({ status: 'FAILURE', result: 'boom' }, 'a')).toThrow('this one is a string ("boom")');
    expect(() => groupFromDocument({ result: 'x' }, 'g')).toThrow('its result is a string ("x")');
  });
});

describe('the document written always has every field Celery reads', () => {
  // Python's AsyncResult indexes meta['result'], meta['traceback'], ... : a missing key is a
  // KeyError on the Python side, so no field may be dropped because its JS value is undefined.
  const required = ['status', 'result', 'traceback', 'children', 'date_done', 'task_id'];
  it.each([
    ['a task that returned nothing', { taskId: 't', status: 'SUCCESS', result: undefined, traceback: null, children: [], dateDone: new Date() }],
    ['a RETRY without an exception', { taskId: 't', status: 'RETRY', result: undefined, traceback: undefined, children: undefined, dateDone: null }],
    ['a custom state with no meta', { taskId: 't', status: 'PROGRESS', result: undefined, traceback: null, children: null, dateDone: null }],
  ])('%s', (_label, meta) => {
    const doc = toDocument(meta as never);
    for (const key of required) {
      expect(doc, key).toHaveProperty(key);
      expect(doc[key], key).not.toBeUndefined();
    }
    expect(doc.result).toBeNull();
    expect(text(json.encode(doc))).toContain('"result": null');
  });
});
