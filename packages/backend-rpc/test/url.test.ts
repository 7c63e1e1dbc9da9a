import { ConfigurationError } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { parseBrokerUrl, parseRpcUrl } from '../src/url.js';

describe('URLs', () => {
  it('reads a broker URL as kombu does: guest defaults, the path after the first slash is the vhost', () => {
    expect(parseBrokerUrl('amqp://guest:guest@127.0.0.1:5672//').connect).toMatchObject({ hostname: '127.0.0.1', port: 5672, vhost: '/' });
    expect(parseBrokerUrl('amqp://h').connect).toMatchObject({ username: 'guest', password: 'guest', port: 5672, vhost: '/' });
    expect(parseBrokerUrl('pyamqp://u:p%40ss@h:1234/my%2Fvhost?heartbeat=30').connect).toMatchObject({
      username: 'u', password: 'p@ss', port: 1234, vhost: 'my/vhost', heartbeat: 30,
    });
    const tls = parseBrokerUrl('amqps://u:secret@h/v');
    expect(tls).toMatchObject({ tls: true, connect: { protocol: 'amqps', port: 5671 }, redacted: 'amqps://u:***@h/v' });
    expect(tls.secrets.text('amqps://u:secret@h/v said secret')).toBe('amqps://u:***@h/v said ***');
  });

  it('the backend URL is rpc:// and nothing else', () => {
    expect(() => parseRpcUrl('rpc://')).not.toThrow();
    expect(() => parseRpcUrl('rpc:///')).not.toThrow();
    expect(() => parseRpcUrl('rpc://localhost')).toThrow(ConfigurationError);
  });
});
