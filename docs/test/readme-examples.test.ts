import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readmeBlocks } from '../src/code-blocks.js';
import { runProgram, typeCheck, unbuiltDependencies, writeExamples, type TypeCheckResult } from '../src/examples.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const docsPackage = fileURLToPath(new URL('../', import.meta.url));
// Inside this package, so the examples resolve the packages through its node_modules.
const examplesDir = fileURLToPath(new URL('../.examples/', import.meta.url));

// Long enough for a cold connection to a service on a busy CI machine; an example that needs
// more than this has left a handle open, or is not the smallest working example.
const RUN_TIMEOUT_MS = 20_000;

const blocks = readmeBlocks(repoRoot);
const files = writeExamples(blocks, examplesDir);

describe('README examples', () => {
  let checked: TypeCheckResult;

  beforeAll(() => {
    const unbuilt = unbuiltDependencies(docsPackage);
    if (unbuilt.length > 0) throw new Error(`Build ${unbuilt.join(', ')} first: run \`pnpm build\` (\`pnpm test\` does).`);
    checked = typeCheck(examplesDir, files);
  }, 120_000);

  it('are found in the READMEs, and almost all of them are complete programs', () => {
    expect(blocks.length).toBeGreaterThan(5);
    const fragments = blocks.filter((b) => b.fragment).map((b) => `${b.readme}:${b.line}`);
    expect(fragments.length, `fragments: ${fragments.join(', ')}`).toBeLessThanOrEqual(2);
  });

  it('compile against declaration files that are themselves free of errors', () => {
    expect(checked.other).toEqual([]);
  });

  for (const file of files) {
    const { readme, line, fragment } = file.block;
    const name = `${readme}:${line} ${fragment ? 'type-checks (a fragment, not run)' : 'type-checks, runs without an error and exits by itself'}`;
    it(name, { timeout: RUN_TIMEOUT_MS + 10_000 }, async () => {
      expect(checked.byFile.get(file.source)).toEqual([]);
      if (fragment) return;

      const run = await runProgram(file.program, examplesDir, RUN_TIMEOUT_MS);
      const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect(run.timedOut, `still running after ${RUN_TIMEOUT_MS} ms: something is left open (a missing close()?)\n${output}`).toBe(false);
      expect(run.code, `exit code ${run.code} (signal ${run.signal})\n${output}`).toBe(0);
      expect(run.stderr, 'printed to stderr').toBe('');
    });
  }
});
