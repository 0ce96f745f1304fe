import type { ClusterSample, Journal, PatroniMemberSample, ReadEvent, WriteEvent } from "../../chaos/checkers/journal";

/**
 * A fixed, fully deterministic journal of a planned primary stop, for metric and report tests:
 * - injection at T0 (the fault's stamp); the inject action ran T0−1 s → T0+0.5 s, recover T0+10 s → T0+11 s;
 * - one writer every 100 ms, 5–14 ms latency; writes sent in [T0+100, T0+8000) fail (error 20 ms later);
 * - Patroni: pg1 leads on timeline 1 until pg2 appears as leader on timeline 2 at T0+6 s (a stale observer
 *   still shows pg1 at T0+6.5 s); pg1 rejoins at T0+11.5 s lagging, caught up at T0+14 s;
 * - the failed write at T0+100 ms committed anyway (indeterminate); optionally the write acked at
 *   T0−95 ms is missing from the final rows (a planted lost acknowledged write).
 */

export const T0 = Date.parse("2026-11-25T14:00:00.000Z");
export const INDETERMINATE_ID = "run-0-w100";
export const LOST_ID = "run-0-w-100";
export const UNKNOWN_ID = "someone-else-1";

const idAt = (offsetMs: number) => `run-0-w${offsetMs}`;

function writes(): WriteEvent[] {
  const out: WriteEvent[] = [];
  for (let off = -10000, i = 0; off < 30000; off += 100, i++) {
    const sentAt = T0 + off;
    if (off >= 100 && off < 8000) {
      out.push({ id: idAt(off), writer: 0, sentAt, doneAt: sentAt + 20, error: off < 600 ? "connection_reset" : "connect_refused", errorMessage: "synthetic" });
    } else {
      out.push({ id: idAt(off), writer: 0, sentAt, ackAt: sentAt + 5 + (i % 10), server: off < 100 ? "10.0.0.11" : "10.0.0.12" });
    }
  }
  return out;
}

function reads(): ReadEvent[] {
  const out: ReadEvent[] = [];
  for (let off = -10000; off < 30000; off += 200) {
    const sentAt = T0 + off;
    const failed = off >= 200 && off < 2000;
    out.push(failed ? { reader: 0, sentAt, doneAt: sentAt + 30, ok: false, error: "connection_reset" } : { reader: 0, sentAt, doneAt: sentAt + 2, ok: true, server: "10.0.0.13" });
  }
  return out;
}

function members(off: number): PatroniMemberSample[] {
  if (off < 6000) {
    return [
      { name: "pg1", role: "leader", state: "running", timeline: 1 },
      { name: "pg2", role: "replica", state: "streaming", timeline: 1, lagBytes: 0 },
      { name: "pg3", role: "replica", state: "streaming", timeline: 1, lagBytes: off >= 0 ? 4096 : 0 },
    ];
  }
  const rest: PatroniMemberSample[] = [
    { name: "pg2", role: "leader", state: "running", timeline: 2 },
    { name: "pg3", role: "replica", state: "streaming", timeline: 2, lagBytes: 0 },
  ];
  if (off < 11500) return rest;
  const pg1: PatroniMemberSample = off < 14000
    ? { name: "pg1", role: "replica", state: off < 12500 ? "starting" : "streaming", timeline: 2, lagBytes: off < 12500 ? 1048576 : 65536 }
    : { name: "pg1", role: "replica", state: "streaming", timeline: 2, lagBytes: 0 };
  return [pg1, ...rest];
}

function cluster(): ClusterSample[] {
  const out: ClusterSample[] = [];
  for (let off = -10000; off < 30000; off += 500) out.push({ at: T0 + off, observer: "pg3", ok: true, members: members(off) });
  // A stale view of the old leader after the failover must not count as a change back.
  out.push({ at: T0 + 6250, observer: "pg1", ok: true, members: members(0) });
  return out;
}

