import { EventEmitter } from 'node:events';
import { states, type TaskMeta } from '@resultkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { PgClient, PgNotification } from '../src/clients/pg.js';
import { NotifyChannel, type NotifyChannelOptions } from '../src/notify.js';
import { sleep, until } from './support.js';

/** A LISTEN connection whose notifications the test sends (or swallows, like a transaction pooler). */
class FakeClient extends EventEmitter {
  queries: string[] = [];
  deliver = true;
  failListen: Error | null = null;
  async query(config: { text: string }): Promise<{ rows: []; rowCount: number }> {
    this.queries.push(config.text);
    if (this.failListen && config.text.startsWith('LISTEN')) throw this.failListen;
    return { rows: [], rowCount: 0 };
  }
  notify(message: PgNotification): void {
    if (this.deliver) this.emit('notification', message);
  }
}

const done = (taskId: string): TaskMeta => ({ taskId, status: states.SUCCESS, result: taskId, traceback: null, children: null, dateDone: new Date() });

function setup(overrides: Partial<NotifyChannelOptions> & { deliver?: boolean; failListen?: Error } = {}) {
  const clients: FakeClient[] = [];
  const stored = new Map<string, TaskMeta>();
  const messages: string[] = [];
  let unavailable = 0;
  let restored = 0;
  let loads = 0;
  const errors: unknown[] = [];
  const channel = new NotifyChannel({
    channel: 'resultkit_test',
    mode: 'auto',
    connect: async () => {
      const client = new FakeClient();
      client.deliver = overrides.deliver ?? true;
      client.failListen = overrides.failListen ?? null;
      clients.push(client);
      return { client: client as unknown as PgClient, release: async () => void client.emit('end') };
    },
    notify: async (name, payload) => {
      for (const c of clients) c.notify({ channel: name, payload });
    },
    load: async (ids) => {
      loads++;
      return ids.map((id) => stored.get(id) ?? null);
    },
    isRetryable: (e) => (e as { code?: string }).code === 'ECONNREFUSED',
    listener: {
      message: (id) => void messages.push(id),
      resync: () => {},
      pushUnavailable: () => void unavailable++,
      pushRestored: () => void restored++,
    },
    pollInterval: 60_000,
    probeTimeout: 100,
    onError: (e) => void errors.push(e),
    ...overrides,
  });
  return {
    channel,
    clients,
    stored,
    messages,
    errors,
    unavailable: () => unavailable,
    restored: () => restored,
    loads: () => loads,
    /** A writer that stores and NOTIFYs, as the upsert does. */
    write(id: string) {
      stored.set(id, done(id));
      for (const c of clients) c.notify({ channel: 'resultkit_test', payload: id });
    },
  };
}

let open: NotifyChannel[] = [];
afterEach(async () => {
  await Promise.all(open.map((c) => c.close()));
  open = [];
});

describe('the LISTEN/NOTIFY channel', () => {
  it('LISTENs once, and a notification for a subscribed id reads its row and delivers it', async () => {
    const t = setup();
    open.push(t.channel);
    await t.channel.subscribe(['a', 'b']);
    expect(t.clients).toHaveLength(1);
    expect(t.clients[0]!.queries).toEqual(['LISTEN "resultkit_test"']);
    t.write('a');
    t.write('zzz'); // not subscribed: ignored
    await until(() => t.messages.length === 1);
    expect(t.messages).toEqual(['a']);
    await sleep(150);
    expect(t.channel.state).toBe('listening');
  });

  it('ids notified in the same turn are read with one query', async () => {
    const t = setup();
    open.push(t.channel);
    await t.channel.subscribe(['a', 'b', 'c']);
    const before = t.loads();
    t.write('a');
    t.write('b');
    t.write('c');
    await until(() => t.messages.length === 3);
    expect(t.loads() - before).toBe(1);
  });

  it('falls back to polling when its probe NOTIFY never arrives (a transaction pooler)', async () => {
    const t = setup({ deliver: false });
    open.push(t.channel);
    await t.channel.subscribe(['a']);
    await until(() => t.channel.state === 'polling', 2_000, 'fallback');
    expect(String(t.errors[0])).toMatch(/falling back to polling/);
    // Core polls from now on; the channel itself reads nothing more.
    expect(t.unavailable()).toBe(1);
    const loads = t.loads();
    await sleep(150);
    expect(t.loads()).toBe(loads);
  });

  it('falls back to polling when LISTEN is refused (notify: auto)', async () => {
    const t = setup({ failListen: new Error('LISTEN is not supported') });
    open.push(t.channel);
    await t.channel.subscribe(['a']);
    expect(t.channel.state).toBe('polling');
    expect(t.unavailable()).toBe(1);
  });

  it('with notify: true a refused LISTEN fails the subscription instead', async () => {
    const t = setup({ mode: true, failListen: new Error('LISTEN is not supported') });
    open.push(t.channel);
    await expect(t.channel.subscribe(['a'])).rejects.toThrow('LISTEN is not supported');
  });

  it('reconnects after the connection breaks: core polls meanwhile, then reads every pending id again', async () => {
    const t = setup();
    open.push(t.channel);
    await t.channel.subscribe(['a']);
    await sleep(20);
    t.clients[0]!.emit('error', Object.assign(new Error('Connection terminated unexpectedly'), {}));
    await until(() => t.clients.length === 2 && t.channel.state === 'listening', 3_000, 'reconnect');
    expect(t.unavailable()).toBe(1);
    expect(t.restored()).toBe(1);
    t.write('a');
    await until(() => t.messages.includes('a'));
  });

  it('asks core to read pending ids every pollInterval, for writers that do not NOTIFY (Python Celery)', async () => {
    const t = setup({ pollInterval: 50 });
    open.push(t.channel);
    await t.channel.subscribe(['py']);
    // Core reads at this pace (its own tests and the PostgreSQL suite's silent writer prove it).
    expect(t.channel.safetyPollInterval).toBe(50);
    const loads = t.loads();
    await sleep(150);
    expect(t.loads()).toBe(loads);
  });

  it('close() ends the connection and every timer', async () => {
    const t = setup({ pollInterval: 10 });
    await t.channel.subscribe(['a']);
    await t.channel.close();
    const loads = t.loads();
    await sleep(50);
    expect(t.loads()).toBe(loads);
    await expect(t.channel.subscribe(['b'])).rejects.toThrow(/closed/);
  });
});
