import type { EntryRef } from '../adapter/stored-entries.js';
import { ResultkitError } from '../errors.js';
import type { DocumentDifference } from './compare-documents.js';

/** The target would read an entry back differently from the source; nothing of it was written. */
export class MigrationLossError extends ResultkitError {
  readonly entry: EntryRef;
  readonly differences: readonly DocumentDifference[];

  constructor(entry: EntryRef, differences: readonly DocumentDifference[], from: string, to: string) {
    const listed = differences.slice(0, 5).map((d) => `${d.path}: ${d.source} -> ${d.target}`).join('; ');
    super(
      'ERR_RESULTKIT_MIGRATION_LOSS',
      `The ${to} backend cannot hold the ${entry.kind} ${entry.id} from ${from} exactly (${listed}). ` +
        `Nothing of it was written. Pass allowLossy: true to copy such entries anyway, each reported.`,
    );
    this.entry = entry;
    this.differences = differences;
  }
}
