import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { awaitGroupJoin, type JoinWait } from '../../../src/run/clientRun.js';

/** A join that resolves after joinMs, whose JoinGroup reached the coordinator after requestMs (never if undefined). */
function scenario(joinMs: number, requestMs: number | undefined) {
  const started = Date.now();
  const notices: number[] = [];
  const wait: JoinWait = {
    timeoutMs: 200,
    noticeAfterMs: 100,
    joinRequestedAt: () => (requestMs !== undefined && Date.now() - started >= requestMs ? started + requestMs : undefined),
    onSlowJoin: () => notices.push(Date.now() - started),
    noAnswer: () => new Error('no answer'),
  };
  const joined = sleep(joinMs).then(() => 'joined');
  return { result: awaitGroupJoin(joined, wait), notices };
}

describe('awaitGroupJoin', () => {
  it('waits past --timeout once the coordinator has the join, saying once why it waits', async () => {
    const { result, notices } = scenario(500, 20);
    await expect(result).resolves.toBe('joined');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toBeGreaterThanOrEqual(120);
  });

  it('gives up after --timeout while the cluster has not answered', async () => {
    const { result, notices } = scenario(500, undefined);
    await expect(result).rejects.toThrow('no answer');
    expect(notices).toEqual([]);
  });

  it('says nothing for a join that completes quickly', async () => {
    const { result, notices } = scenario(50, 10);
    await expect(result).resolves.toBe('joined');
    await sleep(150);
    expect(notices).toEqual([]);
  });
});
