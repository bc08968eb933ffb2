import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionConfig } from '../../../src/config/connection.js';
import { Reader, Writer } from '../../../src/engine/wire/codec.js';
import { present } from '../../../src/defined.js';

/**
 * Just enough of a Kafka broker, on loopback, to test BrokerConnection:
 * ApiVersions (with the v0 UNSUPPORTED_VERSION answer), SaslHandshake and
 * SaslAuthenticate with PLAIN and a session lifetime, and an echo API. It
 * is as strict as a real broker where the tests need it: it answers a
 * connection's requests one at a time and in order, closes a connection
 * that sends a request before authenticating, while re-authenticating, or
 * after its session expired, and records every request it read.
 */

export const ECHO_API = 3; // Metadata's key: answered with the request body echoed back

export interface FakeRequest {
  apiKey: number;
  version: number;
  correlation: number;
  body: Buffer;
  /** Date.now() when the broker read it. */
  at: number;
  connection: number;
}

/** What a handler answers: a response body, a raw frame to write as is, nothing, or close the socket. */
export type FakeAnswer = { body: Buffer; delayMs?: number; correlation?: number } | { raw: Buffer } | 'none' | 'close';
export type FakeHandler = (req: FakeRequest) => FakeAnswer | undefined;

export interface FakeBrokerOptions {
  /** API key -> [min, max]. */
  ranges?: Record<number, [number, number]>;
  /** Leave ApiVersions' own range out of the UNSUPPORTED_VERSION answer, as brokers before 2.4 did. */
  omitApiVersionsRangeOnError?: boolean;
  sasl?: { username: string; password: string; sessionLifetimeMs: number; reauthDelayMs?: number };
  /** Consulted first for every request; undefined falls through to the built-in behaviour. */
  handler?: FakeHandler;
}

export const KAFKA_4_RANGES: Record<number, [number, number]> = {
  0: [3, 13],
  1: [4, 18],
  3: [0, 13],
  17: [0, 1],
  18: [0, 4],
  36: [0, 2],
};

export interface SaslEvent {
  connection: number;
  kind: 'authenticated' | 'reauth-start' | 'reauthenticated';
  at: number;
}

interface ConnState {
  authenticated: boolean;
  /** From reading a re-authentication's SaslHandshake until the final SaslAuthenticate answer is written. */
  reauthenticating: boolean;
  expiresAt: number;
}

export class FakeBroker {
  readonly requests: FakeRequest[] = [];
  readonly sasl: SaslEvent[] = [];
  /** Why the broker closed a connection on its own (a protocol rule the client broke). */
  readonly violations: string[] = [];
  private readonly sockets = new Set<Socket>();
  private connections = 0;

