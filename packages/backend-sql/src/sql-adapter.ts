/**
 * The SQL backend: Celery's database backend (celery/backends/database) for PostgreSQL,
 * MySQL/MariaDB and SQLite. Everything dialect-free lives here: encoding rows, batching, groups,
 * cleanup and waiting; the dialect supplies the SQL.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  BackendClosedError,
  DecodeError,
  NotSupportedError,
  type AdapterCapabilities,
  type BackendAdapter,
  type Codec,
  type GroupMeta,
  type PushChannel,
  type PushListener,
  type AdapterStoreOptions as StoreOptions,
  type TaskMeta,
} from '@resultkit/core';
import { ReadBatcher, WriteBatcher } from './batcher.js';
import { wrapSqlError, type Connection } from './connect.js';
import { readColumns, type Dialect, type TableKind, type UpsertOptions } from './engines/dialect.js';
import { NotifyChannel } from './notify.js';
import type { ResolvedSqlOptions } from './options.js';
import { RowCodec, type EncodedTaskRow } from './row-codec.js';
import type { Schema } from './schema.js';
import { SqlEntries } from './sql-entries.js';
import { Sweeper } from './sweeper.js';
import type { TableNames, TaskColumn } from './tables.js';

export interface SqlAdapterInit {
  /** The open database, its dialect and its prepared tables (see `connect`). */
  connection: Connection;
  codec: Codec;
  /** Seconds results live (for the sweeper); null keeps them forever. */
  expires: number | null;
  /** Core's `extended`: reads return the extended fields only when it is on, as Celery's do. */
  extended: boolean;
  options: ResolvedSqlOptions;
}

/** Options of `purgeUnready`. */
export interface PurgeUnreadyOptions {
  /** Only rows in these states (e.g. `['STARTED', 'RETRY']`); default every state without a `date_done`. */
  statuses?: readonly string[];
}

export class SqlAdapter implements BackendAdapter {
  readonly specificationVersion = 'v1' as const;
  readonly name: string;
  readonly capabilities: AdapterCapabilities;
  /** The dialect, its executor and table names (for tools and tests). */
  readonly dialect: Dialect;
  /** The tables as found (and prepared) when the backend opened. */
  readonly schema: Schema;
  /** The NOTIFY channel stores send on (PostgreSQL with `notify` on), else null. */
  readonly notifyChannel: string | null;
  /** The task and group rows, for migration (`migrate` in core). */
  readonly entries: SqlEntries;

  readonly #connection: Connection;
  readonly #options: ResolvedSqlOptions;
  readonly #rows: RowCodec;
  /** The columns `getTaskMeta` reads: the extended ones only with `extended` on. */
  readonly #readColumns: readonly TaskColumn[];
  readonly #upsert: UpsertOptions;
  readonly #groupIdFromSequence: boolean;
  readonly #writes: WriteBatcher<EncodedTaskRow> | null;
  readonly #reads: ReadBatcher<TaskMeta | null> | null;
  readonly #channels = new Set<PushChannel>();
  #sweeper: Sweeper | null = null;
  #closed = false;

