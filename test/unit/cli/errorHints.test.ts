import { describe, expect, it } from 'vitest';
import { ERROR_HINTS } from '../../../src/cli/errorHints.js';
import { CLIENT_FLAGS } from '../../../src/config/clientFlags.js';
import { sourceFiles, stringTexts } from '../../helpers/sourceImports.js';

/** "--no-verify-hostname" → "verify-hostname"; "-c" → "consumer-group-prefix" (by its alias). */
function flagNamed(token: string): string | undefined {
  const flags = CLIENT_FLAGS as Record<string, { alias?: string; kind: { boolean?: true } }>;
  if (token.startsWith('--no-') && flags[token.slice(5)]?.kind.boolean) return token.slice(5);
  if (token.startsWith('--')) return token.slice(2) in flags ? token.slice(2) : undefined;
  return Object.keys(flags).find((name) => flags[name]?.alias === token.slice(1));
}

/** Flags a text names: --long-ones and -x short ones (not "-1", not the "-v8" of "v3-v8"). */
const FLAG = /(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])/g;

describe("the CLI's error hints", () => {
  it('name only flags ktc has', () => {
    const named = Object.values(ERROR_HINTS).flatMap((hint) => [...hint.matchAll(FLAG)].map((m) => m[1] ?? ''));
    expect(named.length).toBeGreaterThan(15);
    expect(named.filter((token) => flagNamed(token) === undefined)).toEqual([]);
  });
});

describe('src/engine names no flag', () => {
  it('no string the engine can print names a flag: the CLI adds its hints', () => {
    const files = sourceFiles('src/engine');
    expect(files).toContain('src/engine/kafkaErrors.ts');
    const offending = files.flatMap((file) =>
      stringTexts(file)
        .filter(({ text }) => [...text.matchAll(FLAG)].some((m) => flagNamed(m[1] ?? '') !== undefined))
        .map(({ text, line }) => `${file}:${line}: ${text}`),
    );
    expect(offending).toEqual([]);
  });
});
