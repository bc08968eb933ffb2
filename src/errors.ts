/**
 * Exit statuses ktc documents in --help and the README. Scripts and the
 * kafka-test-app charm rely on them, so they never change meaning.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  verificationFailed: 3,
  /** SIGINT (Ctrl+C), after draining in-flight messages and printing the summary: 128 + 2, as shells report it. */
  interrupted: 130,
  /** SIGTERM, the same drain and summary: 128 + 15. */
  terminated: 143,
} as const;

export type ExitStatus = (typeof ExitCode)[keyof typeof ExitCode];

/** The status a run stopped by this signal exits with. */
export function signalExitCode(signal: NodeJS.Signals): ExitStatus {
  return signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
}

/**
 * The one error type that reaches the user: a single line saying what is
 * wrong and what to do, plus the exit status. Anything else that escapes is a
 * bug and is reported as such (still without a stack trace unless KTC_DEBUG).
 */
export class KtcError extends Error {
  readonly exitCode: ExitStatus;

  constructor(message: string, exitCode: ExitStatus = ExitCode.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KtcError';
    this.exitCode = exitCode;
  }
}

export class UsageError extends KtcError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
