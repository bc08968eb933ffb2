// Before kafkajs: ktc's fixes to kafkajs apply only if they load first (src/engine/kafkajsPatch.ts).
import '../../../src/engine/kafkajsClient.js';
import kafkajs from 'kafkajs';
import type { PartitionAssigner } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  assignRange,
  assignRoundRobin,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  kafkajsAssigners,
  type GroupAssignment,
  type GroupMemberInfo,
} from '../../../src/engine/groupAssignors.js';
import { parseAssignors } from '../../../src/config/assignorNames.js';
import { defined } from '../../../src/defined.js';

/**
 * Bytes written by Kafka 4.1.2's Java client (ConsumerProtocol.serializeSubscription / serializeAssignment), and
 * the assignments its RangeAssignor / RoundRobinAssignor compute: printed by fixtures/ConsumerProtocolFixtures.java.
 */
const JAVA = {
  // Subscription(topics [orders, payments], userData 010203, owned [orders-0, orders-2, payments-1], generation 7, rack "rack-a")
  subscriptionV0: '00000000000200066f726465727300087061796d656e747300000003010203',
  subscriptionV1:
    '00010000000200066f726465727300087061796d656e7473000000030102030000000200066f726465727300000002000000000000000200087061796d656e74730000000100000001',
  subscriptionV2:
    '00020000000200066f726465727300087061796d656e7473000000030102030000000200066f726465727300000002000000000000000200087061796d656e7473000000010000000100000007',
  subscriptionV3:
    '00030000000200066f726465727300087061796d656e7473000000030102030000000200066f726465727300000002000000000000000200087061796d656e747300000001000000010000000700067261636b2d61',
  // What a Java consumer sends by default: new Subscription([orders]) at the current version (3).
  subscriptionDefault: '00030000000100066f7264657273ffffffff00000000ffffffffffff',
  // new Subscription([orders, payments]) at v0: what ktc must write byte for byte.
  subscriptionV0Plain: '00000000000200066f726465727300087061796d656e7473ffffffff',
  // Assignment([orders-0, orders-1, payments-2]); v0..v3 differ only in the version.
  assignmentV0: '00000000000200066f726465727300000002000000000000000100087061796d656e74730000000100000002ffffffff',
  assignmentV3: '00030000000200066f726465727300000002000000000000000100087061796d656e74730000000100000002ffffffff',
};

const hex = (s: string) => Buffer.from(s, 'hex');
const members = (...specs: string[]): GroupMemberInfo[] =>
  specs.map((spec) => {
    const [id, topics] = spec.split('=') as [string, string];
    const [memberId, instance] = id.split('@') as [string, string | undefined];
    return { memberId, groupInstanceId: instance ?? null, topics: topics.split('+') };
  });
const counts = (spec: string) => new Map(spec.split(',').map((t) => [defined(t.split(':')[0]), Number(t.split(':')[1])]));
/** The assignment as Java's fixture program prints it: member → ["t-0", ...]. */
const printed = (a: GroupAssignment) =>
  Object.fromEntries([...a].map(([m, tps]) => [m, tps.flatMap(({ topic, partitions }) => partitions.map((p) => `${topic}-${p}`))]));

