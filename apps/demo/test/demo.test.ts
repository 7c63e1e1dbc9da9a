import { expect, it } from 'vitest';
import { runDemo } from '../src/run-demo.js';

it('the demo runs its jobs through memory:// and sees every result', async () => {
  const lines: string[] = [];
  const seen = await runDemo({ url: 'memory://demo-test', log: (line) => lines.push(line) });
  expect(seen).toEqual({
    add: 5,
    slugify: 'creme-brulee-recipes',
    divide: 'RangeError: cannot divide 1 by zero',
    group: [0, 1, 4, 9, 16],
  });
  expect(lines.join('\n')).toContain('divide(1, 0)');
});
