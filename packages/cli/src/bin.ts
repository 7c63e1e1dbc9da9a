#!/usr/bin/env node
import { run } from './program.js';

run(process.argv.slice(2)).then(
  (code) => finish(code),
  (error: unknown) => {
    process.stderr.write(`resultkit: ${error instanceof Error ? error.message : String(error)}\n`);
    finish(1);
  },
);

/**
 * Every backend is closed by now, but a driver may keep a timer after its connection closed
 * (ioredis waits 2 s before it destroys a socket that was still connecting): the process ends
 * by itself when nothing is left, and at most 100 ms after the command otherwise.
 */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 100).unref();
}
