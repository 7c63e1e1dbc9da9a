import { ContentDisallowedError, type Compressor, type Serializer } from '@resultkit/core';
import { describe, expect, it } from 'vitest';
import { codecFor, resultDocument } from './codec-for.js';
import { samePythonValue } from './python-equality.js';

export function registerDocumentTests(serializer: Serializer | undefined, compressor: Compressor | undefined): void {
  describe('through core Codec', () => {
    const document = resultDocument({ answer: 42, items: ['a', 'b', null], nested: { ok: true, ratio: 0.5 } });

    it('a result document round-trips through Codec with accept', () => {
      const codec = codecFor(serializer, compressor);
      expect(samePythonValue(codec.decode(codec.encode(document)), document)).toBe(true);
    });

    it('a reader whose accept leaves the content type out refuses it with ContentDisallowedError', () => {
      const bytes = codecFor(serializer, compressor).encode(document);
      const reader = codecFor(serializer, compressor, ['application/x-resultkit-nothing']);
      expect(() => reader.decode(bytes)).toThrow(ContentDisallowedError);
    });
  });
}
