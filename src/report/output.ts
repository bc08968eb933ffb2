import { appendFileSync } from 'node:fs';

/**
 * Where ktc writes: logs and reports to stdout (or --log-file), errors to
 * stderr, so the charm's <epoch>_<role>.log / .err split keeps working. The
 * live progress line goes to stderr and only on a terminal.
 */
export class Output {
  private liveShown = false;

  constructor(private readonly logFile?: string) {}

  line(text: string): void {
    this.clearLive();
    if (this.logFile) appendFileSync(this.logFile, `${text}\n`);
    else process.stdout.write(`${text}\n`);
  }

  /** A log record in client.py's spirit: "<asctime> <LEVEL> [<logger>] <message>". */
  log(logger: string, text: string, level = 'INFO'): void {
    this.line(`${asctime(new Date())} ${level} [${logger}] ${text}`);
  }

  error(text: string): void {
    this.clearLive();
    process.stderr.write(`${text}\n`);
    if (this.logFile) appendFileSync(this.logFile, `${text}\n`);
  }

  get interactive(): boolean {
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