export function syntheticJournal(opts: { plantLostWrite?: boolean } = {}): Journal {
  const w = writes();
  const landed = w.filter((x) => x.ackAt !== undefined || x.id === INDETERMINATE_ID).map((x) => x.id);
  return {
    experiment: {
      id: "primary-stop",
      title: "Planned stop of the Patroni primary",
      description: "Stop the Patroni primary's container while clients write through HAProxy; Patroni must elect a replica and clients must write again.",
      steps: [
        { description: "Verify the steady state: one leader, replicas streaming, error rate under 1 %", tool: "Patroni REST /cluster" },
        { description: "Start the workload: 1 writer at 10 writes/s, 1 reader at 5 reads/s through HAProxy", tool: "pgchaos workload (node-postgres)" },
        { description: "Stop the primary for 10 s", tool: "Fault resource on the chaos stack via the Pulumi Automation API" },
        { description: "Recover and wait for the steady state", tool: "pulumi destroy of the fault" },
      ],
      expected: {
        prose: "Patroni promotes a replica within ttl + loop_wait; clients see errors until HAProxy routes to the new primary; no acknowledged write is lost.",
        assertions: [
          { metric: "lostAckedWrites", op: "==", value: 0, why: "acknowledged data must survive a planned stop" },
          { metric: "timeToNewLeaderSeconds", op: "<=", value: 15 },
          { metric: "writeUnavailabilitySeconds", op: "<=", value: 5, why: "deliberately tight: shows a violation" },
          { metric: "firstAlertDeliveredSeconds", op: "<=", value: 60 },
        ],
      },
    },
    startedAt: T0 - 10000,
    endedAt: T0 + 30000,
    phases: [
      { name: "steady-before", start: T0 - 10000, end: T0 - 1000 },
      { name: "fault", start: T0 - 1000, end: T0 + 10000 },
      { name: "recovery", start: T0 + 10000, end: T0 + 20000 },
      { name: "steady-after", start: T0 + 20000, end: T0 + 30000 },
    ],
    writes: w,
    reads: reads(),
    cluster: cluster(),
    etcd: [
      { at: T0 - 5000, member: "etcd1", ok: true, leader: "etcd1", raftTerm: 2 },
      { at: T0 + 5000, member: "etcd2", ok: true, leader: "etcd1", raftTerm: 2 },
    ],
    haproxy: [
      { at: T0 - 500, servers: { "primary/pg1": "UP", "primary/pg2": "DOWN" } },
      { at: T0 + 1500, servers: { "primary/pg1": "DOWN", "primary/pg2": "DOWN" } },
      { at: T0 + 7500, servers: { "primary/pg1": "DOWN", "primary/pg2": "UP" } },
    ],
    faults: [
      {
        startedAt: T0 - 1000, endedAt: T0 + 500, action: "inject", fault: "stop-primary", kind: "member-stop", targets: ["pg1"],
        mechanism: "docker stop (SIGTERM, Patroni shuts PostgreSQL down)", injectedAt: [T0], configured: "pg1 stopped for 10 s", measured: "pg1 down 10.9 s (container state)",
        command: "pulumi up --stack dev-chaos",
      },
      { startedAt: T0 + 10000, endedAt: T0 + 11000, action: "recover", fault: "stop-primary", kind: "member-stop", targets: ["pg1"], mechanism: "docker start", command: "pulumi destroy --stack dev-chaos" },
    ],
    logs: [
      { member: "pg1", at: T0 - 60000, text: "INFO: no action. I am (pg1), the leader with the lock" },
      { member: "pg1", at: T0 + 50, text: "INFO: received SIGTERM, shutting down" },
      { member: "pg2", at: T0 + 5800, text: "INFO: promoted self to leader by acquiring session lock" },
      { member: "pg3", at: T0 + 6100, text: "INFO: no action. I am (pg3), a secondary, and following a leader (pg2)" },
      { member: "pg1", at: T0 + 11600, text: "INFO: Lock owner: pg2; I am pg1 | rewinding" },
    ],
    alerts: [{ alert: "PostgresPrimaryDown", labels: { member: "pg1", severity: "critical" }, firedAt: T0 + 7000, receivedAt: T0 + 9500, resolvedReceivedAt: T0 + 25000 }],
    finalRowIds: [...landed.filter((id) => !(opts.plantLostWrite && id === LOST_ID)), UNKNOWN_ID],
    finalReadFrom: "pg2",
    hypothesis: {
      before: [{ name: "one leader", ok: true, detail: "pg1" }, { name: "replicas streaming", ok: true, detail: "pg2, pg3" }],
      after: [{ name: "one leader", ok: true, detail: "pg2" }, { name: "replicas streaming", ok: true, detail: "pg1, pg3" }],
    },
    notes: [],
  };
}
