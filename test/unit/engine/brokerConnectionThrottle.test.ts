import { afterEach, describe, expect, it } from 'vitest';
import { API, BrokerConnection } from '../../../src/engine/wire/brokerConnection.js';
import { Writer } from '../../../src/engine/wire/codec.js';
import { ThrottleStats } from '../../../src/engine/wire/throttleStats.js';
import { ECHO_API, FakeBroker } from './fakeBroker.js';
import { defined } from '../../../src/defined.js';

let broker: FakeBroker | undefined;
let connection: BrokerConnection | undefined;

afterEach(async () => {
  connection?.close();
  connection = undefined;
  await broker?.stop();
  broker = undefined;
});

const echo = (c: BrokerConnection, text: string) => c.request(ECHO_API, 5, new Writer(32).string(text).result()).then((r) => defined(r).string());

async function connect(totals: ThrottleStats): Promise<BrokerConnection> {
  broker = await FakeBroker.start();
  connection = await BrokerConnection.open('127.0.0.1', broker.port, broker.config(), { throttleTotals: totals });
  return connection;
}

describe('throttling (KIP-219)', () => {
  it('holds the next requests back until the throttle a Produce v7 response reported has ended, keeping their order', async () => {
    const totals = new ThrottleStats();
    const c = await connect(totals);
    expect(await echo(c, 'before')).toBe('before');
    const reportedAt = Date.now();
    c.throttled(300, API.produce, 7);
    const texts = ['a', 'b', 'c'];
    expect(await Promise.all(texts.map((t) => echo(c, t)))).toEqual(texts);
    const arrivals = defined(broker).of(ECHO_API).slice(1);
    expect(arrivals.map((r) => r.body.subarray(2).toString())).toEqual(texts);
    for (const r of arrivals) expect(r.at - reportedAt).toBeGreaterThanOrEqual(295);
    expect(c.throttle.snapshot()).toEqual({ count: 1, totalMs: 300, maxMs: 300 });
    expect(totals.snapshot()).toEqual({ count: 1, totalMs: 300, maxMs: 300 });
  });

  it('a longer throttle reported meanwhile extends the wait; a shorter one does not shorten it', async () => {
    const totals = new ThrottleStats();
    const c = await connect(totals);
    const reportedAt = Date.now();
    c.throttled(200, API.fetch, 11);
    c.throttled(350, API.metadata, 8);
    c.throttled(50, API.produce, 8);
    expect(await echo(c, 'x')).toBe('x');
    expect(defined(defined(broker).of(ECHO_API)[0]).at - reportedAt).toBeGreaterThanOrEqual(345);
    expect(totals.snapshot()).toEqual({ count: 3, totalMs: 600, maxMs: 350 });
  });

  it('counts but does not hold back after a response version whose throttle the broker already applied (Fetch v4)', async () => {
    const totals = new ThrottleStats();
    const c = await connect(totals);
    const reportedAt = Date.now();
    c.throttled(400, API.fetch, 4);
    c.throttled(0, API.produce, 7);
    expect(await echo(c, 'x')).toBe('x');
    expect(defined(defined(broker).of(ECHO_API)[0]).at - reportedAt).toBeLessThan(200);
    expect(c.throttle.snapshot()).toEqual({ count: 1, totalMs: 400, maxMs: 400 });
  });
});
