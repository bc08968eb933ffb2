import type { Argv, Options, PositionalOptions } from 'yargs';
import { flagDisplay, type FlagSpec, type FlagTable } from '../config/flagTable.js';

/**
 * A flag declaration as yargs options. yargs only collects text here; types,
 * ranges and choices are checked by the declaration's kinds (readFlags), so
 * every refusal is one line that names the flag, the value and what is
 * accepted. Values are never typed for yargs: a value-taking flag always takes
 * the next word (`--idle-timeout -5s` is a value, not flags -5 and -s), and
 * switches stay untyped so that `--json=maybe` reaches the check instead of
 * silently reading as false.
 */
function options(spec: FlagSpec<unknown>): Options {
  const { kind } = spec;
  return {
    describe: `${spec.describe} [${kind.label}]`,
    ...(spec.alias ? { alias: spec.alias } : {}),
    ...(kind.boolean ? {} : kind.repeatable ? { array: true } : { nargs: 1 }),
    ...(spec.hidden ? { hidden: true } : {}),
    // A switch's default is applied by readFlags: given to yargs, a text default
    // makes a bare `--json` keep it ("false") instead of reading as true.
    ...(spec.default !== undefined && !kind.boolean ? { default: spec.default } : {}),
    ...(spec.default !== undefined ? { defaultDescription: spec.defaultDescription ?? spec.default } : {}),
  };
}

function positional(spec: FlagSpec<unknown>): PositionalOptions {
  return { describe: `${spec.describe} [${spec.kind.label}]` };
}

/** Every value reaches the flag declarations as typed: their kinds parse numbers, not yargs. */
export const PARSER_CONFIGURATION = { 'parse-numbers': false, 'parse-positional-numbers': false } as const;

/** Declares every flag of `table` on `y`, each in its --help group. */
export function declareFlags<T>(y: Argv<T>, table: FlagTable): Argv<T> {
  let out = y;
  for (const [name, spec] of Object.entries(table)) {
    out = spec.positional ? out.positional(name, positional(spec)) : out.option(name, options(spec));
    if (spec.group && !spec.positional) out = out.group(name, spec.group);
  }
  return out;
}

/** "-n/--num-messages" for yargs' own messages about a key ("Not enough arguments following: n"). */
export function displayFor(tables: readonly FlagTable[], key: string): string {
  for (const table of tables) {
    for (const [name, spec] of Object.entries(table)) {
      if (name === key || spec.alias === key) return flagDisplay(name, spec);
    }
  }
  return key.length === 1 ? `-${key}` : `--${key}`;
}
