import { describe, expect, it } from 'vitest';
import { parseBrokerConfig, serverProperties } from '../../../src/local/serverProperties.js';

function parse(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );
}

const base = { dataDir: '/d', serverKeystore: '/c/ks.pem', caFile: '/c/ca.pem', adminPassword: 'pw' };

describe('serverProperties', () => {
  it('locks a node down like Charmed Kafka: SCRAM, mTLS, ACLs, no auto-created topics', () => {
    const p = parse(serverProperties({ ...base, layout: { dir: '/x', nodes: 1, firstAddress: '127.0.0.1' }, node: 1 }));
    expect(p.get('listeners')).toBe(
      'SASL_PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093,SSL://127.0.0.1:9094,INTERNAL://127.0.0.1:19092,PROXIED://127.0.0.1:9095,CONTROLLER://127.0.0.1:19093',
    );
    expect(p.get('advertised.listeners')).not.toContain('CONTROLLER');
    expect(p.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
    expect(p.get('listener.name.ssl.ssl.client.auth')).toBe('required');
    expect(p.get('authorizer.class.name')).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(p.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(p.get('auto.create.topics.enable')).toBe('false');
    expect(p.get('super.users')).toBe('User:admin;User:ANONYMOUS');
    expect(p.get('offsets.topic.replication.factor')).toBe('1');
    expect(p.get('controller.quorum.voters')).toBe('1@127.0.0.1:19093');
  });

  it('gives three nodes one static quorum, replication factor 3 and min.insync.replicas 2', () => {
    const layout = { dir: '/x', nodes: 3, firstAddress: '127.0.2.1' };
    const p = parse(serverProperties({ ...base, layout, node: 2 }));
    expect(p.get('node.id')).toBe('2');
    expect(p.get('controller.quorum.voters')).toBe('1@127.0.2.1:19093,2@127.0.2.2:19093,3@127.0.2.3:19093');
    expect(p.get('listeners')).toContain('SASL_PLAINTEXT://127.0.2.2:9092');
    expect(p.get('default.replication.factor')).toBe('3');
    expect(p.get('min.insync.replicas')).toBe('2');
    expect(p.get('offsets.topic.replication.factor')).toBe('3');
  });

  it('adds a PROXIED listener on 9095, SCRAM like 9092, that advertises 9096 on the same host for a test proxy', () => {
    const layout = { dir: '/x', nodes: 3, firstAddress: '127.0.8.1' };
    const p = parse(serverProperties({ ...base, layout, node: 3 }));
    expect(p.get('listeners')).toContain('PROXIED://127.0.8.3:9095');
    expect(p.get('advertised.listeners')).toBe(
      'SASL_PLAINTEXT://127.0.8.3:9092,SASL_SSL://127.0.8.3:9093,SSL://127.0.8.3:9094,INTERNAL://127.0.8.3:19092,PROXIED://127.0.8.3:9096',
    );
    expect(p.get('listener.security.protocol.map')).toContain('PROXIED:SASL_PLAINTEXT');
    expect(p.get('listener.name.proxied.scram-sha-512.sasl.jaas.config')).toBe('org.apache.kafka.common.security.scram.ScramLoginModule required;');
    // Brokers keep replicating and electing over their own listeners, never through a test's proxy.
    expect(p.get('inter.broker.listener.name')).toBe('INTERNAL');
    expect(p.get('controller.listener.names')).toBe('CONTROLLER');
  });
});

describe('extra broker properties (ktc local up --broker-config, up({ brokerProperties }))', () => {
  it('are written into every node and override ktc defaults', () => {
    const extra = parseBrokerConfig(['connections.max.reauth.ms=10000', 'num.partitions=3', 'sasl.jaas.extra=a=b']);
    expect(extra).toEqual({ 'connections.max.reauth.ms': '10000', 'num.partitions': '3', 'sasl.jaas.extra': 'a=b' });
    const p = parse(serverProperties({ ...base, layout: { dir: '/x', nodes: 1, firstAddress: '127.0.0.1' }, node: 1, extra }));
    expect(p.get('connections.max.reauth.ms')).toBe('10000');
    expect(p.get('num.partitions')).toBe('3');
  });

  it('refuses a pair without a property name or with a line break', () => {
    expect(() => parseBrokerConfig(['=1'])).toThrow(/--broker-config takes key=value/);
    expect(() => parseBrokerConfig(['novalue'])).toThrow(/--broker-config takes key=value/);
    expect(() => parseBrokerConfig(['a.b=1\nsuper.users=User:x'])).toThrow(/--broker-config takes key=value/);
  });
});
