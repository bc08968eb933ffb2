import { expect } from 'vitest';
import type { RunResult } from '../../src/run/runResult.js';
import { errorLines, type KtcRun } from './runKtc.js';
import { defined } from '../../src/defined.js';

/**
 * What a produce+consume run through a fault must end with, as the Java client would: exit 0, no error line,
 * every message sent acknowledged, and every acknowledged message consumed exactly once and in order.
 */
export function expectDeliveredExactlyOnce(done: KtcRun): RunResult {
  expect(errorLines(done.stderr)).toEqual([]);
  const result = JSON.parse(done.stdout) as RunResult;
  expect(defined(result.producer).failed).toBe(0);
  expect(defined(result.producer).acked).toBe(defined(result.producer).sent);
  expect(defined(result.verification).lost).toBe(0);
  expect(defined(result.verification).duplicates).toBe(0);
  expect(defined(result.verification).outOfOrder).toBe(0);
  expect(defined(result.consumer).ktcMessages).toBe(defined(result.producer).acked);
  expect(done.code).toBe(0);
  return result;
}

/** The "ktc was the bottleneck" warning: wrong whenever the cluster, not ktc, made messages wait. */
export function bottleneckWarnings(result: RunResult): string[] {
  return result.warnings.filter((w) => /bounded by ktc|load generator/.test(w));
}
