/**
 * Python floats in JSON. JavaScript has one number type, Python has two: `json.dumps(3.0)` is
 * `3.0` (a float) and `json.dumps(3)` is `3` (an int). A JavaScript number that happens to be
 * integral is written as an int; `PyFloat` marks one that must stay a Python float.
 */

/**
 * A number Python must read back as a `float`, even when it is integral: `new PyFloat(3)` is
 * written `3.0`, `new PyFloat(-0)` `-0.0`, `new PyFloat(1e16)` `1e+16`. `parseJson` returns
 * these for integral floats only when asked (`preserveFloats`), so that a document can be read
 * and written back byte for byte.
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  /** Python's `repr()`: `3.0`, `1e+16`, `nan`, `-inf`. */
  toString(): string {
    const value = this.value;
    if (Number.isFinite(value)) return formatPythonFloat(value);
    if (Number.isNaN(value)) return 'nan';
    return value > 0 ? 'inf' : '-inf';
  }
  toJSON(): number {
    return this.value;
  }
}

/**
 * Python's `repr(float)`, which `json.dumps` uses for every finite float. The digits are the
 * shortest that round-trip, exactly as JavaScript picks them; only the layout differs. Python
 * switches to scientific notation when the decimal exponent is below -4 or at least 16 (JS: -7
 * and 21), writes at least two exponent digits (`1e-05`), and keeps `.0` on integral values.
 * Not for NaN or the infinities: JSON writes those as bare tokens.
 */
export function formatPythonFloat(value: number): string {
  const magnitude = Math.abs(value);
  // 1e-4 and 1e16 are the doubles nearest those powers of ten. A double's shortest digits never
  // round across the power of ten nearest to it, so comparing the double decides the exponent.
  if ((magnitude >= 1e-4 && magnitude < 1e16) || magnitude === 0) {
    const text = Object.is(value, -0) ? '-0' : String(value);
    return Number.isInteger(value) ? `${text}.0` : text;
  }
  // `toExponential()` without an argument gives the same shortest digits: `1.5e+16`, `1e-7`.
  const text = value.toExponential();
  const e = text.indexOf('e');
  const sign = text[e + 1]; // toExponential always writes a sign
  const exponent = text.slice(e + 2);
  return `${text.slice(0, e)}e${sign}${exponent.length === 1 ? `0${exponent}` : exponent}`;
}
