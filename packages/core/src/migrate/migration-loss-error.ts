import type { EntryRef } from '../adapter/stored-entries.js';
import { ResultkitError } from '../errors.js';
import type { DocumentDifference } from './compare-documents.js';

/** The target would read an entry back differently from the source; nothing of it was written. */
export class MigrationLossError extends ResultkitError {
  readonly entry: EntryRef;
  readonly differences: readonly DocumentDifference[];

  /**
   * `unwritable`: the target's serializer cannot encode the entry at all (kombu 5.2 JSON and
   * bytes); `allowLossy` does not help, another serializer on the target does. Its error is the cause.
   */
  constructor(entry: EntryRef, differences: readonly DocumentDifference[], from: string, to: string, unwritable?: Error) {
    const listed = differences.slice(0, 5).map((d) => `${d.path}: ${d.source} -> ${d.target}`).join('; ');
    super(
      'ERR_RESULTKIT_MIGRATION_LOSS',
      unwritable
        ? `The ${to} backend cannot hold the ${entry.kind} ${entry.id} from ${from} at all (${listed}). ` +
            `Nothing of it was written, and allowLossy does not change that: give the target a serializer that can encode it.`
        : `The ${to} backend cannot hold the ${entry.kind} ${entry.id} from ${from} exactly (${listed}). ` +
            `Nothing of it was written. Pass allowLossy: true to copy such entries anyway, each reported.`,
      unwritable ? { cause: unwritable } : undefined,
    );
    this.entry = entry;
    this.differences = differences;
  }
}
