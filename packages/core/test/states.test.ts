import { describe, expect, it } from 'vitest';
import { EXCEPTION_STATES, isMoreFinal, precedence, PROPAGATE_STATES, READY_STATES, states } from '../src/index.js';

describe('states', () => {
  it('ready, exception and propagate sets are Celery’s', () => {
    expect([...READY_STATES].sort()).toEqual(['FAILURE', 'REVOKED', 'SUCCESS']);
    expect([...EXCEPTION_STATES].sort()).toEqual(['FAILURE', 'RETRY', 'REVOKED']);
    expect([...PROPAGATE_STATES].sort()).toEqual(['FAILURE', 'REVOKED']);
  });

  it('precedence: SUCCESS, FAILURE, custom, REVOKED, STARTED, RECEIVED, REJECTED, RETRY, PENDING', () => {
    const order = ['SUCCESS', 'FAILURE', 'PROGRESS', 'REVOKED', 'STARTED', 'RECEIVED', 'REJECTED', 'RETRY', 'PENDING'];
    const ranks = order.map(precedence);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(order.length);
  });

  it('a custom state is more final than REVOKED and less than FAILURE', () => {
    expect(isMoreFinal('PROGRESS', states.REVOKED)).toBe(true);
    expect(isMoreFinal(states.FAILURE, 'PROGRESS')).toBe(true);
    expect(isMoreFinal(states.PENDING, states.RETRY)).toBe(false);
  });
});
