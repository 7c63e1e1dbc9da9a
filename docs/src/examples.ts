import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { CodeBlock } from './code-blocks.js';

/** A README block written out as a TypeScript file of its own. */
export interface ExampleFile {
  block: CodeBlock;
  /** File name of the source in the examples folder, e.g. `packages-core-1.ts`. */
  source: string;
  /** Path of the compiled program. */
  program: string;
}

/** What tsc said, by example file; `other` holds what it said about any other file. */
export interface TypeCheckResult {
  byFile: Map<string, string[]>;
  other: string[];
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

// The compiler options of a plain strict ESM application, not this repository's: the examples
// must compile the way they will for a user, against the packages' published declarations
// (`skipLibCheck: false`, so a broken declaration file fails here and not in their project).
const APPLICATION_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    moduleDetection: 'force',
    types: ['node'],
    strict: true,
    skipLibCheck: false,
    rootDir: '.',
    outDir: 'out',
  },
};

/**
 * Writes one file per block into `dir` (emptied first), with a tsconfig listing them. `dir` must
 * lie inside a package that depends on what the examples import, so that tsc and node resolve
 * `@resultkit/core` and the rest through `node_modules` and the packages' `exports`, as in an
 * application.
 */
export function writeExamples(blocks: readonly CodeBlock[], dir: string): ExampleFile[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = blocks.map((block) => {
    const stem = `${block.readme.replace(/(^|\/)README\.md$/, '').replaceAll('/', '-') || 'readme'}-${block.index}`;
    writeFileSync(join(dir, `${stem}.ts`), block.code);
    return { block, source: `${stem}.ts`, program: join(dir, 'out', `${stem}.js`) };
  });
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify({ ...APPLICATION_TSCONFIG, files: files.map((f) => f.source) }, null, 2)}\n`);
  return files;
}

/**
 * Type-checks and compiles every example with tsc in one run. Errors are reported by example,
 * each with the README line it comes from, and a file with errors is still emitted so the others
 * can run.
 */
export function typeCheck(dir: string, files: readonly ExampleFile[]): TypeCheckResult {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
  if (run.error) throw run.error;
  const bySource = new Map(files.map((f) => [f.source, f]));
  const result: TypeCheckResult = { byFile: new Map(files.map((f) => [f.source, []])), other: [] };
  let last: string[] = result.other;
  for (const text of `${run.stdout}${run.stderr}`.split('\n')) {
    if (!text.trim()) continue;
    const diagnostic = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(text);
    const file = diagnostic ? bySource.get(diagnostic[1]!) : undefined;
    if (diagnostic && file) {
      last = result.byFile.get(file.source)!;
      last.push(`${file.block.readme}:${file.block.line + Number(diagnostic[2]) - 1}:${diagnostic[3]} ${diagnostic[4]}`);
    } else if (/^\s/.test(text)) {
      last.push(text); // the continuation of the previous message
    } else {
      last = result.other;
      last.push(text);
    }
  }
  if (run.status !== 0 && [...result.byFile.values()].every((d) => d.length === 0) && result.other.length === 0) {
    result.other.push(`tsc exited with ${run.status} and printed nothing`);
  }
  return result;
}

/**
 * Runs a compiled example with node and waits at most `timeoutMs` for it to exit by itself. A
 * program that is still running then is killed: it left something open (a missing `close()`).
 */
export function runProgram(program: string, cwd: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [program], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/**
 * The workspace packages `packageDir` depends on whose build is missing. The examples use the
 * packages as published, `dist/`, so they need `pnpm build` first (`pnpm test` runs it).
 */
export function unbuiltDependencies(packageDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.entries(manifest.dependencies ?? {})
    .filter(([, range]) => range.startsWith('workspace:'))
    .map(([name]) => name)
    .filter((name) => {
      const dist = join(packageDir, 'node_modules', name, 'dist');
      return !existsSync(join(dist, 'index.js')) || !existsSync(join(dist, 'index.d.ts'));
    });
}
