import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerConnection } from '../../../src/engine/wire/brokerConnection.js';
import { Writer } from '../../../src/engine/wire/codec.js';
import { reauthDelayMs } from '../../../src/engine/wire/saslSession.js';
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

describe('SASL re-authentication (KIP-368)', () => {
  it('picks its point between 85 % and 95 % of the session lifetime, as the Java client does', () => {
    expect(reauthDelayMs(10_000, () => 0)).toBe(8500);
    expect(reauthDelayMs(10_000, () => 0.5)).toBe(9000);
    expect(reauthDelayMs(10_000, () => 0.999999)).toBe(9499);
  });

  it('re-authenticates before the session expires while requests keep flowing, and none of them fails', async () => {
    const lifetime = 1200;
    // The broker takes 150 ms to answer a re-authentication: requests issued meanwhile must wait, not go out.
    broker = await FakeBroker.start({ sasl: { username: 'u', password: 'p', sessionLifetimeMs: lifetime, reauthDelayMs: 150 } });
    const c = (connection = await BrokerConnection.open('127.0.0.1', broker.port, broker.config(), { random: () => 0.5 }));
    const deadline = Date.now() + 3 * lifetime;
    let sent = 0;
    // Four requests in flight at all times, so re-authentication always starts with responses still to come.
    const worker = async (w: number): Promise<void> => {
      while (Date.now() < deadline) {
        const text = `w${w}-${sent++}`;
        expect(await echo(c, text)).toBe(text);
        await sleep(5);
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
    expect(broker.violations).toEqual([]);
    expect(c.alive).toBe(true);
    expect(c.reauthentications).toBeGreaterThanOrEqual(2);
    const events = broker.sasl;
    // Each re-authentication starts 90 % into the session the previous authentication opened (plus one request's wait).
    for (let i = 1; i < events.length; i += 2) {
      expect(defined(events[i]).kind).toBe('reauth-start');
      expect(events[i + 1]?.kind ?? 'reauthenticated').toBe('reauthenticated');
      const into = defined(events[i]).at - defined(events[i - 1]).at;
      expect(into).toBeGreaterThanOrEqual(lifetime * 0.9 - 5);
      expect(into).toBeLessThan(lifetime);
    }
    expect(sent).toBeGreaterThan(50);
  });

  it('re-authenticates first when the next request comes after the session expired (an idle connection)', async () => {
    broker = await FakeBroker.start({ sasl: { username: 'u', password: 'p', sessionLifetimeMs: 300 } });
    const c = (connection = await BrokerConnection.open('127.0.0.1', broker.port, broker.config()));
    await sleep(450);
    expect(await echo(c, 'after idle')).toBe('after idle');
    expect(broker.sasl.map((e) => e.kind)).toEqual(['authenticated', 'reauth-start', 'reauthenticated']);
    expect(broker.violations).toEqual([]);
  });

  it('does not re-authenticate when the broker grants no session lifetime (connections.max.reauth.ms=0)', async () => {
    broker = await FakeBroker.start({ sasl: { username: 'u', password: 'p', sessionLifetimeMs: 0 } });
    const c = (connection = await BrokerConnection.open('127.0.0.1', broker.port, broker.config()));
    await sleep(100);
    expect(await echo(c, 'x')).toBe('x');
    expect(broker.sasl.map((e) => e.kind)).toEqual(['authenticated']);
  });

  it('a re-authentication the broker refuses fails the waiting requests with the non-retriable authentication error', async () => {
    let reauthRefused = false;
    broker = await FakeBroker.start({
      sasl: { username: 'u', password: 'p', sessionLifetimeMs: 300 },
      handler: (req) => {
        // The credentials were revoked after the first authentication.
        if (req.apiKey !== 36 || defined(broker).sasl.length === 0) return undefined;
        reauthRefused = true;
        return { body: new Writer(64).int16(58).string('Authentication failed: credentials revoked').bytes(Buffer.alloc(0)).int64(0).result() };
      },
    });
    const c = (connection = await BrokerConnection.open('127.0.0.1', broker.port, broker.config()));
    await sleep(300);
    await expect(echo(c, 'x')).rejects.toMatchObject({ type: 'SASL_AUTHENTICATION_FAILED', retriable: false });
    expect(reauthRefused).toBe(true);
    expect(c.alive).toBe(false);
  });
});
