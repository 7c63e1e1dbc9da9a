/**
 * Reads what kombu's yaml serializer stores (`yaml.safe_load`) with the `yaml` package, in its
 * YAML 1.1 mode and with PyYAML's own resolvers for plain scalars. Safe by construction: only
 * the data tags PyYAML's SafeLoader knows are resolved, and any other tag (`!!python/object`,
 * `!!python/name`, a local `!tag`) is a `DecodeError`, never a string and never a call.
 */
import { DecodeError, MAX_NESTING_DEPTH, nestingTooDeepMessage } from '@resultkit/core';
import { Lexer, parseDocument, type ScalarTag, type Tags } from 'yaml';
import { BOOL, FLOAT, INT, NULL, TIMESTAMP, constructFloat, constructInt, constructTimestamp } from './pyyaml-resolver.js';

const scalar = (tag: string, test: RegExp, resolve: (text: string) => unknown): ScalarTag => ({
  tag: `tag:yaml.org,2002:${tag}`,
  default: true,
  test,
  resolve,
});

const PYYAML_SCALARS: ScalarTag[] = [
  scalar('null', NULL, () => null),
  scalar('bool', BOOL, (text) => /^(?:yes|true|on)$/i.test(text)),
  scalar('int', INT, constructInt),
  scalar('float', FLOAT, constructFloat),
  scalar('timestamp', TIMESTAMP, (text) => {
    const value = constructTimestamp(text);
    if (value instanceof Date && Number.isNaN(value.getTime())) throw new RangeError(`${text} is not a valid datetime`);
    return value;
  }),
];

// The yaml package's YAML 1.1 tags PyYAML's SafeLoader also constructs: maps, sequences, str,
// !!binary, !!set, !!omap, !!pairs and merge keys. Its scalars are replaced by PyYAML's.
const KEPT = new Set(['map', 'seq', 'str', 'binary', 'set', 'omap', 'pairs', 'merge'].map((t) => `tag:yaml.org,2002:${t}`));
const customTags = (tags: Tags): Tags => [
  ...tags.filter((t) => typeof t !== 'string' && KEPT.has(t.tag) && t.tag !== BINARY),
  ...tags.filter((t): t is ScalarTag => typeof t !== 'string' && t.tag === BINARY).map(asPlainBytes),
  ...PYYAML_SCALARS,
];

const BINARY = 'tag:yaml.org,2002:binary';

// The yaml package builds a Buffer; bytes are a plain Uint8Array everywhere else in resultkit.
function asPlainBytes(tag: ScalarTag): ScalarTag {
  return {
    ...tag,
    resolve: (...args: Parameters<ScalarTag['resolve']>) => {
      const bytes = tag.resolve(...args) as Uint8Array;
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}

/** Aliases a document may expand: PyYAML has no limit, but a billion-laughs document is refused. */
const MAX_ALIAS_COUNT = 1000;

/** The value of one YAML document as `safe_load` reads it, or a `DecodeError`. */
export function readPyYaml(text: string): unknown {
  assertFlowDepth(text);
  const doc = parseDocument(text, {
    version: '1.1',
    customTags,
    merge: true,
    uniqueKeys: false, // PyYAML keeps the last of duplicate keys
    prettyErrors: false,
    strict: true,
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const unresolved = /tag/i.test(problem.message) && /resolve|unresolved/i.test(problem.message);
    throw new DecodeError(
      unresolved
        ? `The YAML holds a tag that safe YAML does not resolve (${problem.message}); only plain data tags are read, never Python objects.`
        : `The stored YAML is not valid: ${problem.message}`,
      { cause: problem },
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // The yaml package reports an alias whose anchor is not set (`*a` with no `&a` before it,
    // PyYAML's "found undefined alias") as a ReferenceError: bad input, not a fault of the
    // reader, so it is a DecodeError of its own rather than one wrapping what looks like a crash.
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new DecodeError(`The stored YAML is not valid: an alias refers to an anchor that is not set before it (${error.message}).`);
    }
    throw new DecodeError(`The stored YAML could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Refuses flow collections (`[...]`, `{...}`) nested deeper than the limit every resultkit
 * serializer shares, before the document is parsed. The yaml package's parser is not safe
 * there: a value of 20 KB, `[` ten thousand times, exhausts V8's memory in its regular-expression
 * compiler and ends the whole process with a fatal error that no `catch` sees. Its lexer is
 * linear and knows what is quoted, so the depth is measured with it, and only when the text has
 * enough brackets to get that deep at all.
 */
function assertFlowDepth(text: string): void {
  let openers = 0;
  for (let i = 0; i < text.length && openers <= MAX_NESTING_DEPTH; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5b || code === 0x7b) openers++;
  }
  if (openers <= MAX_NESTING_DEPTH) return;
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > MAX_NESTING_DEPTH) throw new DecodeError(nestingTooDeepMessage('The stored YAML'));
    } else if (token === ']' || token === '}') depth--;
  }
}
