/**
 * The standard consumer-group assignors, `range` and `roundrobin`, with the
 * Java client's semantics and its ConsumerProtocol encoding, as kafkajs
 * partition assigners.
 *
 * The group coordinator only lets members in whose protocol names overlap, and
 * Java, librdkafka and kafka-python offer `range`, `roundrobin` and
 * `cooperative-sticky`; kafkajs offers only its own `RoundRobinAssigner`. With
 * these, a ktc consumer shares a group with them: whichever member leads,
 * every other one can read the subscription and assignment it is handed.
 *
 * `cooperative-sticky` is not offered: it is a contract about the rebalance,
 * not only about who gets what. A cooperative member keeps fetching its
 * partitions through a rebalance, reports them as owned, and a partition moves
 * in two rebalances (revoked by the leader first, assigned in a follow-up one).
 * kafkajs implements the eager protocol only: it drops every partition at each
 * rebalance, cannot run that second round as leader and would not know, as a
 * follower, to rejoin after a revocation. Offering it would let the coordinator
 * pick it for a group of Java and ktc members whose rebalance then does not
 * keep the protocol's promises (a partition consumed by two members at once).
 */
import type { Assigner, GroupMember, GroupMemberAssignment, PartitionAssigner } from './kafkajsClient.js';
import { Reader, Writer } from './wire/codec.js';
import { defined } from '../defined.js';
import { DEFAULT_ASSIGNORS, type AssignorName } from '../config/assignorNames.js';

/** The newest ConsumerProtocol subscription and assignment schema (Kafka 4.1); newer ones only append fields. */
const HIGHEST_VERSION = 3;
/** ktc's subscription: the topics only, readable by every client since Kafka 0.9. */
const SUBSCRIPTION_VERSION = 0;
const ASSIGNMENT_VERSION = 0;

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** ConsumerProtocolSubscription, every version's fields (absent ones at the schema's defaults). */
export interface Subscription {
  version: number;
  topics: string[];
  userData: Buffer | null;
  /** v1+: the partitions the member holds (cooperative and sticky assignors read them). */
  ownedPartitions: TopicPartitions[];
  /** v2+; -1 before. */
  generationId: number;
  /** v3+: the member's client.rack. */
  rackId: string | null;
}

/** ConsumerProtocolAssignment: the same fields in v0 to v3. */
export interface Assignment {
  version: number;
  partitions: TopicPartitions[];
  userData: Buffer | null;
}

function readVersion(r: Reader, what: string): number {
  const version = r.int16();
  if (version < 0) throw new Error(`consumer-group ${what} has version ${version}, which no client writes`);
  // Like Java's ConsumerProtocol: a newer version is read with the newest known layout (fields are only appended).
  return Math.min(version, HIGHEST_VERSION);
}

function nonNull(s: string | null, what: string): string {
  if (s === null) throw new Error(`consumer-group ${what} holds a null topic name`);
  return s;
}

function readTopicPartitions(r: Reader, what: string): TopicPartitions[] {
  return r.array(() => ({ topic: nonNull(r.string(), what), partitions: r.array(() => r.int32()) }));
}

function writeTopicPartitions(w: Writer, list: readonly TopicPartitions[]): void {
  w.array(list, ({ topic, partitions }) => {
    w.string(topic);
    w.array(partitions, (p) => w.int32(p));
  });
}

function decoded<T>(buffer: Buffer, what: string, read: (r: Reader) => T): T {
  try {
    return read(new Reader(buffer));
  } catch (err) {
    // eslint-disable-next-line preserve-caught-error -- the message replaces the reader's RangeError; as a cause it would join the chain ktc's error description walks
    if (err instanceof RangeError) throw new Error(`consumer-group ${what} is truncated (${buffer.length} bytes)`);
    throw err;
  }
}

export function encodeSubscription(topics: readonly string[]): Buffer {
  const w = new Writer(64);
  w.int16(SUBSCRIPTION_VERSION);
  w.array(topics, (t) => w.string(t));
  w.int32(-1); // user data: null, as Java's range and roundrobin send it
  return Buffer.from(w.result());
}

export function decodeSubscription(buffer: Buffer): Subscription {
  return decoded(buffer, 'subscription', (r) => {
    const version = readVersion(r, 'subscription');
    const topics = r.array(() => nonNull(r.string(), 'subscription'));
    const userData = r.bytes();
    const ownedPartitions = version >= 1 ? readTopicPartitions(r, 'subscription') : [];
    const generationId = version >= 2 ? r.int32() : -1;
    const rackId = version >= 3 ? r.string() : null;
    return { version, topics, userData: userData && Buffer.from(userData), ownedPartitions, generationId, rackId };
  });
}

export function encodeAssignment(partitions: readonly TopicPartitions[]): Buffer {
  const w = new Writer(64);
  w.int16(ASSIGNMENT_VERSION);
  writeTopicPartitions(w, partitions);
  w.int32(-1); // user data: null
  return Buffer.from(w.result());
}

export function decodeAssignment(buffer: Buffer): Assignment {
  return decoded(buffer, 'assignment', (r) => {
    const version = readVersion(r, 'assignment');
    const partitions = readTopicPartitions(r, 'assignment');
    const userData = r.bytes();
    return { version, partitions, userData: userData && Buffer.from(userData) };
  });
}

export interface GroupMemberInfo {
  memberId: string;
  /** Static membership (group.instance.id); null for dynamic members. */
  groupInstanceId: string | null;
  topics: readonly string[];
}

/** Partitions per topic, as the leader's metadata knows them; topics missing here get no assignment (as in Java). */
export type PartitionCounts = ReadonlyMap<string, number>;

