import { resolve } from 'node:path';
import { directoryProblem, outputFileProblem } from './outputFiles.js';

/**
 * What a flag's value may be: how it is parsed, what it must satisfy, and how
 * --help and error lines describe it. Every flag is declared with one kind, so
 * a value is checked by the same rule wherever the flag comes from, before
 * anything is sent. Kinds may look at the file system (an output file's
 * directory), never at the network.
 */
export interface FlagKind<T> {
  /** Names the rule; the generated flag test keeps refused samples per name. */
  readonly name: FlagKindName;
  /** Shown in --help after the description, as yargs shows a type. */
  readonly label: string;
  /** What is accepted, completing "<flag> is empty: give ...". */
  readonly accepts: string;
  /** A switch: takes no value (`--flag`, `--no-flag`, `--flag=true|false`). */
  readonly boolean?: true;
  /** May be given several times; the values are collected in order. */
  readonly repeatable?: true;
  /** Never echoed in an error line. */
  readonly secret?: true;
  /** Parses one non-empty value; throws FlagValueError with what is wrong. */
  parse(text: string): T;
}

/** A kind whose flag may be given several times. */
export type RepeatableKind<T> = FlagKind<T> & { readonly repeatable: true };

export const FLAG_KIND_NAMES = [
  'switch',
  'text',
  'secret',
  'count',
  'rate',
  'duration',
  'choice',
  'topic',
  'servers',
  'inputFile',
  'outputFile',
  'directory',
  'list',
  'keyValue',
  'loopbackAddress',
  'kafkaVersion',
  'instant',
  'refused',
] as const;
export type FlagKindName = (typeof FLAG_KIND_NAMES)[number];

/**
 * A value a kind refuses. The error line is "<flag> <value> <reason>"
 * (`follows: 'value'`), "<flag> <value>: <reason>" when the reason is a
 * sentence of its own (`'colon'`), or "<flag> <reason>" when the reason
 * already quotes the whole value (`'flag'`).
 */
export class FlagValueError extends Error {
  constructor(
    readonly reason: string,
    readonly follows: 'value' | 'colon' | 'flag' = 'value',
  ) {
    super(reason);
    this.name = 'FlagValueError';
  }
}

export const booleanSwitch: FlagKind<boolean> = {
  name: 'switch',
  label: 'boolean',
  accepts: 'no value (or true/false)',
  boolean: true,
  parse(text) {
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new FlagValueError('is not true or false: a switch takes no value');
  },
};

/** Free text whose only rule is that it is not empty (names, labels). */
export function text(accepts: string): FlagKind<string> {
  return { name: 'text', label: 'string', accepts, parse: (t) => t };
}

export function secretText(accepts: string): FlagKind<string> {
  return { name: 'secret', label: 'string', accepts, secret: true, parse: (t) => t };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** Kafka's INT32 fields (partition counts, batch sizes). */
export const INT32_MAX = 2_147_483_647;
/** Kafka's INT16 fields (replication factor). */
export const INT16_MAX = 32_767;

/** A whole number in [min, max]; max at most 2^53 - 1, above which counting is no longer exact. */
export function count(min: number, max: number = Number.MAX_SAFE_INTEGER): FlagKind<number> {
  const accepts = min === 1 ? `a positive integer (at most ${max})` : `an integer from ${min} to ${max}`;
  return {
    name: 'count',
    label: 'integer',
    accepts,
    parse(t) {
      const n = NUMBER.test(t.trim()) ? Number(t) : NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) throw new FlagValueError(`is not ${accepts}`);
      return n;
    },
  };
}

