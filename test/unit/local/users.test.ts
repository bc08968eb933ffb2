import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { up } from '../../../src/local/cluster.js';
import { clusterAcls, consumerAcls, generatePassword, producerAcls } from '../../../src/local/users.js';
import { checkNodeAddresses, endpoints, nodeAddress } from '../../../src/local/layout.js';

describe('relation users', () => {
  it('gives the producer role CREATE, WRITE and DESCRIBE on its literal topic only', () => {
    const acls = producerAcls('relation-1', 'test-topic');
    expect(acls.map((a) => a.operation).sort()).toEqual(['CREATE', 'DESCRIBE', 'WRITE']);
    expect(acls.every((a) => a.resourceType === 'TOPIC' && a.patternType === 'LITERAL' && a.resourceName === 'test-topic')).toBe(true);
  });

  it('gives the consumer role READ and DESCRIBE on the topic and READ on the prefixed group <user>-', () => {
    const acls = consumerAcls('relation-2', 'test-topic');
    const group = acls.filter((a) => a.resourceType === 'GROUP');
    expect(group).toEqual([{ resourceType: 'GROUP', resourceName: 'relation-2-', patternType: 'PREFIXED', principal: 'User:relation-2', operation: 'READ' }]);
    expect(acls.filter((a) => a.resourceType === 'TOPIC').map((a) => a.operation)).toEqual(['READ', 'DESCRIBE']);
  });

  it('never grants the producer-only user a group or the consumer-only user WRITE', () => {
    const acls = clusterAcls('t');
    expect(acls.some((a) => a.principal === 'User:relation-1' && a.resourceType === 'GROUP')).toBe(false);
    expect(acls.some((a) => a.principal === 'User:relation-2' && a.operation === 'WRITE')).toBe(false);
  });

  it('generates 32-character alphanumeric passwords that differ', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generatePassword()).not.toBe(a);
  });
});

describe('layout', () => {
  it('places node n on the n-th loopback address', () => {
    expect(nodeAddress('127.0.0.1', 3)).toBe('127.0.0.3');
    expect(endpoints({ dir: '/x', nodes: 3, firstAddress: '127.0.2.1' }, 'SASL_SSL')).toBe('127.0.2.1:9093,127.0.2.2:9093,127.0.2.3:9093');
  });

  it('refuses addresses outside loopback, or without room for every node, as a usage error naming --address', () => {
    const refusal = (first: string, nodes: number): unknown => {
      try {
        checkNodeAddresses(first, nodes);
      } catch (err) {
        return err;
      }
      return undefined;
    };
    for (const bad of ['10.0.0.1', 'localhost', '127.0.0.256', '127.0.0.0', '127.0.0', '']) {
      const err = refusal(bad, 1);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as UsageError).message).toBe(`--address ${bad} is not a loopback address 127.x.y.z (e.g. 127.0.0.1)`);
    }
    expect((refusal('127.0.0.253', 3) as UsageError).message).toBe(
      '--address 127.0.0.253 leaves no room for 3 nodes: node n uses the n-th address after it, up to 127.x.y.254',
    );
    expect(refusal('127.0.0.252', 3)).toBeUndefined();
    expect(() => nodeAddress('10.0.0.1', 1)).toThrow(UsageError);
    expect(() => nodeAddress('127.0.0.254', 2)).toThrow(UsageError);
  });

  it('up() refuses a bad first address before it writes anything (the test and bench clusters call it directly)', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'ktc-layout-'));
    const dir = join(scratch, 'cluster');
    try {
      const upWith = (firstAddress: string) =>
        up({ dir, nodes: 3, firstAddress, kafkaVersion: '4.1.2', topic: 't', cacheDir: join(scratch, 'cache'), progress: () => undefined });
      await expect(upWith('localhost')).rejects.toThrow(new UsageError('--address localhost is not a loopback address 127.x.y.z (e.g. 127.0.0.1)'));
      await expect(upWith('127.0.0.254')).rejects.toBeInstanceOf(UsageError);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(join(scratch, 'cache'))).toBe(false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