  private constructor(
    private readonly server: Server,
    readonly options: FakeBrokerOptions,
  ) {}

  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    const server = createServer();
    const broker = new FakeBroker(server, options);
    server.on('connection', (socket) => broker.serve(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return broker;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  config(overrides: Partial<ConnectionConfig> = {}): ConnectionConfig {
    const sasl = this.options.sasl;
    return {
      brokers: [`127.0.0.1:${this.port}`],
      securityProtocol: sasl ? 'SASL_PLAINTEXT' : 'PLAINTEXT',
      ...(sasl ? { sasl: { mechanism: 'PLAIN' as const, username: sasl.username, password: sasl.password } } : {}),
      clientId: 'ktc-test',
      timeoutMs: 2000,
      ...overrides,
    };
  }

  of(apiKey: number): FakeRequest[] {
    return this.requests.filter((r) => r.apiKey === apiKey);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    const id = ++this.connections;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const sasl = this.options.sasl;
    const state: ConnState = { authenticated: !sasl, reauthenticating: false, expiresAt: Infinity };
    let buffered = Buffer.alloc(0);
    // One request at a time, in order, as a broker mutes a connection while it handles a request.
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + frame.length);
        const r = new Reader(frame);
        const apiKey = r.int16();
        const version = r.int16();
        const correlation = r.int32();
        r.string(); // client id
        const req: FakeRequest = { apiKey, version, correlation, body: frame.subarray(r.pos), at: Date.now(), connection: id };
        this.requests.push(req);
        // Stricter than a broker: nothing but SASL may arrive from a re-authentication's handshake until its final answer.
        if (state.reauthenticating && apiKey !== 17 && apiKey !== 36) {
          this.violation(socket, `api ${apiKey} arrived while re-authenticating`);
          return;
        }
        if (apiKey === 17 && state.authenticated) {
          state.reauthenticating = true;
          this.sasl.push({ connection: id, kind: 'reauth-start', at: req.at });
        }
        chain = chain.then(() => this.answer(socket, req, state));
      }
    });
  }

  private violation(socket: Socket, why: string): void {
    this.violations.push(why);
    socket.destroy();
  }

  private async answer(socket: Socket, req: FakeRequest, state: ConnState): Promise<void> {
    if (socket.destroyed) return;
    const custom = this.options.handler?.(req);
    if (custom !== undefined) return this.reply(socket, req, custom);
    const sasl = this.options.sasl;
    const ranges = this.options.ranges ?? KAFKA_4_RANGES;
    const isSasl = req.apiKey === 17 || req.apiKey === 36;
    if (!isSasl && req.apiKey !== 18) {
      if (!state.authenticated) {
        this.violation(socket, `api ${req.apiKey} before authentication`);
        return;
      }
      // The broker checks expiry when it takes the request up (after answering the ones before it).
      if (Date.now() > state.expiresAt) {
        this.violation(socket, `api ${req.apiKey} after the session expired`);
        return;
      }
    }
    const range = ranges[req.apiKey];
    if (!range || req.version < range[0] || req.version > range[1]) {
      if (req.apiKey === 18) {
        // Kafka's answer to an ApiVersions version it does not know: v0 layout, UNSUPPORTED_VERSION, its range.
        const w = new Writer(64).int16(35);
        if (this.options.omitApiVersionsRangeOnError) w.int32(0);
        else
          w.int32(1)
            .int16(18)
            .int16(range?.[0] ?? 0)
            .int16(range?.[1] ?? 0);
        return this.reply(socket, req, { body: w.result() });
      }
      this.violation(socket, `api ${req.apiKey} v${req.version} is not supported`);
      return;
    }
    switch (req.apiKey) {
      case 18: {
        const entries = Object.entries(ranges);
        const w = new Writer(256).int16(0).int32(entries.length);
        for (const [key, [min, max]] of entries) w.int16(Number(key)).int16(min).int16(max);
        if (req.version >= 1) w.int32(0);
        return this.reply(socket, req, { body: w.result() });
      }
      case 17: {
        const mechanism = new Reader(req.body).string();
        const w = new Writer(64)
          .int16(mechanism === 'PLAIN' ? 0 : 33)
          .int32(1)
          .string('PLAIN');
        return this.reply(socket, req, { body: w.result() });
      }
      case 36: {
        const token = present(new Reader(req.body).bytes()).toString();
        const ok = sasl !== undefined && token === `\0${sasl.username}\0${sasl.password}`;
        const lifetime = ok ? sasl.sessionLifetimeMs : 0;
        const w = new Writer(64)
          .int16(ok ? 0 : 58)
          .string(ok ? null : 'Authentication failed: Invalid username or password')
          .bytes(Buffer.alloc(0));
        if (req.version >= 1) w.int64(lifetime);
        const wasReauth = state.reauthenticating;
        if (wasReauth && sasl?.reauthDelayMs) await sleep(sasl.reauthDelayMs);
        state.reauthenticating = false;
        if (ok) {
          state.authenticated = true;
          state.expiresAt = lifetime > 0 ? Date.now() + lifetime : Infinity;
          this.sasl.push({ connection: req.connection, kind: wasReauth ? 'reauthenticated' : 'authenticated', at: Date.now() });
        }
        return this.reply(socket, req, { body: w.result() });
      }
      case ECHO_API:
        return this.reply(socket, req, { body: req.body });
      default:
        this.violation(socket, `api ${req.apiKey} has no fake`);
        return;
    }
  }

  private async reply(socket: Socket, req: FakeRequest, answer: FakeAnswer): Promise<void> {
    if (answer === 'none') return;
    if (answer === 'close') {
      socket.destroy();
      return;
    }
    if ('raw' in answer) {
      socket.write(answer.raw);
      return;
    }
    if (answer.delayMs) await sleep(answer.delayMs);
    if (socket.destroyed) return;
    const head = Buffer.alloc(8);
    head.writeInt32BE(4 + answer.body.length, 0);
    head.writeInt32BE(answer.correlation ?? req.correlation, 4);
    socket.write(Buffer.concat([head, answer.body]));
  }
}
