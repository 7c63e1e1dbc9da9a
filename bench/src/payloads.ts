/**
 * The values benchmarks store, shared so that every backend's ratios are measured on the same
 * payload.
 */

/** A typical task return value: a few fields, a short list, some non-ASCII text. */
export const typicalPayload = {
  report: 'inventory-sync',
  total: 42,
  elapsed: 12.375,
  items: [
    { id: 1, name: 'Café', ok: true },
    { id: 2, name: 'Item 2', ok: false },
    { id: 3, name: 'Item 3', ok: true },
  ],
};
