import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionConfig } from '../config/connection.js';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, createKafka, ResourcePatternTypes } from '../engine/kafkajsClient.js';
import { errorMessage, KtcError } from '../errors.js';
import type { AclBinding } from './users.js';

/**
 * Waits until the cluster metadata lists `expected` brokers: a multi-node
 * cluster only serves replicated topics once every node has registered.
 */
export async function waitForBrokers(connection: ConnectionConfig, expected: number, deadline: number): Promise<void> {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const admin = createKafka({ ...connection, timeoutMs: 5000 }).admin();
    try {
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      if (brokers.length >= expected) return;
      last = `${brokers.length} of ${expected} brokers registered`;
    } catch (err) {
      last = errorMessage(err);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await sleep(500);
  }
  throw new KtcError(`the local cluster did not list ${expected} brokers in time (${last})`);
}

export async function applyAcls(connection: ConnectionConfig, bindings: AclBinding[]): Promise<void> {
  const admin = createKafka(connection).admin();
  await admin.connect();
  try {
    await admin.createAcls({
      acl: bindings.map((b) => ({
        resourceType: AclResourceTypes[b.resourceType],
        resourceName: b.resourceName,
        resourcePatternType: ResourcePatternTypes[b.patternType],
        principal: b.principal,
        host: '*',
        operation: AclOperationTypes[b.operation],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
