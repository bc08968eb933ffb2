import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
// Before kafkajs: ktc's fixes to kafkajs apply only if they load first (src/engine/kafkajsPatch.ts).
import '../../../src/engine/kafkajsClient.js';
import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../../src/config/connection.js';
import { ERROR_HINTS } from '../../../src/cli/errorHints.js';
import { describeKafkaError } from '../../../src/engine/kafkaErrors.js';
import { kafkajsConfig } from '../../../src/engine/kafkajsClient.js';
import { BrokerConnection } from '../../../src/engine/wire/brokerConnection.js';
import { defined } from '../../../src/defined.js';

/**
 * -x SASL_SSL against a plain-text port, through both of ktc's ways in: the
 * wire engine's TLS connect and kafkajs (which connects first in every run,
 * for the admin). A Kafka plain-text listener reads the TLS ClientHello as a
 * request of impossible size and closes the connection; a server that answers
 * in plain text instead makes OpenSSL report a wrong version number.
 */
const MESSAGE = (port: number) =>
  `the broker at 127.0.0.1:${port} does not speak TLS on this port: use -x SASL_PLAINTEXT or the TLS port (9093 on Charmed Kafka)`;

const behaviours: Record<string, (socket: Socket) => void> = {
  'closes on the first bytes, as Kafka does': (socket) => socket.once('data', () => socket.destroy()),
  'answers in plain text': (socket) => socket.once('data', () => socket.end(Buffer.from([0, 0, 0, 8, 0, 0, 0, 1, 0, 35, 0, 0]))),
};

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function plainTextBroker(behaviour: (socket: Socket) => void): Promise<number> {
  server = createServer(behaviour);
  await new Promise<void>((resolve) => defined(server).listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const tlsConfig = (port: number): ConnectionConfig => ({
  brokers: [`127.0.0.1:${port}`],
  securityProtocol: 'SASL_SSL',
  sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
  tls: { verifyHostname: true },
  clientId: 'ktc-test',
  timeoutMs: 2000,
});

async function failure(attempt: () => Promise<unknown>): Promise<unknown> {
  try {
    await attempt();
  } catch (err) {
    return err;
  }
  throw new Error('the TLS connection to a plain-text port succeeded');
}

describe('TLS against a plain-text port', () => {
  it.each(Object.entries(behaviours))('wire engine: a broker that %s', async (_, behaviour) => {
    const port = await plainTextBroker(behaviour);
    const err = await failure(() => BrokerConnection.open('127.0.0.1', port, tlsConfig(port)));
    expect(describeKafkaError(err, { action: 'produce', brokers: [`127.0.0.1:${port}`] }, ERROR_HINTS)).toEqual({
      kind: 'notTls',
      message: MESSAGE(port),
      fatal: true,
    });
  });

  it.each(Object.entries(behaviours))('kafkajs (admin connect): a broker that %s', async (_, behaviour) => {
    const port = await plainTextBroker(behaviour);
    // ktc's kafkajs settings, with one quick retry instead of five: the error reaches ktc wrapped the same way.
    const kafka = new kafkajs.Kafka({ ...kafkajsConfig(tlsConfig(port)), retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 } });
    const admin = kafka.admin();
    const err = await failure(() => admin.connect());
    await admin.disconnect();
    expect(describeKafkaError(err, { action: 'connect', brokers: [`127.0.0.1:${port}`] }, ERROR_HINTS)).toEqual({
      kind: 'notTls',
      message: MESSAGE(port),
      fatal: true,
    });
  });
});
