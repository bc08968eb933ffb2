import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionConfig } from '../../src/config/connection.js';
import { API } from '../../src/engine/wire/apiVersions.js';
import { BrokerConnection } from '../../src/engine/wire/brokerConnection.js';
import { Writer } from '../../src/engine/wire/codec.js';
import { defined } from '../../src/defined.js';

const COORDINATOR_NOT_AVAILABLE = 15;

/**
 * The node id of a consumer group's coordinator (FindCoordinator v1, asked of the first bootstrap broker), for
 * fault tests that kill it. Waits while the coordinator is not available yet: the first group a fresh cluster
 * sees makes it create __consumer_offsets.
 */
export async function groupCoordinator(connection: ConnectionConfig, groupId: string, timeoutMs = 30_000): Promise<number> {
  const [host, port] = defined(connection.brokers[0]).split(':');
  const broker = await BrokerConnection.open(defined(host), Number(port), connection);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = new Writer(64).string(groupId).int8(0).result(); // key, key_type GROUP
      const r = defined(await broker.request(API.findCoordinator, 1, body));
      r.int32(); // throttle_time_ms
      const error = r.int16();
      r.string(); // error_message
      const nodeId = r.int32();
      if (error === 0) return nodeId;
      if (error !== COORDINATOR_NOT_AVAILABLE || Date.now() > deadline) throw new Error(`FindCoordinator for ${groupId}: error ${error}`);
      await sleep(500);
    }
  } finally {
    broker.close();
  }
}
