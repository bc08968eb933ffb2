import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { directoryProblem, outputFileProblem } from '../../../src/config/outputFiles.js';
import { Output } from '../../../src/report/output.js';

const scratch = mkdtempSync(join(tmpdir(), 'ktc-output-'));

interface Captured {
  stdout: string;
  stderr: string;
}

function capture(): Captured & { restore: () => void } {
  const captured = { stdout: '', stderr: '' };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    captured.stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    captured.stderr += String(chunk);
    return true;
  });
  return Object.assign(captured, {
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  });
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let io: ReturnType<typeof capture> | undefined;
afterEach(() => {
  io?.restore();
  io = undefined;
});

describe('output files checked before the run', () => {
  it('accepts a new file in a writable directory and leaves nothing behind', () => {
    const path = join(scratch, 'new.json');
    expect(outputFileProblem(path)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it('leaves an existing file as it was', () => {
    const path = join(scratch, 'existing.log');
    writeFileSync(path, 'earlier run\n');
    expect(outputFileProblem(path)).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe('earlier run\n');
  });

  it.each([
    ['/nonexistent/dir/x.json', 'cannot be written: directory /nonexistent/dir does not exist'],
    ['/proc/nope/x', 'cannot be written: directory /proc/nope does not exist'],
    [scratch, 'is a directory, not a file'],
  ])('refuses %s: %s', (path, problem) => {
    expect(outputFileProblem(path)).toBe(problem);
  });

  it('checks a directory ktc will create by its nearest existing parent', () => {
    expect(directoryProblem(join(scratch, 'a', 'b'), true)).toBeUndefined();
    expect(existsSync(join(scratch, 'a'))).toBe(false);
    const file = join(scratch, 'plain-file');
    writeFileSync(file, '');
    expect(directoryProblem(file, false)).toBe('is a file, not a directory');
    expect(directoryProblem(join(file, 'sub'), true)).toBe(`cannot be created: ${file} is a file, not a directory`);
  });
});

describe('an output file that fails after the run', () => {
  it('sends the rest of the log and report to stdout and says so once', () => {
    const dir = join(scratch, 'logs');
    mkdirSync(dir);
    const out = new Output(join(dir, 'run.log'));
    io = capture();
    out.line('first');
    rmSync(dir, { recursive: true });
    out.line('second');
    out.line('third');
    expect(io.stdout).toBe('second\nthird\n');
    expect(io.stderr).toBe(
      `ktc: --log-file ${join(dir, 'run.log')} cannot be written: directory ${dir} does not exist: writing the log and the report to stdout instead\n`,
    );
    expect(out.failedWrite).toBe(true);
  });

  it('prints a result file to stdout instead, and names where it went', () => {
    const out = new Output();
    io = capture();
    out.resultFile('--hdr-out', join(scratch, 'gone', 'h.json'), '{"histograms":1}\n', false);
    expect(io.stdout).toBe('{"histograms":1}\n');
    expect(io.stderr).toBe(
      `ktc: --hdr-out ${join(scratch, 'gone', 'h.json')} cannot be written: directory ${join(scratch, 'gone')} does not exist: printed them to stdout instead\n`,
    );
    expect(out.failedWrite).toBe(true);
  });

  it('with --json, points at the JSON result that already holds it', () => {
    const out = new Output();
    io = capture();
    out.resultFile('--hdr-out', join(scratch, 'gone', 'h.json'), '{"histograms":1}\n', true);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(/: they are in the JSON result on stdout\n$/);
  });

  it('writes the file when it can', () => {
    const out = new Output();
    const path = join(scratch, 'h.json');
    out.resultFile('--hdr-out', path, '{}\n', false);
    expect(readFileSync(path, 'utf8')).toBe('{}\n');
    expect(out.failedWrite).toBe(false);
  });
});
