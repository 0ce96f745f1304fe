import * as net from "net";

/**
 * The fidelity benchmark's workload: requests sent open-loop at a fixed rate over a pool of TCP
 * connections (one request in flight per connection, TCP_NODELAY, like a pooled database client), each
 * answered by a line echo server; the round trip of every answered request, ms.
 */
export interface RoundTripOptions {
  host: string;
  port: number;
  ratePerSecond: number;
  seconds: number;
  /** Connections in the pool: enough for rate × (delay + margin) requests in flight. */
  maxInFlight: number;
  /** Requests sent in the first second are not counted (connections and the mechanism settle). */
  warmupSeconds?: number;
}

export interface RoundTrips {
  rttMs: number[];
  /** Seconds the counted requests were sent over. */
  measuredSeconds: number;
  /** Requests not sent on time because every connection was busy. */
  notSent: number;
}

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, noDelay: true }, () => resolve(s));
    s.once("error", reject);
  });
}

/** One pooled connection: at most one request in flight. */
class Connection {
  sentAt = 0;
  private buf = "";

  constructor(readonly socket: net.Socket, onAnswer: (c: Connection, at: number) => void) {
    socket.on("data", (d: Buffer) => {
      this.buf += d.toString();
      if (!this.buf.includes("\n")) return;
      this.buf = "";
      onAnswer(this, performance.now());
    });
    socket.on("error", () => {});
  }

  send(): void {
    this.sentAt = performance.now();
    this.socket.write("ping\n");
  }
}

export async function measureRoundTrips(o: RoundTripOptions): Promise<RoundTrips> {
  const warmup = o.warmupSeconds ?? 1;
  const rttMs: number[] = [];
  let pending = 0;
  const idle: Connection[] = [];
  const onAnswer = (c: Connection, at: number) => {
    if (c.sentAt >= countFrom && c.sentAt < stopAt) rttMs.push(at - c.sentAt);
    pending--;
    idle.push(c);
  };
  const pool = (await Promise.all(Array.from({ length: o.maxInFlight }, () => connect(o.host, o.port)))).map((s) => new Connection(s, onAnswer));
  idle.push(...pool);
  // The schedule starts once the pool is connected: connects through a delayed link take a delay each, and
  // a schedule started before them would open with a burst of overdue requests.
  const start = performance.now();
  const countFrom = start + warmup * 1000;
  const stopAt = countFrom + o.seconds * 1000;
  let notSent = 0;
  let sent = 0;
  const dueOf = (k: number) => start + (k * 1000) / o.ratePerSecond;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Every request due by now goes out (open loop: a late timer sends a small burst, as clients do).
      for (; dueOf(sent) <= now && dueOf(sent) < stopAt; sent++) {
        const c = idle.pop();
        if (c) {
          pending++;
          c.send();
        } else if (dueOf(sent) >= countFrom) notSent++;
      }
      if (dueOf(sent) >= stopAt) return resolve();
      setTimeout(tick, Math.max(0, dueOf(sent) - performance.now()));
    };
    tick();
  });
  // Let the last requests come back (bounded), then close the pool.
  const drainUntil = performance.now() + 5000;
  while (pending > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 10));
  for (const c of pool) c.socket.destroy();
  return { rttMs, measuredSeconds: o.seconds, notSent };
}