  constructor(init: SqlAdapterInit) {
    const { options, connection } = init;
    const { dialect, schema } = connection;
    this.#connection = connection;
    this.#options = options;
    this.dialect = dialect;
    this.schema = schema;
    this.name = dialect.name;
    const push = dialect.supportsNotify && options.notify !== false;
    this.notifyChannel = push ? (options.notifyChannel ?? defaultChannel(dialect.tables)) : null;
    this.capabilities = {
      push,
      groups: true,
      chords: false,
      selfExpiry: false,
      durable: connection.durable,
      preservesSuccess: options.preserveSuccess,
      forget: true,
      sharedReads: true,
    };
    this.#rows = new RowCodec({
      codec: init.codec,
      pickleProtocol: options.pickleProtocol,
      taskColumns: schema.task.columns,
      groupColumns: schema.group.columns,
      relationColumns: options.relationColumns,
      formatTimestamp: (date, digits) => dialect.formatTimestamp(date, digits),
    });
    // Migration copies every column the table has. Reads leave the extended ones out when
    // `extended` is off, as Celery's reader does (its `Task` model has no such columns): six
    // columns fewer make a one-row SQLite read about 0.3 µs faster.
    const relations = options.relationColumns;
    const copyColumns = readColumns(schema.task, { extended: true, relations });
    this.#readColumns = readColumns(schema.task, { extended: init.extended, relations });
    this.#upsert = {
      preserveSuccess: options.preserveSuccess,
      notifyChannel: this.notifyChannel,
      idFromSequence: dialect.usesIdSequences && !schema.task.columns.get('id')?.hasDefault,
    };
    this.#groupIdFromSequence = dialect.usesIdSequences && !schema.group.columns.get('id')?.hasDefault;
    this.entries = new SqlEntries({
      dialect,
      schema,
      codec: init.codec,
      readColumns: copyColumns,
      upsert: this.#upsert,
      groupIdFromSequence: this.#groupIdFromSequence,
      pickleProtocol: options.pickleProtocol,
    });
    const batch = options.batch;
    this.#writes = batch
      ? new WriteBatcher<EncodedTaskRow>({
          write: (rows) => this.#write(rows),
          isRetryable: (error) => this.isRetryable(error),
          maxRows: batch.maxRows,
          maxInFlight: batch.maxInFlight,
        })
      : null;
    this.#reads = batch
      ? new ReadBatcher<TaskMeta | null>({ read: (ids) => this.loadMany(ids), maxRows: batch.maxRows, maxInFlight: batch.maxInFlight })
      : null;
    if (options.sweepInterval !== null && init.expires !== null) {
      const expires = init.expires;
      this.#sweeper = new Sweeper(
        options.sweepInterval * 1000,
        () => this.cleanup(new Date(Date.now() - expires * 1000)),
        (error) => options.onBackgroundError(error, 'sweep'),
      );
    }
  }

  // ---- tasks ---------------------------------------------------------------------------------

  async store(meta: TaskMeta, _options: StoreOptions): Promise<void> {
    // Encoding errors (unpicklable, too large) are thrown here, before anything is sent.
    const row = this.#rows.encodeTask(meta);
    if (this.#writes) return this.#writes.submit(row.taskId, row);
    return this.#write([row]);
  }

  /** Writes rows with distinct task ids: one statement per column set (plain or extended). */
  async #write(rows: EncodedTaskRow[]): Promise<void> {
    const columns = rows[0]!.columns;
    if (rows.every((row) => row.columns === columns)) {
      return this.dialect.upsertTasks(
        columns,
        rows.map((row) => row.values),
        this.#upsert,
      );
    }
    const byColumns = new Map<readonly TaskColumn[], unknown[][]>();
    for (const row of rows) {
      const values = byColumns.get(row.columns);
      if (values) values.push(row.values);
      else byColumns.set(row.columns, [row.values]);
    }
    await Promise.all([...byColumns].map(([columns, values]) => this.dialect.upsertTasks(columns, values, this.#upsert)));
  }

  async load(taskId: string): Promise<TaskMeta | null> {
    if (this.#reads) return this.#reads.submit(taskId);
    const row = await this.dialect.selectTask(this.#readColumns, taskId);
    if (!row) return null;
    const meta = this.#decode(row, taskId);
    if (meta instanceof Error) throw meta;
    return meta;
  }

  /** One SELECT ... WHERE task_id IN (...) for all the ids (chunked past 1,000). */
  async loadMany(taskIds: readonly string[]): Promise<(TaskMeta | null | Error)[]> {
    if (taskIds.length === 1) {
      const id = taskIds[0]!;
      const row = await this.dialect.selectTask(this.#readColumns, id);
      return [row ? this.#decode(row, id) : null];
    }
    const unique = [...new Set(taskIds)];
    const rows = await this.dialect.selectTasks(this.#readColumns, unique);
    const byId = new Map<string, Record<string, unknown>>();
    // MySQL's default collations compare ids case-insensitively, as the query did; the others
    // need no second map (nor a lowercased copy of every id).
    const byLowerId = this.dialect.caseInsensitiveIds ? new Map<string, Record<string, unknown>>() : null;
    for (const row of rows) {
      const id = String(row.task_id);
      byId.set(id, row);
      byLowerId?.set(id.toLowerCase(), row);
    }
    return taskIds.map((id) => {
      const row = byId.get(id) ?? byLowerId?.get(id.toLowerCase());
      return row ? this.#decode(row, id) : null;
    });
  }

  #decode(row: Record<string, unknown>, taskId: string): TaskMeta | Error {
    try {
      return this.#rows.decodeTask(row, taskId);
    } catch (error) {
      return error instanceof Error ? error : new DecodeError(String(error));
    }
  }

  async remove(taskId: string): Promise<void> {
    await this.dialect.deleteTask(taskId);
  }

  // ---- groups --------------------------------------------------------------------------------

  async saveGroup(group: GroupMeta, _options: StoreOptions): Promise<void> {
    const bytes = this.#rows.encodeGroup(group);
    // Written explicitly in UTC (celery#10106: a column default can be the wrong time).
    const dateDone = this.dialect.formatTimestamp(group.dateDone ?? new Date(), this.schema.group.columns.get('date_done')?.fractionalDigits ?? 6);
    await this.dialect.upsertGroup(group.groupId, bytes, dateDone, this.#groupIdFromSequence);
  }

  async loadGroup(groupId: string): Promise<GroupMeta | null> {
    const row = await this.dialect.selectGroup(groupId);
    return row ? this.#rows.decodeGroup(row, groupId) : null;
  }

  async removeGroup(groupId: string): Promise<void> {
    await this.dialect.deleteGroup(groupId);
  }

  // ---- cleanup -------------------------------------------------------------------------------

  /**
   * Deletes task and group rows whose `date_done` is before `olderThan`, at most
   * `cleanupBatchSize` rows per statement, and returns how many. Rows without a `date_done`
   * (STARTED, RETRY, custom states) are never removed here: see `purgeUnready`.
   */
  async cleanup(olderThan: Date): Promise<number> {
    let removed = 0;
    for (const kind of ['task', 'group'] as TableKind[]) {
      const shape = kind === 'task' ? this.schema.task : this.schema.group;
      const limit = this.dialect.formatTimestamp(olderThan, shape.columns.get('date_done')?.fractionalDigits ?? 6);
      for (;;) {
        this.#assertOpen();
        const n = await this.dialect.deleteExpired(kind, limit, this.#options.cleanupBatchSize);
        removed += n;
        if (n < this.#options.cleanupBatchSize) break;
        // Other work runs between batches (SQLite's statements block the event loop).
        await yieldToLoop();
      }
    }
    return removed;
  }

  /**
   * Deletes task rows that have no `date_done`: tasks stuck in STARTED, RETRY or a custom state
   * (a worker died). Celery's schema has no timestamp for them, so they cannot be aged: call
   * this when you know which ones are stale (for example with every worker stopped, or for
   * `statuses: ['STARTED']` after a deploy). A task still running simply writes its row again.
   */
  async purgeUnready(options: PurgeUnreadyOptions = {}): Promise<number> {
    const statuses = options.statuses?.length ? [...options.statuses] : null;
    let removed = 0;
    for (;;) {
      this.#assertOpen();
      const n = await this.dialect.deleteUnready(statuses, this.#options.cleanupBatchSize);
      removed += n;
      if (n < this.#options.cleanupBatchSize) return removed;
      await yieldToLoop();
    }
  }

  // ---- waiting -------------------------------------------------------------------------------

  openPush(listener: PushListener): PushChannel {
    const listen = this.#connection.listen;
    if (!this.capabilities.push || !listen || !this.notifyChannel) {
      throw new NotSupportedError(`Push waiting needs PostgreSQL with notify on; the ${this.name} backend polls.`);
    }
    const dialect = this.dialect;
    const channel = new NotifyChannel({
      channel: this.notifyChannel,
      mode: this.#options.notify === true ? true : 'auto',
      connect: listen,
      notify: (name, payload) => dialect.notify(name, payload),
      load: (ids) => this.loadMany(ids),
      isRetryable: (error) => this.isRetryable(error),
      listener,
      pollInterval: this.#options.notifyPollInterval,
      onError: (error) => this.#options.onBackgroundError(this.wrapError(error), 'listen'),
    });
    this.#channels.add(channel);
    const close = channel.close.bind(channel);
    channel.close = async () => {
      this.#channels.delete(channel);
      await close();
    };
    return channel;
  }

  isRetryable(error: unknown): boolean {
    return this.dialect.isRetryable(error);
  }

  wrapError(error: unknown): Error {
    return wrapSqlError(this.dialect, this.#connection, error);
  }

  /**
   * Waits for queued stores, stops the sweeper and LISTEN, and closes the pool or database,
   * but only if this backend opened it from the URL: a client passed as `sql.client` stays open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sweeper?.stop();
    await Promise.all([this.#writes?.drain(), this.#reads?.drain()]);
    await Promise.all([...this.#channels].map((c) => c.close()));
    await this.dialect.exec.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new BackendClosedError();
  }
}

/** `resultkit_<schema>_<table>`, at most 63 characters (PostgreSQL's identifier length). */
function defaultChannel(tables: TableNames): string {
  const name = `resultkit_${tables.task.schema ? `${tables.task.schema}_` : ''}${tables.task.name}`;
  return name.slice(0, 63);
}
