import { appendFileSync, writeFileSync } from 'node:fs';
import { writeFailure } from '../config/outputFiles.js';

/**
 * Where ktc writes: logs and reports to stdout (or --log-file), errors to
 * stderr, so the charm's <epoch>_<role>.log / .err split keeps working. The
 * live progress line goes to stderr and only on a terminal.
 *
 * --log-file was checked before the run; should it still fail (disk full,
 * directory removed), the rest goes to stdout and stderr says so once: a run
 * never ends with its report lost.
 */
export class Output {
  private liveShown = false;
  private logFile: string | undefined;
  /** Set once an output file could not be written: the run then exits non-zero. */
  failedWrite = false;

  constructor(logFile?: string) {
    this.logFile = logFile;
  }

  line(text: string): void {
    this.clearLive();
    if (!this.appendToLogFile(text)) process.stdout.write(`${text}\n`);
  }

  /** False when there is no log file (any more): the caller writes to stdout. */
  private appendToLogFile(text: string): boolean {
    if (!this.logFile) return false;
    try {
      appendFileSync(this.logFile, `${text}\n`);
      return true;
    } catch (err) {
      const path = this.logFile;
      this.logFile = undefined;
      this.failedWrite = true;
      process.stderr.write(`ktc: --log-file ${path} ${writeFailure(path, err)}: writing the log and the report to stdout instead\n`);
      return false;
    }
  }

  /** A log record in client.py's spirit: "<asctime> <LEVEL> [<logger>] <message>". */
  log(logger: string, text: string, level = 'INFO'): void {
    this.line(`${asctime(new Date())} ${level} [${logger}] ${text}`);
  }

  error(text: string): void {
    this.clearLive();
    process.stderr.write(`${text}\n`);
    this.appendToLogFile(text);
  }

  /**
   * Writes a result file (e.g. --hdr-out). If that fails after the run, the
   * content goes to stdout instead, or is left to the --json result that
   * already holds it (`inJson`), and stderr says where it went.
   */
  resultFile(flag: string, path: string, content: string, inJson: boolean): void {
    try {
      writeFileSync(path, content);
    } catch (err) {
      this.failedWrite = true;
      this.clearLive();
      if (!inJson) process.stdout.write(content);
      const where = inJson ? 'they are in the JSON result on stdout' : 'printed them to stdout instead';
      process.stderr.write(`ktc: ${flag} ${path} ${writeFailure(path, err)}: ${where}\n`);
    }
  }

  /** Writes --html; a report that cannot be written is not worth printing to a terminal, so stderr says why. */
  htmlFile(path: string, content: string): void {
    try {
      writeFileSync(path, content);
    } catch (err) {
      this.failedWrite = true;
      this.clearLive();
      process.stderr.write(`ktc: --html ${path} ${writeFailure(path, err)}: the report above is all there is of this run\n`);
    }
  }

  get interactive(): boolean {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion -- isTTY is undefined when stderr is not a terminal, though typed boolean
    return Boolean(process.stderr.isTTY) && !this.logFile;
  }

  live(text: string): void {
    if (!this.interactive) return;
    process.stderr.write(`\r\x1b[2K${text}`);
    this.liveShown = true;
  }

  clearLive(): void {
    if (!this.liveShown) return;
    process.stderr.write('\r\x1b[2K');
    this.liveShown = false;
  }
}

/** Python logging's default asctime: "2026-11-24 20:15:01,123" (local time). */
export function asctime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}