/** Messages per second: any positive rate, or -1 for as fast as possible. */
export const rate: FlagKind<number> = {
  name: 'rate',
  label: 'number',
  accepts: 'a positive number of messages per second, or -1 for as fast as possible',
  parse(t) {
    const n = NUMBER.test(t.trim()) ? Number(t) : NaN;
    if (n === -1 || (Number.isFinite(n) && n > 0)) return n;
    throw new FlagValueError(`is not ${rate.accepts}`);
  },
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Node's timers hold at most 2^31 - 1 ms (24.8 days); a longer one fires at once. */
export const MAX_DURATION_MS = INT32_MAX;
const DURATION_EXAMPLES = 'e.g. 30s, 2m, 500ms or a number of seconds';

/** "30s", "2m", "500ms", "1.5h" or a bare number of seconds, to whole milliseconds. */
export function parseDuration(t: string): number {
  const m = /^\s*([+-]?)(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(t);
  if (!m) throw new FlagValueError(`is not a duration: write ${DURATION_EXAMPLES}`);
  const ms = Math.round(Number(m[2]) * (UNITS[m[3] ?? 's'] ?? 1000));
  if (m[1] === '-' && ms > 0) throw new FlagValueError(`is negative: durations are positive, ${DURATION_EXAMPLES}`);
  if (ms < 1) throw new FlagValueError(`is not longer than zero: write ${DURATION_EXAMPLES}`);
  if (ms > MAX_DURATION_MS) throw new FlagValueError(`is longer than 596h, the longest wait ktc can time`);
  return ms;
}

export const duration: FlagKind<number> = {
  name: 'duration',
  label: 'duration',
  accepts: `a positive duration, ${DURATION_EXAMPLES}`,
  parse: parseDuration,
};

/** How far ahead --start-at may be: further is more likely a wrong date than a plan. */
export const MAX_START_AHEAD_MS = 24 * 3600_000;

/**
 * A moment as epoch milliseconds: an ISO 8601 date and time with its zone
 * (2026-11-27T10:00:00Z, ...+01:00), or a time of day in UTC (10:00,
 * 10:00:30), meaning its next occurrence. Workers on machines in different
 * zones agree on it only when the zone is said, so a date without one is refused.
 */
export function parseInstant(text: string, nowMs: number = Date.now()): number {
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (clock) {
    const [h, m, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || m > 59 || s > 59) throw new FlagValueError('is not a time of day: give HH:MM or HH:MM:SS (UTC), e.g. 10:00:30');
    const day = new Date(nowMs);
    const at = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, m, s);
    // A time of day already passed today means tomorrow's, unless it passed only just now (a late worker).
    return at < nowMs - 60_000 ? at + 24 * 3600_000 : at;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(text)) {
    throw new FlagValueError(
      /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(text)
        ? 'has no time zone: add Z for UTC (e.g. 2026-11-27T10:00:00Z) or an offset (+01:00), so every worker reads the same moment'
        : 'is not a time: give an ISO 8601 time with its zone (e.g. 2026-11-27T10:00:00Z) or a time of day in UTC (e.g. 10:00:30)',
    );
  }
  const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, mo - 1, d));
  const at = Date.parse(text);
  // Date.parse rolls 2026-02-30 over into March: the day must exist as written.
  if (Number.isNaN(at) || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d)
    throw new FlagValueError('is not a valid date and time, e.g. 2026-11-27T10:00:00Z');
  return at;
}

/** A moment to start at, at most 24 h ahead (see parseInstant). */
export const instant: FlagKind<number> = {
  name: 'instant',
  label: 'time',
  accepts: 'an ISO 8601 time with its zone (e.g. 2026-11-27T10:00:00Z) or a time of day in UTC (e.g. 10:00:30)',
  parse(text) {
    const at = parseInstant(text);
    if (at - Date.now() > MAX_START_AHEAD_MS) throw new FlagValueError('is more than 24 h away: give a time within the next day');
    return at;
  },
};

/** One of a fixed list, matched without regard to case; the list's spelling is kept. */
export function choice<T extends string>(values: readonly T[]): FlagKind<T> {
  const accepts = `one of ${values.join(', ')}`;
  return {
    name: 'choice',
    label: 'string',
    accepts,
    parse(t) {
      const found = values.find((v) => v.toLowerCase() === t.trim().toLowerCase());
      if (found === undefined) throw new FlagValueError(`is not ${accepts}`);
      return found;
    },
  };
}

const TOPIC_RULE = 'up to 249 characters from a-z A-Z 0-9 . _ -';

/** Kafka's topic name rule (org.apache.kafka.common.internals.Topic.validate); undefined when valid. */
export function topicNameProblem(name: string): string | undefined {
  if (name === '.' || name === '..') return `is not a valid topic name: "." and ".." are reserved`;
  if (name.length > 249 || !/^[a-zA-Z0-9._-]+$/.test(name)) return `is not a valid topic name: use ${TOPIC_RULE}`;
  return undefined;
}

export const topicName: FlagKind<string> = {
  name: 'topic',
  label: 'string',
  accepts: `a topic name (${TOPIC_RULE})`,
  parse(t) {
    const problem = topicNameProblem(t);
    if (problem) throw new FlagValueError(problem);
    return t;
  },
};

const SERVER = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/** A comma-separated list of host:port; undefined when valid. */
export function serversProblem(list: string): string | undefined {
  const servers = list.split(',').map((s) => s.trim());
  for (const server of servers) {
    const m = SERVER.exec(server);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      if (servers.length === 1) return 'is not host:port (e.g. 10.1.2.3:9092)';
      return server === '' ? 'has an empty entry: write host:port[,host:port...]' : `has "${server}", which is not host:port (e.g. 10.1.2.3:9092)`;
    }
  }
  return undefined;
}

