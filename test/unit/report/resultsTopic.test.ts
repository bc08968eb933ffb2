import { describe, expect, it } from 'vitest';
import { emptyRunState, observe } from '../../../src/distributed/resultsTopic.js';

describe('reading a run from the results topic', () => {
  it('keeps only the run asked for: announcements once per worker, the last result per worker, progress in order', () => {
    const state = emptyRunState();
    const msg = (o: object) => JSON.stringify({ v: 1, at: '2026-11-24T20:00:00Z', ...o });
    observe(state, 'r1', msg({ kind: 'hello', runId: 'r1', workerId: 'a', host: 'h' }));
    observe(state, 'r1', msg({ kind: 'hello', runId: 'r2', workerId: 'x', host: 'h' }));
    observe(state, 'r1', msg({ kind: 'hello', runId: 'r1', workerId: 'b', host: 'h' }));
    observe(state, 'r1', msg({ kind: 'hello', runId: 'r1', workerId: 'a', host: 'h' }));
    observe(state, 'r1', msg({ kind: 'progress', runId: 'r1', workerId: 'a', seconds: 5, produced: 10 }));
    observe(state, 'r1', msg({ kind: 'result', runId: 'r1', workerId: 'a', result: { topic: 't' } }));
    observe(state, 'r1', 'not json');
    observe(state, 'r1', JSON.stringify({ v: 2, kind: 'hello', runId: 'r1', workerId: 'c' }));
    expect(state.hello).toEqual(['a', 'b']);
    expect([...state.results.keys()]).toEqual(['a']);
    expect(state.progress.map((p) => [p.workerId, p.seconds, p.produced])).toEqual([['a', 5, 10]]);
  });
});
