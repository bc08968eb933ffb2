/**
 * The consumer-group assignors ktc offers (implemented in src/engine/groupAssignors.ts), and
 * --partition-assignment-strategy's parser.
 */
export const ASSIGNORS = ['range', 'roundrobin'] as const;
export type AssignorName = (typeof ASSIGNORS)[number];
/** Java's default puts range first too (range, cooperative-sticky): range is what a mixed group ends up with. */
export const DEFAULT_ASSIGNORS: readonly AssignorName[] = ['range', 'roundrobin'];

/**
 * Parses a partition.assignment.strategy-style list ("range,roundrobin", Java class names accepted); throws
 * an Error whose message is one line for a user.
 */
export function parseAssignors(text: string): AssignorName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw new Error(`lists no assignor: use ${ASSIGNORS.join(', ')} (e.g. range,roundrobin)`);
  const out: AssignorName[] = [];
  for (const raw of names) {
    // Java takes class names: org.apache.kafka.clients.consumer.RangeAssignor.
    const simple = raw
      .slice(raw.lastIndexOf('.') + 1)
      .toLowerCase()
      .replace(/assignor$/, '');
    const name = ASSIGNORS.find((a) => a === simple);
    if (!name) {
      const why =
        simple === 'cooperative-sticky' || simple === 'cooperativesticky'
          ? `${raw} needs the cooperative rebalance protocol and ktc's consumer (kafkajs) rebalances eagerly`
          : `${raw} is not an assignor ktc offers`;
      throw new Error(`${why}; use ${ASSIGNORS.join(', ')} (e.g. range,roundrobin)`);
    }
    if (out.includes(name)) throw new Error(`lists ${name} twice`);
    out.push(name);
  }
  return out;
}
