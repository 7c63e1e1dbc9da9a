import { RemoteTaskError } from '@resultkit/core';

/**
 * Python's `repr()` of decoded values, for the one place Celery puts a repr on the wire: the
 * chord error `Dependency <id> raised ValueError('bad', 42)`. Covers what a stored exception's
 * arguments can hold (str, int, float, bool, None, list, dict, bytes); anything else falls
 * back to its text in quotes.
 */
export function pythonRepr(value: unknown, depth = 0): string {
  if (depth > 50) return '...';
  if (value === null || value === undefined) return 'None';
  if (value instanceof RemoteTaskError) return exceptionRepr(value);
  switch (typeof value) {
    case 'string':
      return strRepr(value);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'bigint':
      return value.toString();
    case 'number':
      return numberRepr(value);
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map((v) => pythonRepr(v, depth + 1)).join(', ')}]`;
  if (value instanceof Uint8Array) return bytesRepr(value);
  if (value instanceof Map) {
    return `{${[...value].map(([k, v]) => `${pythonRepr(k, depth + 1)}: ${pythonRepr(v, depth + 1)}`).join(', ')}}`;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${strRepr(k)}: ${pythonRepr(v, depth + 1)}`).join(', ')}}`;
  }
  return strRepr(String(value));
}

/**
 * `repr(exc)` of a decoded exception: `Name('a', 1)`, `Name('a')` for one argument, `Name()`
 * for none. Python prints the bare class name (`__name__`), not the module or outer classes.
 */
export function exceptionRepr(error: RemoteTaskError): string {
  const name = error.excType.split('.').pop() || error.excType;
  const args = error.excArgs;
  if (args.length === 1) return `${name}(${pythonRepr(args[0])})`;
  return `${name}(${args.map((a) => pythonRepr(a)).join(', ')})`;
}

function strRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i]!;
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) out += `\\x${hex(code, 2)}`;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += char + text[i + 1]!;
      i++;
    } else if ((code >= 0xd800 && code <= 0xdfff) || code === 0x2028 || code === 0x2029) out += `\\u${hex(code, 4)}`;
    else out += char;
  }
  return out + quote;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function bytesRepr(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? '"' : "'";
  let out = `b${quote}`;
  for (const b of bytes) {
    const char = String.fromCharCode(b);
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${hex(b, 2)}`;
    else out += char;
  }
  return out + quote;
}

// Python's float repr: the shortest digits that round-trip (as in JavaScript), but written in
// positional notation only for exponents -4..15, otherwise as `1e-07` / `1.5e+16`. An integral
// number is taken to be an int: JSON does not say which it was.
function numberRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return Object.is(n, -0) ? '-0.0' : String(n);
  const [mantissa, exponentText] = n.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    const text = String(n);
    // JavaScript switches to exponents only below 1e-6; write those small values out in full.
    if (!text.includes('e')) return Number.isInteger(n) ? `${text}.0` : text;
    return n.toFixed(Math.max(0, -exponent + mantissa.replace(/^-?\d\.?/, '').length));
  }
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}
