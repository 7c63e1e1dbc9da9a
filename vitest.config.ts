import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests run against the TypeScript sources of every workspace package, so no build is needed
// before `vitest` and a stack trace points at the line you edit.
const alias = Object.fromEntries(
  readdirSync(`${root}packages`)
    .filter((dir) => existsSync(`${root}packages/${dir}/src/index.ts`))
    .map((dir) => [`@resultkit/${dir}`, `${root}packages/${dir}/src/index.ts`]),
);

// Packages whose suites talk to a real service run one file at a time (see `fileParallelism`).
const project = (name: string, include: string[]) => ({
  extends: true as const,
  test: { name, include },
});

export default defineConfig({
  resolve: { alias },
  test: {
    // CI reads the counts from the JSON report; people read the default reporter.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.vitest-report.json' }]] : ['default'],
    // Service-backed suites share one Redis, one PostgreSQL, ...: run files serially so they
    // never race each other, and so the 2-core CI machine is not oversubscribed.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      project('core', ['packages/core/test/**/*.test.ts']),
      project('test-suite', ['packages/test-suite/test/**/*.test.ts']),
      ...readdirSync(`${root}packages`)
        .filter((dir) => !['core', 'test-suite'].includes(dir) && existsSync(`${root}packages/${dir}/test`))
        .map((dir) => project(dir, [`packages/${dir}/test/**/*.test.ts`])),
      project('interop', ['interop/**/*.test.ts']),
      // Faults, load and soak against servers the tests start on loopback ports of their own.
      project('reliability', ['reliability/**/*.test.ts']),
      project('demo', ['apps/*/test/**/*.test.ts']),
      // Every TypeScript block of every README, type-checked and run as a program (docs/).
      project('docs', ['docs/test/**/*.test.ts']),
      // The example codec packages of docs/writing-a-codec.md, tested as their authors would.
      project('examples', ['docs/examples/*/test/**/*.test.ts']),
    ],
  },
});
