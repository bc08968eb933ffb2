import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EPILOGUE } from '../../../src/cli/clientOptions.js';
import { ExitCode, signalExitCode } from '../../../src/errors.js';
import { REPO } from '../../helpers/sourceImports.js';

const documented = [...new Set(Object.values(ExitCode))].sort((a, b) => a - b);

/** The statuses a text lists, in order: every number that starts a "<status> <meaning>" item. */
function statusesIn(text: string, item: RegExp): number[] {
  return [...text.matchAll(item)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

describe('exit statuses', () => {
  it('--help lists exactly the statuses ktc exits with', () => {
    const paragraph = EPILOGUE.slice(0, EPILOGUE.indexOf('\n\n'));
    expect(paragraph).toMatch(/^Exit status:/);
    expect(statusesIn(paragraph, /(?:^Exit status:|[;,]) ?\n?(\d+) [a-z]/g)).toEqual(documented);
  });

  it("the README's table lists exactly the same", () => {
    const readme = readFileSync(`${REPO}/README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('## Exit statuses'), readme.indexOf('\n## ', readme.indexOf('## Exit statuses') + 1));
    expect(statusesIn(section, /^\| (\d+) \|/gm)).toEqual(documented);
  });

  it('a signal maps to its documented status', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});
