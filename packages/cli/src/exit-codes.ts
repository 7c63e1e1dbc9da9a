/**
 * The exit codes of every command, documented in the README. Scripts branch on them, so they
 * never change meaning.
 */
export const ExitCode = {
  /** Everything worked (and a migration verified). */
  OK: 0,
  /** A step failed, a verification found differences, or a migration refused a lossy entry. */
  FAILURE: 1,
  /** The command line is wrong: an unknown option, a missing URL, a bad duration. */
  USAGE: 2,
  /** The backend could not be used: unreachable, refused the credentials or TLS, or its package is not installed. */
  BACKEND: 3,
  /** Interrupted by Ctrl-C (SIGINT); a migration saved its cursor first. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
