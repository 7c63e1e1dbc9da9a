/**
 * @resultkit/cli: the `resultkit` command. Installed as a binary; `run(argv)` runs a command line
 * in-process and resolves to its exit code.
 */
export { run, buildProgram } from './program.js';
export { ExitCode } from './exit-codes.js';
export { toLosslessJson } from './lossless-json.js';
