import { Command, CommanderError, Option } from 'commander';
import { resolveBackendUrl } from './backend-url.js';
import { bench, type BenchFlags } from './commands/bench.js';
import { check, type CheckFlags } from './commands/check.js';
import { cleanup, type CleanupFlags } from './commands/cleanup.js';
import { inspect, type InspectFlags } from './commands/inspect.js';
import { migrate, type MigrateFlags } from './commands/migrate.js';
import { stats, type StatsFlags } from './commands/stats.js';
import { parseCount, parseDuration } from './duration.js';
import { ExitCode } from './exit-codes.js';
import { Output } from './output.js';
import { reportError } from './report-error.js';

interface GlobalFlags {
  verbose?: boolean;
  progress?: boolean;
}

/**
 * Runs a command's body with the shared output, error report and exit code. The body gets the
 * positional arguments and the command's flags merged with the program's (`--connect-timeout`).
 */
function action<F>(body: (out: Output, args: string[], flags: F) => Promise<ExitCode>) {
  return async (...received: unknown[]): Promise<void> => {
    const command = received.at(-1) as Command;
    const flags = command.optsWithGlobals<GlobalFlags & F>();
    const out = new Output({ verbose: flags.verbose ?? false, progress: flags.progress ?? Boolean(process.stderr.isTTY) });
    try {
      process.exitCode = await body(out, command.processedArgs.flat() as string[], flags);
    } catch (error) {
      process.exitCode = reportError(error, out);
    }
  };
}

const count = (option: string, min = 1) => (text: string) => parseCount(text, option, min);

/** The options every command has for the backend it opens. */
function backendOptions(command: Command, prefix = '', side = ''): Command {
  const flag = (name: string) => (prefix ? `--${prefix}-${name}` : `--${name}`);
  return command
    .option(`${flag('serializer')} <name>`, `serializer of stored results${side} (result_serializer): json, pickle, msgpack, yaml`)
    .option(`${flag('accept')} <types>`, `comma-separated serializers a read may decode${side} (result_accept_content); default: the serializer named`)
    .option(`${flag('options')} <json>`, `further createBackend options${side} as JSON, e.g. '{"sql":{"tableNames":{"task":"results"}}}'`);
}

