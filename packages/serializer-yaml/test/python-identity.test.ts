/**
 * Against PyYAML as kombu calls it: each value below, and a few hundred generated ones, is
 * written by us and by `yaml.safe_dump`. Python's `safe_load` reads ours as the intended Python
 * values, we read Python's as the intended JavaScript values, and the texts are the same
 * wherever PyYAML does not fold a line at 80 columns (which our writer never does).
 */
import { fileURLToPath } from 'node:url';
import { PyDate, PyFloat } from '@resultkit/core';
import fc from 'fast-check';
import { expectedRead as expectedReadWith, PYTHON_DISABLED, runPythonCheck, toTagged as toTaggedWith, type CheckResponse } from '@resultkit/test-suite';
import { beforeAll, describe, expect, it } from 'vitest';
import { dumpPyYaml, readPyYaml } from '../src/index.js';
import { YAML_RULES, yamlValue } from './helpers/values.js';

const SCRIPT = fileURLToPath(new URL('./python/yaml_check.py', import.meta.url));
const runPython = (request: Parameters<typeof runPythonCheck>[1]): CheckResponse => runPythonCheck(SCRIPT, request, 'Python 3 with python3-yaml');
const toTagged = (value: unknown) => toTaggedWith(value, YAML_RULES);
const expectedRead = (value: unknown) => expectedReadWith(value, YAML_RULES);

const fixed: Record<string, unknown> = {
  celerySuccess: {
    status: 'SUCCESS',
    result: { a: [1, 2, { b: 'x' }], text: 'ünïcödé', float: 0.5, none: null, flag: true, big: 2n ** 70n, bytes: Uint8Array.of(0, 1, 0xfe, 0xff) },
    traceback: null,
    children: [],
    date_done: '2026-11-23T20:20:22.705709',
    task_id: '7fd5d759-4788-459f-9f89-3a039f5ac5ef',
  },
  celeryFailure: {
    status: 'FAILURE',
    result: { exc_type: 'ValueError', exc_message: ['bad', 42], exc_module: 'builtins' },
    traceback: 'Traceback (most recent call last):\n  File "tasks.py", line 3, in fail\nValueError: bad',
    children: [],
    date_done: '2026-11-23T19:38:53.971539',
    task_id: '8a859dd8-0000-4000-8000-000000000000',
  },
  celeryGroupChild: { status: 'SUCCESS', result: 0, traceback: null, children: [[['9a0f466d', null], null]], group_id: '01cababb', task_id: '4d687318' },
  quoting: ['yes', 'No', 'on', '~', 'null', '', ' lead', 'trail ', '1e3', '0o7', '010', '12', '1.5', '.inf', '2026-01-02', '<<', '=', '- x', 'a: b', 'a #b', '#x', "it's", 'x:'],
  floats: [0.5, 1e16, 1e-5, -0, Infinity, -Infinity, Number.NaN, 123.456, new PyFloat(3)],
  escapes: ['tab\there', 'bell\x07', 'nel\x85', 'nbsp\xa0', '日本', '🚀', 'line\nbreak', 'two\n\nbreaks', 'space \nbreak', '\nleading', 'trailing\n', 'lone \ud800 surrogate'],
  dates: [new Date('2026-01-02T03:04:05.678Z'), new Date('2026-01-02T03:04:05.000Z'), new PyDate('2026-01-02')],
  nesting: [[1, [2, [3, []]]], { a: { b: { c: {} } } }, [{ a: 1, b: [1, 2] }, [{ c: 3 }]]],
  topLevelScalars: 5,
  topLevelString: 'plain',
  topLevelQuoted: 'yes',
  longKey: { ['k'.repeat(200)]: 1 },
  bytesList: [new Uint8Array(100).fill(65), new Uint8Array(0)],
};

const generated = fc.sample(yamlValue, { numRuns: 300, seed: 20261203 });
const cases: [string, unknown][] = [...Object.entries(fixed), ...generated.map((value, i): [string, unknown] => [`generated #${i}`, value])];
const indexes = cases.map(([name], index) => [name, index] as const);
const hasLongLine = (text: string): boolean => text.split('\n').some((line) => line.length > 80);

describe.skipIf(PYTHON_DISABLED)("against PyYAML's safe_dump and safe_load", () => {
  let python: CheckResponse;
  const ours = cases.map(([, value]) => dumpPyYaml(value));

  beforeAll(() => {
    python = runPython({ pack: cases.map(([, value]) => toTagged(value)), unpack: ours });
  });

  it.each(indexes)('%s: safe_load reads ours as the intended values', (_name, index) => {
    expect(python.unpacked[index]).toEqual(toTagged(cases[index]![1]));
  });

  it.each(indexes)("%s: we read safe_dump's text as the intended values", (_name, index) => {
    expect(readPyYaml(python.packed[index] as string)).toEqual(expectedRead(cases[index]![1]));
  });

  it.each(indexes)('%s: the same text as safe_dump, unless PyYAML folds a long line', (_name, index) => {
    const theirs = python.packed[index] as string;
    if (!hasLongLine(theirs) && !hasLongLine(ours[index]!)) expect(ours[index]).toBe(theirs);
  });
});