export const serverList: FlagKind<string[]> = {
  name: 'servers',
  label: 'string',
  accepts: 'host:port[,host:port...]',
  parse(t) {
    const problem = serversProblem(t);
    if (problem) throw new FlagValueError(problem);
    return t.split(',').map((s) => s.trim());
  },
};

/** A file ktc reads when the run needs it; whether it is readable is checked then, before anything is sent. */
export function inputFile(accepts: string): FlagKind<string> {
  return { name: 'inputFile', label: 'file', accepts, parse: (t) => t };
}

/** A file ktc writes: its directory must exist and take the file now, not after an hour's run. */
export const outputFile: FlagKind<string> = {
  name: 'outputFile',
  label: 'file',
  accepts: 'a file path in a writable directory',
  parse(t) {
    const problem = outputFileProblem(t);
    if (problem) throw new FlagValueError(problem);
    return t;
  },
};

/**
 * A directory, as an absolute path. `writable`: ktc creates files in it, so
 * it (or the nearest parent that exists, when ktc creates it) must take them.
 */
export function directory(options: { writable?: boolean } = {}): FlagKind<string> {
  return {
    name: 'directory',
    label: 'directory',
    accepts: 'a directory path',
    parse(t) {
      const path = resolve(t);
      const problem = directoryProblem(path, options.writable ?? false);
      if (problem) throw new FlagValueError(problem);
      return path;
    },
  };
}

/** A comma-separated list parsed by `parseList`, which throws an Error whose message follows the flag's name. */
export function list<T>(accepts: string, parseList: (text: string) => T[]): FlagKind<T[]> {
  return {
    name: 'list',
    label: 'list',
    accepts,
    parse(t) {
      try {
        return parseList(t);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        // "sticky is not an assignor..." names the whole value when it is one item; "lists range twice" does not.
        throw new FlagValueError(reason, reason.startsWith(`${t.trim()} `) ? 'flag' : 'colon');
      }
    },
  };
}

/** A repeatable key=value setting (e.g. a server.properties line). */
export const keyValue: RepeatableKind<readonly [string, string]> = {
  name: 'keyValue',
  label: 'key=value',
  accepts: 'key=value with a property name (e.g. connections.max.reauth.ms=10000)',
  repeatable: true,
  parse(t) {
    const at = t.indexOf('=');
    const key = at > 0 ? t.slice(0, at).trim() : '';
    const value = t.slice(at + 1);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(key) || /[\r\n]/.test(value)) {
      throw new FlagValueError(`is not ${keyValue.accepts}`);
    }
    return [key, value] as const;
  },
};

/** An IPv4 loopback address (127.x.y.z), where local nodes listen. */
export const loopbackAddress: FlagKind<string> = {
  name: 'loopbackAddress',
  label: 'string',
  accepts: 'a loopback address 127.x.y.z (e.g. 127.0.0.1)',
  parse(t) {
    const octets = t.trim().split('.');
    const valid = octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
    if (!valid || octets[0] !== '127' || octets[3] === '0' || octets[3] === '255') {
      throw new FlagValueError(`is not ${loopbackAddress.accepts}`);
    }
    return octets.map(Number).join('.');
  },
};

export const kafkaVersion: FlagKind<string> = {
  name: 'kafkaVersion',
  label: 'string',
  accepts: 'an Apache Kafka 4.x release (e.g. 4.1.2)',
  parse(t) {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(t.trim());
    if (!m || Number(m[1]) < 4) throw new FlagValueError(`is not supported: ktc local runs Apache Kafka 4.x in KRaft mode (e.g. 4.1.2)`);
    return t.trim();
  },
};

/** A client.py flag ktc does not implement: any value is refused with what to do instead. */
export function refused(reason: string): FlagKind<never> {
  return {
    name: 'refused',
    label: 'string',
    accepts: 'nothing (not supported)',
    parse() {
      throw new FlagValueError(reason);
    },
  };
}

/** One of a few numbers (e.g. node counts a cluster layout supports). */
export function numberChoice<T extends number>(values: readonly T[]): FlagKind<T> {
  const accepts = `one of ${values.join(', ')}`;
  return {
    name: 'choice',
    label: 'number',
    accepts,
    parse(t) {
      const found = values.find((v) => String(v) === t.trim());
      if (found === undefined) throw new FlagValueError(`is not ${accepts}`);
      return found;
    },
  };
}
