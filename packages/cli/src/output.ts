import { Secrets } from '@resultkit/core';

/** How a command talks: results on stdout, progress and errors on stderr. */
export interface OutputOptions {
  /** Print stack traces and causes of errors. */
  verbose: boolean;
  /** Show progress bars: by default only when stderr is a terminal. */
  progress: boolean;
}

/**
 * Every line a command prints goes through here, and through the `Secrets` of every URL the
 * command was given: the URLs are already shown redacted, and this is the second guard, for
 * anything (a driver message, a stored traceback) that repeats a password.
 */
export class Output {
  readonly verbose: boolean;
  readonly progress: boolean;
  #secrets: Secrets[] = [];

  constructor(options: OutputOptions) {
    this.verbose = options.verbose;
    this.progress = options.progress;
  }

  /** Masks the passwords of `url` in everything printed from now on. */
  protect(url: string): void {
    this.#secrets.push(Secrets.fromUrl(url));
  }

  /** Masks these values (passwords given as options, URLs among options) from now on. */
  protectValues(values: readonly string[]): void {
    for (const value of values) this.#secrets.push(value.includes('://') ? Secrets.fromUrl(value) : new Secrets([value]));
  }

  /** Text with every known password masked. */
  safe(text: string): string {
    return this.#secrets.reduce((out, secrets) => secrets.text(out), text);
  }

  /** A line of the command's result, on stdout. */
  line(text = ''): void {
    process.stdout.write(`${this.safe(text)}\n`);
  }

  /** A line about the run (notes, hints, errors), on stderr. */
  note(text: string): void {
    process.stderr.write(`${this.safe(text)}\n`);
  }
}
