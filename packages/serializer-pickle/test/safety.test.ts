/**
 * The classic pickle attacks: each would run a command (create a file) in CPython's
 * `pickle.loads`. Here each is a `DecodeError` naming the global (strict mode, the default), or
 * inert data with `strict: false`, and the file never appears.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DecodeError } from '@resultkit/core';
import { afterAll, describe, expect, it } from 'vitest';

import { loads, PickledGlobal, PickledObject } from '../src/index.js';
import { pk, su } from './helpers/bytes.js';
import { PYTHON, PYTHON_DISABLED } from './helpers/python.js';

const dir = mkdtempSync(join(tmpdir(), 'resultkit-pickle-safety-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A payload per attack; `file` is the path the payload would create. */
const attacks: Record<string, (file: string) => { data: Uint8Array; callee: string }> = {
  'os.system, protocol 0': (file) => ({ data: pk(`cos\nsystem\n(S'touch ${file}'\ntR.`), callee: 'os.system' }),
  'posix.system, protocol 2': (file) => ({
    data: pk('\x80\x02cposix\nsystem\nX', le32(`touch ${file}`.length), `touch ${file}`, '\x85R.'),
    callee: 'posix.system',
  }),
  'nt.system, protocol 2': (file) => ({ data: pk(`\x80\x02cnt\nsystem\n(Vtouch ${file}\ntR.`), callee: 'nt.system' }),
  'subprocess.Popen, protocol 4': (file) => ({
    data: pk('\x80\x04', su('subprocess'), su('Popen'), 0x93, ']', '(', su('touch'), su(file), 'e', 0x85, 'R', '.'),
    callee: 'subprocess.Popen',
  }),
  'subprocess.Popen via NEWOBJ': (file) => ({
    data: pk('\x80\x02csubprocess\nPopen\n](Vtouch\n', `V${file}\n`, 'e\x85\x81.'),
    callee: 'subprocess.Popen',
  }),
  'builtins.eval': (file) => ({ data: pk(`cbuiltins\neval\n(Vopen('${file}', 'w')\ntR.`), callee: 'builtins.eval' }),
  'builtins.exec (as __builtin__)': (file) => ({
    data: pk(`c__builtin__\nexec\n(Vopen('${file}', 'w').close()\ntR.`),
    callee: 'builtins.exec',
  }),
  'builtins.getattr(__import__("os"), "system")': (file) => ({
    data: pk(`cbuiltins\ngetattr\n(cbuiltins\n__import__\n(Vos\ntRVsystem\ntR(Vtouch ${file}\ntR.`),
    callee: '',
  }),
  'INST os.system': (file) => ({ data: pk(`(S'touch ${file}'\nios\nsystem\n.`), callee: 'os.system' }),
  'OBJ os.system': (file) => ({ data: pk(`(cos\nsystem\nS'touch ${file}'\no.`), callee: 'os.system' }),
  'copyreg._reconstructor(os.system, ...)': (file) => ({
    data: pk(`ccopy_reg\n_reconstructor\n(cos\nsystem\nc__builtin__\nobject\nS'touch ${file}'\ntR.`),
    callee: 'os.system',
  }),
  "celery's _unpickle_appattr of something else": (file) => ({
    data: pk(`ccelery.app.base\n_unpickle_appattr\n(Vsend_task\n(V${file}\nttR.`),
    callee: 'celery.app.base._unpickle_appattr',
  }),
};

function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

describe('pickle attacks are refused (or, with strict: false, decoded as data), never executed', () => {
  let counter = 0;
  for (const [name, make] of Object.entries(attacks)) {
    it(name, () => {
      const file = join(dir, `pwned-${counter++}`);
      const { data, callee } = make(file);
      const value = loads(data, { strict: false });
      expect(existsSync(file)).toBe(false);
      expect(value).toBeInstanceOf(PickledObject);
      const object = value as PickledObject;
      expect(`${object.module}${object.module ? '.' : ''}${object.name}`).toBe(callee);
      // The payload is still there to inspect, as strings.
      expect(JSON.stringify(object)).toContain(file);

      let error: unknown;
      try {
        loads(data); // strict, the default
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DecodeError);
      if (callee) expect((error as Error).message).toContain(callee);
      expect(existsSync(file)).toBe(false);
    });
  }

  it('getattr on a global only names an attribute: the result is an inert PickledGlobal', () => {
    expect(loads(pk('cbuiltins\ngetattr\n(cos\npath\nVjoin\ntR.'), { strict: false })).toEqual(new PickledGlobal('os', 'path.join'));
  });

  it.skipIf(PYTHON_DISABLED)('the os.system payload is live: CPython creates the file, we do not', () => {
    const ours = join(dir, 'ours');
    const theirs = join(dir, 'theirs');
    const data = attacks['os.system, protocol 0']?.(theirs).data as Uint8Array;
    try {
      execFileSync(PYTHON, ['-c', 'import pickle, sys; pickle.loads(bytes.fromhex(sys.argv[1]))', Buffer.from(data).toString('hex')], {
        timeout: 20_000,
      });
    } catch (error) {
      throw new Error(`Cannot run ${PYTHON} to show the payload is live (RESULTKIT_NO_PYTHON=1 skips this): ${String(error)}`);
    }
    expect(existsSync(theirs)).toBe(true);
    expect(() => loads(attacks['os.system, protocol 0']?.(ours).data as Uint8Array)).toThrow(DecodeError);
    expect(existsSync(ours)).toBe(false);
  });
});
