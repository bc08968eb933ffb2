import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { ConnectionConfig } from '../../config/connection.js';
import { errorMessage } from '../../errors.js';
import { API, API_VERSIONS_VERSION, clientThrottles, highestCommon, parseApiVersions, UnsupportedVersionError, type VersionRange } from './apiVersions.js';
import { Reader, Writer } from './codec.js';
import { FrameDecoder } from './frameDecoder.js';
import { ConnectionError, connectionError, protocolError, WireError } from './protocolErrors.js';
import { reauthDelayMs, SASL_AUTHENTICATE_RANGE, SASL_HANDSHAKE_RANGE, saslExchange, type SaslVersions } from './saslSession.js';
import { ThrottleStats, wireThrottle } from './throttleStats.js';
import { defined } from '../../defined.js';

export { API } from './apiVersions.js';

export interface BrokerConnectionOptions {
  /** Where this connection adds the throttling it is told about; the thread-wide total by default. */
  throttleTotals?: ThrottleStats;
  /** Tests fix the point in the 85-95 % window; random otherwise. */
  random?: () => number;
}

interface InFlight {
  resolve: (body: Reader) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  /** Timed out: its promise is settled, its late response will be dropped. */
  abandoned: boolean;
}

interface Queued {
  apiKey: number;
  version: number;
  body: Buffer;
  expectResponse: boolean;
  resolve: (body: Reader | undefined) => void;
  reject: (err: Error) => void;
}

const CORRELATION_MASK = 0x7fffffff;

/** Re-authentication and throttle deadlines must not move with the wall clock. */
const monotonicMs = (): number => performance.now();

/**
 * One TCP (or TLS) connection to one broker. On open it learns the broker's
 * API version ranges (ApiVersions) and authenticates with SASL when
 * configured; afterwards it frames requests, matches responses by
 * correlation id, re-authenticates before the broker's session lifetime runs
 * out (KIP-368) and holds requests back while the broker throttles it
 * (KIP-219). Requests that arrive while it re-authenticates or is throttled
 * wait in order and are sent afterwards: they never fail for it.
 */
export class BrokerConnection {
  private nextCorrelation = 1;
  private readonly inFlight = new Map<number, InFlight>();
  private abandonedCount = 0;
  private readonly queue: Queued[] = [];
  private readonly frames: FrameDecoder;
  private failure: Error | undefined;
  private ranges: Map<number, VersionRange> | undefined;
  private saslVersions: SaslVersions | undefined;
  /** monotonicMs() at which the next request first re-authenticates; 0: never. */
  private reauthAt = 0;
  private reauthenticating = false;
  private throttledUntil = 0;
  private throttleTimer: NodeJS.Timeout | undefined;
  private readonly throttleTotals: ThrottleStats;
  private readonly random: () => number;
  /** Throttling the broker reported on this connection (all of it, including what it delayed itself). */
  readonly throttle = new ThrottleStats();
  /** Completed re-authentications (the first authentication not counted). */
  reauthentications = 0;

