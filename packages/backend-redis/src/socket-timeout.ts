import type { Redis } from 'ioredis';

/** The part of an ioredis 5 connection that holds its `socketTimeout` timer (not public API). */
interface SocketTimeoutState {
  socketTimeoutTimer?: NodeJS.Timeout | undefined;
}

/**
 * Clears a connection's `socketTimeout` timer whenever its socket closes.
 *
 * ioredis 5 arms one timer per connection when it sends a command and clears it only when that
 * socket next receives data. When the socket closes first (the server killed the connection,
 * restarted or crashed with a command in flight), the timer outlives it, with three effects
 * (redis/ioredis#2147): it keeps the process alive for up to `socket_timeout` (120 s by default)
 * after `close()`; while it is pending no timer is armed for the new socket, so a dead new socket
 * is not noticed; and when it fires it destroys whatever socket the connection has by then, a
 * healthy reconnected one included. A closed socket can never answer, so its timer has nothing
 * left to guard: dropping it on `close` is what ioredis itself does from its fix on.
 */
export function clearSocketTimeoutOnClose(client: Redis): void {
  client.on('close', () => {
    const state = client as unknown as SocketTimeoutState;
    if (state.socketTimeoutTimer === undefined) return;
    clearTimeout(state.socketTimeoutTimer);
    state.socketTimeoutTimer = undefined;
  });
}
