import { afterEach, describe, expect, it } from 'vitest';
import { API, BrokerConnection } from '../../../src/engine/wire/brokerConnection.js';
import { Writer } from '../../../src/engine/wire/codec.js';
import { ConnectionError } from '../../../src/engine/wire/protocolErrors.js';
import { ECHO_API, FakeBroker, KAFKA_4_RANGES, type FakeBrokerOptions } from './fakeBroker.js';
import { defined } from '../../../src/defined.js';

let broker: FakeBroker | undefined;
let connection: BrokerConnection | undefined;

afterEach(async () => {
  connection?.close();
  connection = undefined;
  await broker?.stop();
  broker = undefined;
});

async function connect(options: FakeBrokerOptions = {}, timeoutMs = 2000): Promise<BrokerConnection> {
  broker = await FakeBroker.start(options);
  connection = await BrokerConnection.open('127.0.0.1', broker.port, broker.config({ timeoutMs }));
  return connection;
}

const echo = (c: BrokerConnection, text: string) => c.request(ECHO_API, 5, new Writer(32).string(text).result()).then((r) => defined(r).string());
/** expect.stringMatching, typed: vitest types its asymmetric matchers as any. */
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

describe('ApiVersions negotiation', () => {
  it('asks ApiVersions v2 first and picks the highest version both sides speak', async () => {
    const c = await connect({ ranges: { ...KAFKA_4_RANGES, 0: [3, 5] } });
    expect(defined(broker).requests.map((r) => [r.apiKey, r.version])).toEqual([[18, 2]]);
    expect(c.version(API.produce, 3, 8)).toBe(5);
    expect(c.version(API.fetch, 4, 11)).toBe(11);
    expect(c.brokerRange(API.fetch)).toEqual({ min: 4, max: 18 });
  });

  it('without a common version, says in one line which API, both ranges and the brokers ktc supports', async () => {
    const c = await connect({ ranges: { ...KAFKA_4_RANGES, 0: [9, 13] } });
    let error: (Error & { retriable?: boolean; code?: number }) | undefined;
    try {
      c.version(API.produce, 3, 8);
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toBe(
      `the broker at 127.0.0.1:${defined(broker).port} accepts Produce v9-v13 and ktc speaks Produce v3-v8: ktc supports Apache Kafka 2.1 to 4.x brokers`,
    );
    expect(error?.retriable).toBe(false);
    expect(error?.code).toBe(35);
    expect(() => c.version(API.initProducerId, 0, 4)).toThrow(/does not offer InitProducerId and ktc speaks InitProducerId v0-v4/);
  });

  it('refuses to send a request version the broker does not accept, instead of letting it close the connection', async () => {
    const c = await connect({ ranges: { ...KAFKA_4_RANGES, 0: [9, 13] } });
    await expect(c.request(API.produce, 7, Buffer.alloc(0))).rejects.toMatchObject({
      message: matching(/accepts Produce v9-v13 and ktc speaks Produce v7: ktc supports/),
      retriable: false,
    });
    expect(defined(broker).of(API.produce)).toHaveLength(0);
    expect(c.alive).toBe(true);
    expect(await echo(c, 'still usable')).toBe('still usable');
  });

  it('retries ApiVersions at the range an older broker answers UNSUPPORTED_VERSION with', async () => {
    const c = await connect({ ranges: { ...KAFKA_4_RANGES, 18: [0, 1] } });
    expect(
      defined(broker)
        .of(18)
        .map((r) => r.version),
    ).toEqual([2, 1]);
    expect(c.version(API.produce, 3, 8)).toBe(8);
  });

  it('falls back to ApiVersions v0 when the UNSUPPORTED_VERSION answer carries no range (brokers before 2.4)', async () => {
    const c = await connect({ ranges: { ...KAFKA_4_RANGES, 18: [0, 0] }, omitApiVersionsRangeOnError: true });
    expect(
      defined(broker)
        .of(18)
        .map((r) => r.version),
    ).toEqual([2, 0]);
    expect(c.version(API.metadata, 0, 8)).toBe(8);
  });

  it('fails with the one-line error when the broker speaks only ApiVersions versions ktc does not', async () => {
    broker = await FakeBroker.start({ ranges: { ...KAFKA_4_RANGES, 18: [3, 4] } });
    await expect(BrokerConnection.open('127.0.0.1', broker.port, broker.config())).rejects.toMatchObject({
      message: `the broker at 127.0.0.1:${broker.port} accepts ApiVersions v3-v4 and ktc speaks ApiVersions v0-v2: ktc supports Apache Kafka 2.1 to 4.x brokers`,
      retriable: false,
    });
  });

  it('authenticates with the SASL versions the broker accepts (SaslAuthenticate v0: no session lifetime)', async () => {
    const sasl = { username: 'u', password: 'p', sessionLifetimeMs: 500 };
    const c = await connect({ ranges: { ...KAFKA_4_RANGES, 36: [0, 0] }, sasl });
    expect(defined(broker).requests.map((r) => [r.apiKey, r.version])).toEqual([
      [18, 2],
      [17, 1],
      [36, 0],
    ]);
    expect(await echo(c, 'a')).toBe('a');
  });

  it('authenticates with SaslAuthenticate v1 on a Kafka 4 broker, and reports a wrong password as non-retriable', async () => {
    const sasl = { username: 'u', password: 'p', sessionLifetimeMs: 0 };
    const c = await connect({ sasl });
    expect(defined(broker).requests.map((r) => [r.apiKey, r.version])).toEqual([
      [18, 2],
      [17, 1],
      [36, 1],
    ]);
    expect(await echo(c, 'b')).toBe('b');
    await expect(
      BrokerConnection.open('127.0.0.1', defined(broker).port, defined(broker).config({ sasl: { mechanism: 'PLAIN', username: 'u', password: 'wrong' } })),
    ).rejects.toMatchObject({
      type: 'SASL_AUTHENTICATION_FAILED',
      retriable: false,
    });
  });
});

describe('framing', () => {
  const frame = (size: number, extra = Buffer.alloc(0)) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(size);
    return Buffer.concat([b, extra]);
  };

  for (const [what, raw] of [
    ['shorter than a correlation id', frame(2, Buffer.from([0, 0]))],
    ['of a negative size', frame(-5)],
    ['larger than 1 GiB', frame(0x7fffffff, Buffer.alloc(16))],
  ] as const) {
    it(`a response frame ${what} fails the connection with a retriable error`, async () => {
      const c = await connect({ handler: (req) => (req.apiKey === ECHO_API ? { raw } : undefined) });
      const err: unknown = await echo(c, 'x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err).toMatchObject({
        kind: 'unreachable',
        message: matching(/sent a response frame of -?\d+ bytes, which is not Kafka's framing/),
        retriable: true,
      });
      expect(c.alive).toBe(false);
      await expect(echo(c, 'y')).rejects.toMatchObject({ retriable: true });
    });
  }

  it('a response to a correlation id ktc never sent fails the connection', async () => {
    const c = await connect({ handler: (req) => (req.apiKey === ECHO_API ? { body: Buffer.alloc(2), correlation: 9999 } : undefined) });
    await expect(echo(c, 'x')).rejects.toMatchObject({
      message: matching(/answered correlation id 9999, which matches no request ktc sent/),
      retriable: true,
    });
    expect(c.alive).toBe(false);
  });

  it('reassembles responses split across and joined within TCP chunks', async () => {
    const c = await connect({
      handler: (req) => {
        if (req.apiKey !== ECHO_API) return undefined;
        const body = req.body;
        const whole = Buffer.alloc(8 + body.length);
        whole.writeInt32BE(4 + body.length, 0);
        whole.writeInt32BE(req.correlation, 4);
        body.copy(whole, 8);
        return { raw: whole };
      },
    });
    const texts = Array.from({ length: 50 }, (_, i) => `m${i}`.repeat(i + 1));
    expect(await Promise.all(texts.map((t) => echo(c, t)))).toEqual(texts);
  });
});

describe('request timeout', () => {
  it('times a request out, drops its late response, and keeps the connection serving', async () => {
    let first = true;
    const c = await connect(
      {
        handler: (req) => {
          if (req.apiKey !== ECHO_API || !first) return undefined;
          first = false;
          return { body: req.body, delayMs: 650 };
        },
      },
      400,
    );
    const started = Date.now();
    await expect(echo(c, 'slow')).rejects.toMatchObject({ type: 'REQUEST_TIMED_OUT', retriable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    // Sent after the timeout: answered after the late response, which must not be taken for it.
    expect(await echo(c, 'next')).toBe('next');
    expect(c.alive).toBe(true);
    expect(await echo(c, 'after')).toBe('after');
  });
});
