/**
 * `value`, checked: for a value the surrounding logic guarantees (an index within bounds, a key just set), where a
 * non-null assertion would let a broken guarantee run on as `undefined`. Throws when the guarantee does not hold.
 */
export function defined<T>(value: T | undefined, what = 'a value'): T {
  if (value === undefined) throw new Error(`internal error: expected ${what}, found undefined`);
  return value;
}

/** As `defined`, for a value typed as possibly `null` too (a regex match, a child's piped stream). */
export function present<T>(value: T | null | undefined, what = 'a value'): T {
  if (value === undefined || value === null) throw new Error(`internal error: expected ${what}, found ${String(value)}`);
  return value;
}