/** The `resultkit` program: every command, its options and help. */
export function buildProgram(): Command {
  const program = new Command('resultkit')
    .description('Check, inspect, migrate, clean up, count and benchmark Celery result backends.')
    .option('--verbose', 'print stack traces and causes of errors')
    .option('--progress', 'show progress bars even when stderr is not a terminal')
    .option('--no-progress', 'never show progress bars')
    .addOption(new Option('--connect-timeout <ms>', 'milliseconds to wait for a connection').argParser(count('--connect-timeout')))
    .showHelpAfterError('(resultkit --help lists the commands and options)')
    .exitOverride()
    .addHelpText(
      'after',
      `
URLs are Celery's result_backend URLs. Without one, RESULTKIT_URL or CELERY_RESULT_BACKEND is used
(for rpc://, the broker comes from CELERY_BROKER_URL). Passwords are never printed.

Exit codes: 0 ok, 1 failure or differences found, 2 usage error, 3 backend unreachable, refused
or its package not installed, 130 interrupted.`,
    );

  backendOptions(
    program
      .command('check')
      .description('connect, then write, read, wait for, expire and delete a probe result, timing each step')
      .argument('[url]', 'backend URL (default: RESULTKIT_URL, CELERY_RESULT_BACKEND)')
      .addOption(new Option('--timeout <ms>', 'milliseconds the wait step may take').default(10_000).argParser(count('--timeout'))),
  ).action(action<CheckFlags>((out, [url], flags) => check(resolveBackendUrl(url), flags, out)));

  backendOptions(
    program
      .command('inspect')
      .description('print the decoded result of tasks (state, result, exception, traceback) and of groups')
      .argument('[url]', 'backend URL (default: RESULTKIT_URL, CELERY_RESULT_BACKEND)')
      .argument('[task-ids...]', 'task ids')
      .option('--group <id>', 'print a saved group and the state of each member (repeatable)', (id: string, ids: string[] = []) => [...ids, id])
      .option('--json', 'one JSON object per line; bytes, big integers, dates and tuples tagged (see the README)'),
  ).action(
    action<InspectFlags>((out, [first, ...rest], flags) => {
      // With the URL in the environment, the first argument is already a task id.
      const [url, ids] = first && looksLikeUrl(first) ? [first, rest] : [undefined, first ? [first, ...rest] : rest];
      return inspect(resolveBackendUrl(url), ids, flags, out);
    }),
  );

  const migrateCommand = program
    .command('migrate')
    .description('copy every result and saved group from one backend to another, then verify the copy')
    .argument('<from>', 'source backend URL')
    .argument('<to>', 'target backend URL')
    .option('--dry-run', 'read and convert everything, write nothing: what a run would do')
    .option('--resume', 'continue an interrupted run from its state file')
    .option('--state-file <path>', 'where progress is saved (default .resultkit-migrate-<hash>.json in the working directory)')
    .addOption(new Option('--verify', 'compare counts and every decoded document after the copy').default(true))
    .option('--no-verify', 'skip the verification')
    .addOption(new Option('--overwrite', 'replace what the target already has (a SUCCESS is still never replaced)').conflicts('skipExisting'))
    .option('--skip-existing', 'keep what the target already has (the default)')
    .option('--allow-lossy', 'copy entries the target cannot hold exactly, listing each')
    .addOption(new Option('--page-size <n>', 'entries per page: the most held in memory').default(500).argParser(count('--page-size')));
  backendOptions(migrateCommand, 'from', ' of the source');
  backendOptions(migrateCommand, 'to', ' of the target');
  migrateCommand.action(action<MigrateFlags>((out, [from, to], flags) => migrate(from!, to!, flags, out)));

  backendOptions(
    program
      .command('cleanup')
      .description("delete results older than --older-than from stores that cannot expire them (Celery's backend_cleanup)")
      .argument('[url]', 'backend URL (default: RESULTKIT_URL, CELERY_RESULT_BACKEND)')
      .addOption(new Option('--older-than <duration>', 'age of the results to delete: 90s, 15m, 12h, 7d, 2w (default 1d, result_expires)').argParser((text: string) => parseDuration(text, '--older-than'))),
  ).action(action<CleanupFlags>((out, [url], flags) => cleanup(resolveBackendUrl(url), flags, out)));

  backendOptions(
    program
      .command('stats')
      .description('count results by state and by age, saved groups, and the oldest result, in one bounded pass')
      .argument('[url]', 'backend URL (default: RESULTKIT_URL, CELERY_RESULT_BACKEND)')
      .option('--json', 'print one JSON object')
      .addOption(new Option('--page-size <n>', 'entries read per page').default(500).argParser(count('--page-size'))),
  ).action(action<StatsFlags>((out, [url], flags) => stats(resolveBackendUrl(url), flags, out)));

  backendOptions(
    program
      .command('bench')
      .description('measure store, get and wait throughput and latency, beside the raw driver doing the same work')
      .argument('[url]', 'backend URL (default: RESULTKIT_URL, CELERY_RESULT_BACKEND)')
      .addOption(new Option('--count <n>', 'operations of each kind').default(200).argParser(count('--count')))
      .addOption(new Option('--concurrency <n>', 'operations in flight at once').default(10).argParser(count('--concurrency')))
      .option('--json', 'print one JSON object'),
  ).action(action<BenchFlags>((out, [url], flags) => bench(resolveBackendUrl(url), flags, out)));

  return program;
}

function looksLikeUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(text) && (text.includes('://') || text.startsWith('memory:'));
}

/** Parses and runs a command line; resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    // --help and --version end the parse with an "error" that is not one.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    // An option's value refused while parsing (a bad duration or count).
    return reportError(error, new Output({ verbose: false, progress: false }));
  }
  return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
}