/** Member id → its partitions, every member present (an empty list when it gets nothing). */
export type GroupAssignment = Map<string, TopicPartitions[]>;

/**
 * Java's MemberInfo order: static members first, by instance id, then dynamic ones by member id. Both compare
 * strings by UTF-16 code unit, as JavaScript's < does (localeCompare would not).
 */
function compareMembers(a: GroupMemberInfo, b: GroupMemberInfo): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class AssignmentBuilder {
  private readonly byMember = new Map<string, Map<string, number[]>>();

  constructor(members: readonly GroupMemberInfo[]) {
    for (const m of members) this.byMember.set(m.memberId, new Map());
  }

  add(memberId: string, topic: string, partition: number): void {
    const topics = defined(this.byMember.get(memberId));
    let list = topics.get(topic);
    if (!list) topics.set(topic, (list = []));
    list.push(partition);
  }

  result(): GroupAssignment {
    const out: GroupAssignment = new Map();
    for (const [memberId, topics] of this.byMember) {
      out.set(
        memberId,
        [...topics.keys()].sort(compareStrings).map((topic) => ({ topic, partitions: defined(topics.get(topic)).sort((a, b) => a - b) })),
      );
    }
    return out;
  }
}

/**
 * Java's RangeAssignor (without client.rack on any member): per topic, the subscribed members in order each
 * take a contiguous range of the partitions, the first (partitions % members) of them one more.
 */
export function assignRange(members: readonly GroupMemberInfo[], counts: PartitionCounts): GroupAssignment {
  const out = new AssignmentBuilder(members);
  const topics = new Set(members.flatMap((m) => m.topics));
  for (const topic of topics) {
    const partitions = counts.get(topic) ?? 0;
    const consumers = members.filter((m) => m.topics.includes(topic)).sort(compareMembers);
    const each = Math.floor(partitions / consumers.length);
    const extra = partitions % consumers.length;
    consumers.forEach((member, i) => {
      const start = each * i + Math.min(i, extra);
      const length = each + (i < extra ? 1 : 0);
      for (let p = start; p < start + length; p++) out.add(member.memberId, topic, p);
    });
  }
  return out.result();
}

/**
 * Java's RoundRobinAssignor: every subscribed topic's partitions in (topic, partition) order, dealt to the
 * members in order, skipping a member not subscribed to the partition's topic.
 */
export function assignRoundRobin(members: readonly GroupMemberInfo[], counts: PartitionCounts): GroupAssignment {
  const out = new AssignmentBuilder(members);
  const sorted = [...members].sort(compareMembers);
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort(compareStrings);
  let next = 0;
  for (const topic of topics) {
    for (let p = 0; p < (counts.get(topic) ?? 0); p++) {
      while (!defined(sorted[next % sorted.length]).topics.includes(topic)) next++;
      out.add(defined(sorted[next % sorted.length]).memberId, topic, p);
      next++;
    }
  }
  return out.result();
}

const ALGORITHMS: Record<AssignorName, (members: readonly GroupMemberInfo[], counts: PartitionCounts) => GroupAssignment> = {
  range: assignRange,
  roundrobin: assignRoundRobin,
};

/** kafkajs passes JoinGroup's members as they came; v5 responses carry group_instance_id, its types omit it. */
type JoinedMember = GroupMember & { groupInstanceId?: string | null };

type KafkajsCluster = Parameters<PartitionAssigner>[0]['cluster'];

/** Partition counts for every topic some member subscribed to, fetching metadata the consumer did not need itself. */
async function partitionCounts(cluster: KafkajsCluster, topics: ReadonlySet<string>): Promise<Map<string, number>> {
  const known = (topic: string) => cluster.findTopicPartitionMetadata(topic).length;
  const missing = [...topics].filter((t) => known(t) === 0);
  if (missing.length > 0) {
    // Another member's topic (a Java consumer may subscribe to more): like Java's leader, skip what stays unknown.
    await cluster.addMultipleTargetTopics(missing).catch(() => undefined);
  }
  return new Map([...topics].map((t) => [t, known(t)]));
}

function kafkajsAssigner(name: AssignorName, onJoinRequest: (() => void) | undefined): PartitionAssigner {
  return ({ cluster }): Assigner => ({
    name,
    version: SUBSCRIPTION_VERSION,
    // kafkajs builds the JoinGroup protocols right after the coordinator answered FindCoordinator.
    protocol: ({ topics }) => {
      onJoinRequest?.();
      return { name, metadata: encodeSubscription(topics) };
    },
    assign: async ({ members }): Promise<GroupMemberAssignment[]> => {
      const infos: GroupMemberInfo[] = (members as JoinedMember[]).map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId ?? null,
        topics: decodeSubscription(m.memberMetadata).topics,
      }));
      const counts = await partitionCounts(cluster, new Set(infos.flatMap((m) => m.topics)));
      const assignment = ALGORITHMS[name](infos, counts);
      // Every member gets an entry, even an empty one: the coordinator would hand a missing one zero bytes.
      return [...assignment].map(([memberId, partitions]) => ({ memberId, memberAssignment: encodeAssignment(partitions) }));
    },
  });
}

/**
 * kafkajs partitionAssigners for the names given, preferred first. onJoinRequest runs each time the member
 * sends JoinGroup to the coordinator it found (the coordinator then may hold the join until the group rebalances).
 */
export function kafkajsAssigners(names: readonly AssignorName[] = DEFAULT_ASSIGNORS, onJoinRequest?: () => void): PartitionAssigner[] {
  // Only the first assigner reports the join: kafkajs asks every assigner for its protocol on each join.
  return names.map((name, i) => kafkajsAssigner(name, i === 0 ? onJoinRequest : undefined));
}
