import type { ConfirmChannel, Message } from 'amqplib';

/**
 * Results are published `mandatory`: a result the broker cannot route (its reply queue does
 * not exist: the client that sent the task is gone, or has not declared its queue again since
 * the broker restarted) comes back as a `basic.return` before the broker confirms it. Without
 * this, the broker confirms such a message and drops it, and a store would resolve for a
 * result nobody can ever read.
 *
 * amqplib reports the return as an event of the channel and the confirm through the publish
 * callback, with nothing to join them. The broker sends a message's return before its confirm,
 * so when the confirm arrives the return has been seen: each publish waiting for its confirm
 * is looked up by routing key, correlation id and body, which tell two results apart even when
 * they are for the same task and the same queue.
 */
export class ReturnedMessages {
  /** Publishes waiting for their confirm, by routing key and correlation id. */
  readonly #pending = new Map<string, Pending[]>();

  constructor(channel: ConfirmChannel) {
    channel.on('return', (message: Message) => this.#onReturn(message));
  }

  /**
   * Registers a publish before it is sent; `settled()` is called from its confirm callback and
   * says whether the broker returned it (and the message is then lost).
   */
  track(routingKey: string, correlationId: string, body: Buffer): { settled(): boolean } {
    const key = keyOf(routingKey, correlationId);
    const entry: Pending = { body, returned: false };
    const list = this.#pending.get(key);
    if (list) list.push(entry);
    else this.#pending.set(key, [entry]);
    return {
      settled: () => {
        const current = this.#pending.get(key);
        const index = current?.indexOf(entry) ?? -1;
        if (current && index >= 0) {
          current.splice(index, 1);
          if (!current.length) this.#pending.delete(key);
        }
        return entry.returned;
      },
    };
  }

  #onReturn(message: Message): void {
    const correlationId = (message.properties as { correlationId?: string }).correlationId ?? '';
    const list = this.#pending.get(keyOf(message.fields.routingKey, correlationId));
    // The oldest publish with that body not yet marked: messages come back in publish order.
    const entry = list?.find((candidate) => !candidate.returned && candidate.body.equals(message.content));
    if (entry) entry.returned = true;
  }
}

interface Pending {
  body: Buffer;
  returned: boolean;
}

function keyOf(routingKey: string, correlationId: string): string {
  return `${routingKey}\u0000${correlationId}`;
}
