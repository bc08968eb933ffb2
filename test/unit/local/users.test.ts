import { describe, expect, it } from 'vitest';
import { clusterAcls, consumerAcls, generatePassword, producerAcls } from '../../../src/local/users.js';
import { endpoints, nodeAddress } from '../../../src/local/layout.js';

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

  it('refuses addresses outside loopback', () => {
    expect(() => nodeAddress('10.0.0.1', 1)).toThrow(/loopback/);
  });
});
