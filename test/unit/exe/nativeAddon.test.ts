import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAtomically } from '../../../src/exe/cacheFiles.js';
import { addonDir } from '../../../src/exe/nativeAddon.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'ktc-exe-'));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("where the single executable writes its native addons' binaries", () => {
  it('uses the first candidate it can create, in a directory named after the binaries', () => {
    const root = tempDir();
    writeFileSync(join(root, 'not-a-dir'), '');
    const dir = addonDir('0123abcd', [join(root, 'not-a-dir', 'cache'), join(root, 'tmp-ktc')]);
    expect(dir).toBe(join(root, 'tmp-ktc', 'native-0123abcd'));
    expect(existsSync(dir)).toBe(true);
  });

  it('passes over a directory others may write to, and says why when none is left', () => {
    const root = tempDir();
    const open = join(root, 'open');
    mkdirSync(join(open, 'native-0123abcd'), { recursive: true });
    chmodSync(join(open, 'native-0123abcd'), 0o777);
    expect(() => addonDir('0123abcd', [open])).toThrow(
      `no directory to write ktc's native addons to (${join(open, 'native-0123abcd')} belongs to someone else or others may write to it)`,
    );
  });
});

describe('a file written into the cache', () => {
  it('appears whole under its name, with nothing else left beside it', () => {
    const dir = tempDir();
    writeAtomically(join(dir, 'main.go'), 'package main\n');
    writeAtomically(join(dir, 'main.go'), 'package main // again\n');
    expect(readFileSync(join(dir, 'main.go'), 'utf8')).toBe('package main // again\n');
    expect(readdirSync(dir)).toEqual(['main.go']);
  });
});