describe('ConsumerProtocol subscription', () => {
  it('writes v0 exactly as the Java client does', () => {
    expect(encodeSubscription(['orders', 'payments']).toString('hex')).toBe(JAVA.subscriptionV0Plain);
  });

  it('round-trips its own subscription', () => {
    expect(decodeSubscription(encodeSubscription(['a', 'b-c']))).toEqual({
      version: 0,
      topics: ['a', 'b-c'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
  });

  it.each([
    ['V0', 0, [], -1, null],
    [
      'V1',
      1,
      [
        { topic: 'orders', partitions: [0, 2] },
        { topic: 'payments', partitions: [1] },
      ],
      -1,
      null,
    ],
    [
      'V2',
      2,
      [
        { topic: 'orders', partitions: [0, 2] },
        { topic: 'payments', partitions: [1] },
      ],
      7,
      null,
    ],
    [
      'V3',
      3,
      [
        { topic: 'orders', partitions: [0, 2] },
        { topic: 'payments', partitions: [1] },
      ],
      7,
      'rack-a',
    ],
  ] as const)('reads a Java %s subscription with every field', (v, version, owned, generationId, rackId) => {
    const bytes = hex(JAVA[`subscription${v}`]);
    expect(decodeSubscription(bytes)).toEqual({
      version,
      topics: ['orders', 'payments'],
      userData: Buffer.from([1, 2, 3]),
      ownedPartitions: owned,
      generationId,
      rackId,
    });
  });

  it("reads a Java consumer's default subscription (v3, null user data and rack)", () => {
    expect(decodeSubscription(hex(JAVA.subscriptionDefault))).toEqual({
      version: 3,
      topics: ['orders'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
  });

  it('reads a future version with the newest layout it knows, ignoring appended fields', () => {
    const future = Buffer.concat([Buffer.from([0, 9]), hex(JAVA.subscriptionV3).subarray(2), Buffer.from('extra')]);
    const s = decodeSubscription(future);
    expect([s.version, s.topics, s.rackId]).toEqual([3, ['orders', 'payments'], 'rack-a']);
  });

  it('says a truncated subscription is truncated', () => {
    expect(() => decodeSubscription(hex(JAVA.subscriptionV3).subarray(0, 5))).toThrow('consumer-group subscription is truncated (5 bytes)');
  });
});

describe('ConsumerProtocol assignment', () => {
  const expected = [
    { topic: 'orders', partitions: [0, 1] },
    { topic: 'payments', partitions: [2] },
  ];

  it('writes v0 exactly as the Java client does', () => {
    expect(encodeAssignment(expected).toString('hex')).toBe(JAVA.assignmentV0);
  });

  it('reads a Java v3 assignment', () => {
    expect(decodeAssignment(hex(JAVA.assignmentV3))).toEqual({ version: 3, partitions: expected, userData: null });
  });

  it('round-trips an empty assignment', () => {
    expect(decodeAssignment(encodeAssignment([]))).toEqual({ version: 0, partitions: [], userData: null });
  });

  it("is what kafkajs' own decoder (the one ktc's consumer runs on a Java leader's assignment) reads from Java v3 bytes", () => {
    const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(hex(JAVA.assignmentV3));
    expect(decoded?.assignment).toEqual({ orders: [0, 1], payments: [2] });
  });
});

describe('range assignor (Java RangeAssignor results)', () => {
  it('gives the first members one partition more, in member id order', () => {
    expect(printed(assignRange(members('c3=t', 'c1=t', 'c2=t'), counts('t:7')))).toEqual({
      c1: ['t-0', 't-1', 't-2'],
      c2: ['t-3', 't-4'],
      c3: ['t-5', 't-6'],
    });
  });

  it('ranges each topic over its own subscribers', () => {
    expect(printed(assignRange(members('m2=a+b', 'm1=a+b', 'm3=b'), counts('a:3,b:5')))).toEqual({
      m1: ['a-0', 'a-1', 'b-0', 'b-1'],
      m2: ['a-2', 'b-2', 'b-3'],
      m3: ['b-4'],
    });
  });

  it('leaves members beyond the partition count empty, and topics without metadata unassigned', () => {
    expect(printed(assignRange(members('m1=t', 'm2=t', 'm3=t'), counts('t:2')))).toEqual({ m1: ['t-0'], m2: ['t-1'], m3: [] });
    expect(printed(assignRange(members('m1=t', 'm2=missing'), counts('t:3')))).toEqual({ m1: ['t-0', 't-1', 't-2'], m2: [] });
  });

  it('orders static members (group.instance.id) first, by instance id', () => {
    expect(printed(assignRange(members('z@inst-1=t', 'a=t', 'b@inst-0=t'), counts('t:4')))).toEqual({
      a: ['t-3'],
      b: ['t-0', 't-1'],
      z: ['t-2'],
    });
  });
});

describe('roundrobin assignor (Java RoundRobinAssignor results)', () => {
  it('deals (topic, partition) in order, skipping members not subscribed to the topic', () => {
    expect(printed(assignRoundRobin(members('m2=a+b', 'm1=a+b', 'm3=b'), counts('a:3,b:5')))).toEqual({
      m1: ['a-0', 'a-2', 'b-2'],
      m2: ['a-1', 'b-0', 'b-3'],
      m3: ['b-1', 'b-4'],
    });
    expect(printed(assignRoundRobin(members('ktc-b=t', 'consumer-x-1-a=t+u'), counts('t:5,u:2')))).toEqual({
      'consumer-x-1-a': ['t-0', 't-2', 't-4', 'u-0', 'u-1'],
      'ktc-b': ['t-1', 't-3'],
    });
  });

  it('sorts member ids by UTF-16 code unit like Java (upper case and _ before lower case)', () => {
    expect(printed(assignRoundRobin(members('B=t', 'a=t', '_c=t'), counts('t:6')))).toEqual({
      B: ['t-0', 't-3'],
      _c: ['t-1', 't-4'],
      a: ['t-2', 't-5'],
    });
  });

  it('orders static members first', () => {
    expect(printed(assignRoundRobin(members('z@inst-1=t', 'a=t', 'b@inst-0=t'), counts('t:4')))).toEqual({
      a: ['t-2'],
      b: ['t-0', 't-3'],
      z: ['t-1'],
    });
  });
});

describe('kafkajs assigners', () => {
  type Cluster = Parameters<PartitionAssigner>[0]['cluster'];
  const partitionsOf: Record<string, number> = { orders: 3 };
  const added: string[][] = [];
  const cluster = {
    findTopicPartitionMetadata: (topic: string) =>
      Array.from({ length: partitionsOf[topic] ?? 0 }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0] })),
    addMultipleTargetTopics: (topics: string[]) => {
      added.push(topics);
      partitionsOf.payments = 2;
      return Promise.resolve();
    },
  } as unknown as Cluster;
  const make = (names: Parameters<typeof kafkajsAssigners>[0], onJoin?: () => void) =>
    kafkajsAssigners(names, onJoin).map((f) => f({ cluster, groupId: 'g', logger: undefined as never }));

  it('offers the standard names in the order given, with a Java-readable subscription', () => {
    let joins = 0;
    const assigners = make(['roundrobin', 'range'], () => joins++);
    const protocols = assigners.map((a) => a.protocol({ topics: ['orders'] }));
    expect(protocols.map((p) => p.name)).toEqual(['roundrobin', 'range']);
    expect(decodeSubscription(defined(protocols[0]).metadata).topics).toEqual(['orders']);
    expect(joins).toBe(1);
  });

  it("assigns a Java member's v3 subscription next to ktc's, fetching metadata for a topic only the Java member reads", async () => {
    const [range] = make(['range']);
    const result = await defined(range).assign({
      members: [
        { memberId: 'ktc-1', memberMetadata: encodeSubscription(['orders']) },
        { memberId: 'consumer-g-1-x', memberMetadata: hex(JAVA.subscriptionV3) },
      ],
      topics: ['orders'],
    });
    const byMember = Object.fromEntries(result.map((r) => [r.memberId, decodeAssignment(r.memberAssignment).partitions]));
    expect(added).toEqual([['payments']]);
    expect(byMember).toEqual({
      'ktc-1': [{ topic: 'orders', partitions: [2] }],
      'consumer-g-1-x': [
        { topic: 'orders', partitions: [0, 1] },
        { topic: 'payments', partitions: [0, 1] },
      ],
    });
  });
});

describe('parseAssignors', () => {
  it('keeps the order given and accepts Java class names', () => {
    expect(parseAssignors('roundrobin, range')).toEqual(['roundrobin', 'range']);
    expect(parseAssignors('org.apache.kafka.clients.consumer.RangeAssignor')).toEqual(['range']);
  });

  it('refuses cooperative-sticky with the reason, and unknown or repeated names', () => {
    expect(() => parseAssignors('range,cooperative-sticky')).toThrow(
      "cooperative-sticky needs the cooperative rebalance protocol and ktc's consumer (kafkajs) rebalances eagerly; use range, roundrobin (e.g. range,roundrobin)",
    );
    expect(() => parseAssignors('sticky')).toThrow('sticky is not an assignor ktc offers; use range, roundrobin (e.g. range,roundrobin)');
    expect(() => parseAssignors('range,range')).toThrow('lists range twice');
    expect(() => parseAssignors(' , ')).toThrow('lists no assignor');
  });
});
