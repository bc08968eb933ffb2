import { UsageError } from '../errors.js';
import { FlagValueError, type FlagKind } from './flagKinds.js';

/**
 * One flag, declared once: the parser's options, --help, the value's type
 * and its validation all come from here.
 */
export interface FlagSpec<T> {
  readonly kind: FlagKind<T>;
  readonly describe: string;
  /** One-letter alias, as in client.py (-t, -u, ...). */
  readonly alias?: string;
  /** --help section. */
  readonly group?: string;
  readonly hidden?: true;
  /** A positional argument (`ktc local kill <node>`), not a --flag. */
  readonly positional?: true;
  /** Parsed like a value given on the command line. */
  readonly default?: string;
  /** Shown in --help instead of a default computed from the environment. */
  readonly defaultDescription?: string;
}

export type FlagTable = Readonly<Record<string, FlagSpec<unknown>>>;

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
/** A repeatable flag's value is the list of what each occurrence parsed to. */
type ValueOf<S> = S extends FlagSpec<infer T> ? (S extends { kind: { repeatable: true } } ? T[] : T) : never;
/** Always present: a default applies, or the command's syntax demands it (`kill <node>`). */
type Defaulted<D extends FlagTable> = {
  [K in keyof D & string]: D[K] extends { default: string } | { positional: true } ? K : never;
}[keyof D & string];

/** The parsed values of a table's flags, camelCased; absent unless given or defaulted. */
export type FlagValues<D extends FlagTable> = {
  -readonly [K in Exclude<keyof D & string, Defaulted<D>> as Camel<K>]?: ValueOf<D[K]>;
} & {
  -readonly [K in Defaulted<D> as Camel<K>]: ValueOf<D[K]>;
};

export function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** How error lines name a flag: "-n/--num-messages", "--timeout", "<node>". */
export function flagDisplay(name: string, spec: Pick<FlagSpec<unknown>, 'alias' | 'positional'>): string {
  if (spec.positional) return `<${name}>`;
  return spec.alias ? `-${spec.alias}/--${name}` : `--${name}`;
}

/** A value as an error line shows it: bare when unambiguous, quoted when empty or spaced. */
function shown(text: string, secret: boolean | undefined): string {
  if (secret) return '(hidden)';
  return /^[^\s"']+$/.test(text) ? text : JSON.stringify(text);
}

function refuse(display: string, text: string, err: unknown, secret: boolean | undefined): never {
  if (!(err instanceof FlagValueError)) throw err;
  const value = shown(text, secret);
  const line = { value: `${display} ${value} ${err.reason}`, colon: `${display} ${value}: ${err.reason}`, flag: `${display} ${err.reason}` };
  throw new UsageError(line[err.follows]);
}

function parseText(display: string, kind: FlagKind<unknown>, text: string): unknown {
  if (text.trim() === '') throw new UsageError(`${display} is empty: give ${kind.accepts}`);
  try {
    return kind.parse(text);
  } catch (err) {
    refuse(display, text, err, kind.secret);
  }
}

/** One flag's parsed value (a list for a repeatable flag) from what the command-line parser collected for it. */
function readFlag(name: string, spec: FlagSpec<unknown>, raw: unknown): unknown {
  const display = flagDisplay(name, spec);
  const { kind } = spec;
  if (kind.boolean) {
    // The last of repeated switches wins, as with --no-verify-hostname after --verify-hostname.
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    let value: unknown;
    for (const v of values) {
      if (typeof v === 'boolean') value = v;
      else {
        try {
          value = kind.parse(String(v));
        } catch (err) {
          refuse(display, String(v), err, kind.secret);
        }
      }
    }
    return value;
  }
  if (kind.repeatable) {
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    return values.map((v) => parseText(display, kind, String(v)));
  }
  if (Array.isArray(raw)) {
    const given = raw.map((v) => shown(String(v), kind.secret)).join(', ');
    throw new UsageError(`${display} is given ${raw.length} times (${given}): give it once`);
  }
  // --no-topic, or a value-taking flag parsed as a switch.
  if (typeof raw === 'boolean') throw new UsageError(`${display} needs a value: give ${kind.accepts}`);
  return parseText(display, kind, String(raw));
}

/**
 * Every flag of `table` parsed and checked, from the parser's arguments
 * (kebab-case keys as declared). Throws the UsageError of the first value
 * that is refused; nothing has been sent at that point.
 */
export function readFlags<D extends FlagTable>(table: D, args: Readonly<Record<string, unknown>>): FlagValues<D> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    // Switches' defaults are not given to the parser (see yargsFlags); theirs apply here.
    const raw = args[name] ?? (spec.kind.boolean ? spec.default : undefined);
    if (raw === undefined) continue;
    out[camelCase(name)] = readFlag(name, spec, raw);
  }
  // Each value came from its own spec's kind, which is what FlagValues<D> says of it.
  return out as FlagValues<D>;
}
