import type { FlagTable } from '../config/flagTable.js';
import { defined } from '../defined.js';

export const REDACTED = '<redacted>';

/** The spellings of every secret flag in a table: --password, -p. */
function secretSpellings(table: FlagTable): string[] {
  const spellings: string[] = [];
  for (const [name, flag] of Object.entries(table)) {
    if (!flag.kind.secret) continue;
    spellings.push(`--${name}`);
    if (flag.alias) spellings.push(`-${flag.alias}`);
  }
  return spellings;
}

/** One argument as a POSIX shell would need it quoted to be pasted back. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * The command line as typed, for a report people share: the value of every secret flag (in any of its
 * spellings: `-p X`, `--password=X`, `-pX`) and every occurrence of the secrets themselves replaced.
 */
export function redactedCommandLine(argv: readonly string[], table: FlagTable, secrets: readonly string[], program = 'ktc'): string {
  const spellings = secretSpellings(table);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = defined(argv[i]);
    const spelled = spellings.find((s) => arg === s || arg.startsWith(`${s}=`) || (s.length === 2 && arg.startsWith(s) && !arg.startsWith('--')));
    if (spelled && arg === spelled) {
      out.push(arg);
      if (i + 1 < argv.length) {
        out.push(REDACTED);
        i++;
      }
    } else if (spelled) {
      out.push(`${spelled}${arg.startsWith(`${spelled}=`) ? '=' : ''}${REDACTED}`);
    } else {
      out.push(secrets.reduce((a, secret) => (secret ? a.replaceAll(secret, REDACTED) : a), arg));
    }
  }
  return [program, ...out.map((a) => (a.endsWith(REDACTED) ? a : shellQuote(a)))].join(' ');
}