  private constructor(
    private readonly socket: Socket,
    private readonly config: ConnectionConfig,
    readonly address: string,
    options: BrokerConnectionOptions,
    frames: FrameDecoder,
  ) {
    this.frames = frames;
    this.throttleTotals = options.throttleTotals ?? wireThrottle;
    this.random = options.random ?? Math.random;
    socket.setNoDelay(true);
    // Plain TCP reads straight into the decoder (onread, below) and emits no 'data'; TLS hands over its own chunks.
    socket.on('data', (chunk: Buffer) => {
      this.onReceived(() => this.frames.push(chunk));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(new ConnectionError(`${address}: ${err.message}`, { code: err.code, cause: err })));
    socket.on('close', () => this.fail(connectionError(`${address}: connection closed`)));
  }

  /** Connects (TLS first when configured), negotiates API versions, then authenticates. */
  static async open(host: string, port: number, config: ConnectionConfig, options: BrokerConnectionOptions = {}): Promise<BrokerConnection> {
    const address = `${host}:${port}`;
    // Brokers never speak first: frames arrive only after the connection exists and has sent a request.
    const opening: { connection?: BrokerConnection } = {};
    const frames = new FrameDecoder(address, (frame) => opening.connection?.onFrame(frame));
    const socket = await new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          s.destroy();
          reject(connectionError(`${address}: connection timeout`, 'ETIMEDOUT'));
        },
        Math.min(config.timeoutMs, 10_000),
      );
      const done = (err?: Error) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(s);
      };
      let s: Socket;
      if (config.tls) {
        const tls = config.tls;
        const tlsOptions: ConnectionOptions = {
          host,
          port,
          rejectUnauthorized: true,
          ...(isIP(host) ? {} : { servername: host }),
          ...(tls.ca ? { ca: [tls.ca] } : {}),
          ...(tls.cert ? { cert: tls.cert } : {}),
          ...(tls.key ? { key: tls.key } : {}),
          ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
        };
        s = tlsConnect(tlsOptions, () => done());
      } else {
        const onread = {
          buffer: () => frames.readBuffer(),
          callback: (n: number): boolean => {
            if (opening.connection) opening.connection.onReceived(() => frames.received(n));
            else s.destroy(connectionError(`${address} sent data before ktc asked for any`));
            return true; // keep reading
          },
        };
        s = netConnect({ host, port, onread }, () => done());
      }
      s.once('error', (err: NodeJS.ErrnoException) => done(new ConnectionError(`${address}: ${err.message}`, { code: err.code, cause: err })));
    });
    const opened = new BrokerConnection(socket, config, address, options, frames);
    opening.connection = opened;
    try {
      await opened.negotiateVersions();
      if (config.sasl) await opened.authenticate();
    } catch (err) {
      opened.close();
      throw err;
    }
    return opened;
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  /**
   * The highest version of an API that both the broker and ktc (ktcMin to
   * ktcMax) speak. Throws a non-retriable error naming the API, both ranges
   * and the brokers ktc supports when there is none.
   */
  version(apiKey: number, ktcMin: number, ktcMax: number): number {
    const broker = this.ranges?.get(apiKey);
    const v = highestCommon(broker, ktcMin, ktcMax);
    if (v === undefined) throw new UnsupportedVersionError(this.address, apiKey, broker, { min: ktcMin, max: ktcMax });
    return v;
  }

  /** The broker's version range for an API, or undefined when it does not offer it. */
  brokerRange(apiKey: number): VersionRange | undefined {
    return this.ranges?.get(apiKey);
  }

  /**
   * Sends one request; resolves with the response body (after the
   * correlation id), or with undefined when no response is expected
   * (acks=0), once the socket has taken it. A version the broker does not
   * accept is refused here with the one-line error, not sent (the broker
   * would close the connection). The timeout (ConnectionConfig.timeoutMs)
   * runs from the moment the request is written.
   */
  request(apiKey: number, version: number, body: Buffer, expectResponse = true): Promise<Reader | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const broker = this.ranges?.get(apiKey);
    if (this.ranges && (!broker || version < broker.min || version > broker.max)) {
      return Promise.reject(new UnsupportedVersionError(this.address, apiKey, broker, { min: version, max: version }));
    }
    if (this.queue.length > 0 || this.held(monotonicMs())) {
      return new Promise((resolve, reject) => this.queue.push({ apiKey, version, body, expectResponse, resolve, reject }));
    }
    return this.write(apiKey, version, body, expectResponse);
  }

  /**
   * Reports a response's throttle_time_ms. It is counted here and in the
   * thread-wide total; when the response version asks the client to back
   * off (KIP-219: Produce v6+, Fetch v8+, Metadata v6+...), later requests on
   * this connection wait until the throttle ends, as the Java client's do.
   */
  throttled(ms: number, apiKey: number, version: number): void {
    if (!(ms > 0)) return;
    this.throttle.add(ms);
    this.throttleTotals.add(ms);
    if (!clientThrottles(apiKey, version)) return;
    const until = monotonicMs() + ms;
    if (until <= this.throttledUntil) return;
    this.throttledUntil = until;
    this.armThrottleTimer(ms);
  }

  close(): void {
    this.socket.destroy();
    this.fail(connectionError(`${this.address}: connection closed by ktc`));
  }

  /** True while requests must wait: re-authenticating, throttled, or due to re-authenticate (which this starts). */
  private held(now: number): boolean {
    if (this.reauthenticating) return true;
    if (this.throttledUntil > now) return true;
    if (this.reauthAt !== 0 && now >= this.reauthAt) {
      void this.reauthenticate();
      return true;
    }
    return false;
  }

  private armThrottleTimer(ms: number): void {
    clearTimeout(this.throttleTimer);
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = undefined;
      this.flush();
    }, ms);
  }

  /** Sends what waited, in order, until something holds the connection again. */
  private flush(): void {
    while (this.queue.length > 0 && !this.failure) {
      const now = monotonicMs();
      if (this.held(now)) {
        // A timer can fire a millisecond early: wait for the rest of the throttle.
        if (!this.reauthenticating && this.throttledUntil > now && !this.throttleTimer) this.armThrottleTimer(this.throttledUntil - now);
        return;
      }
      const q = defined(this.queue.shift());
      this.write(q.apiKey, q.version, q.body, q.expectResponse).then(q.resolve, q.reject);
    }
  }

  private write(apiKey: number, version: number, body: Buffer, expectResponse: boolean): Promise<Reader | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const correlation = this.nextCorrelation;
    this.nextCorrelation = (this.nextCorrelation + 1) & CORRELATION_MASK;
    const header = new Writer(64).int16(apiKey).int16(version).int32(correlation).string(this.config.clientId).result();
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(header.length + body.length);
    this.socket.cork();
    this.socket.write(size);
    this.socket.write(header);
    this.socket.write(body);
    this.socket.uncork();
    // acks=0 has no response to wait for: wait for the socket to drain instead, so the sender cannot outrun it.
    if (!expectResponse) return this.socket.writableNeedDrain ? this.drained() : Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const entry = this.inFlight.get(correlation);
        if (!entry) return;
        // Kept until its response arrives (or a later one does), so that response is recognised and dropped.
        entry.abandoned = true;
        this.abandonedCount++;
        reject(protocolError(7, `no response from ${this.address} within ${this.config.timeoutMs} ms`));
      }, this.config.timeoutMs);
      this.inFlight.set(correlation, { resolve, reject, timer, abandoned: false });
    });
  }

  /** Sends a request that no queue or gate may hold (ApiVersions and SASL); always expects a response. */
  private readonly direct = (apiKey: number, version: number, body: Buffer): Promise<Reader> => this.write(apiKey, version, body, true) as Promise<Reader>;

  private drained(): Promise<undefined> {
    return new Promise((resolve, reject) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        if (this.failure) reject(this.failure);
        else resolve(undefined);
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /**
   * A response frame the caller has finished with, nothing sliced from it
   * kept: its memory receives the next large response (the consumer's fetches).
   */
  release(frame: Reader): void {
    this.frames.release(frame.buf);
  }

  private onReceived(deliver: () => void): void {
    if (this.failure) return;
    try {
      deliver();
    } catch (err) {
      // Never let a malformed stream throw out of the socket's event handler: the connection fails instead.
      this.fail(err instanceof WireError ? err : connectionError(`${this.address}: ${errorMessage(err)}`));
    }
  }

  private onFrame(frame: Buffer): void {
    if (this.failure) return;
    const reader = new Reader(frame);
    const correlation = reader.int32();
    const entry = this.inFlight.get(correlation);
    if (!entry) {
      throw connectionError(`${this.address} answered correlation id ${correlation}, which matches no request ktc sent`);
    }
    this.inFlight.delete(correlation);
    clearTimeout(entry.timer);
    if (entry.abandoned) this.abandonedCount--;
    else entry.resolve(reader);
    // A broker answers a connection's requests in order: timed-out requests sent before this one will never be answered.
    if (this.abandonedCount > 0) {
      for (const [id, e] of this.inFlight) {
        if (id > correlation) break;
        if (e.abandoned) {
          this.inFlight.delete(id);
          this.abandonedCount--;
        }
      }
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    clearTimeout(this.throttleTimer);
    this.throttleTimer = undefined;
    for (const e of this.inFlight.values()) {
      clearTimeout(e.timer);
      if (!e.abandoned) e.reject(err);
    }
    this.inFlight.clear();
    for (const q of this.queue.splice(0)) q.reject(err);
    this.socket.destroy();
  }

  /**
   * ApiVersions right after connecting (and TLS), before SASL. A broker that
   * does not speak our ApiVersions version answers UNSUPPORTED_VERSION with
   * its own range (Kafka 2.4+) or none: retry at the highest common version,
   * or v0, as the Java client does.
   */
  private async negotiateVersions(): Promise<void> {
    let version = API_VERSIONS_VERSION;
    for (;;) {
      const reply = parseApiVersions(await this.direct(API.apiVersions, version, Buffer.alloc(0)));
      if (reply.error === 0) {
        this.ranges = reply.ranges;
        return;
      }
      if (reply.error !== 35 || version === 0) throw protocolError(reply.error, `ApiVersions v${version} from ${this.address}`);
      const broker = reply.ranges.get(API.apiVersions);
      const next = broker ? highestCommon(broker, 0, version - 1) : 0;
      if (next === undefined) throw new UnsupportedVersionError(this.address, API.apiVersions, broker, { min: 0, max: API_VERSIONS_VERSION });
      version = next;
    }
  }

  private async authenticate(): Promise<void> {
    this.saslVersions = {
      handshake: this.version(API.saslHandshake, SASL_HANDSHAKE_RANGE.min, SASL_HANDSHAKE_RANGE.max),
      authenticate: this.version(API.saslAuthenticate, SASL_AUTHENTICATE_RANGE.min, SASL_AUTHENTICATE_RANGE.max),
    };
    this.scheduleReauth(await saslExchange(this.direct, this.saslVersions, defined(this.config.sasl)));
  }

  private scheduleReauth(lifetimeMs: number): void {
    this.reauthAt = lifetimeMs > 0 ? monotonicMs() + reauthDelayMs(lifetimeMs, this.random) : 0;
  }

  /**
   * KIP-368, as the Java client does it: once due, the next request starts
   * it; SaslHandshake goes out behind the requests already in flight (the
   * broker answers a connection's requests in order and keeps serving them),
   * and new requests wait until SaslAuthenticate has succeeded, since the
   * broker reads anything sent meanwhile as a SASL token. A failure fails
   * the connection; authentication errors stay non-retriable.
   */
  private async reauthenticate(): Promise<void> {
    if (this.reauthenticating) return;
    this.reauthenticating = true;
    this.reauthAt = 0;
    try {
      this.scheduleReauth(await saslExchange(this.direct, defined(this.saslVersions), defined(this.config.sasl)));
      this.reauthentications++;
    } catch (err) {
      this.fail(err as Error);
      return;
    } finally {
      this.reauthenticating = false;
    }
    this.flush();
  }
}
