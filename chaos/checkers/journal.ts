// The journal of one experiment run: everything observed, timestamped — what every checker and report reads.
import type { ExpectedAlertSpec } from "./alert-spec";
import type { Expectation } from "./expectation-schema";
import type { FaultWatchRecord } from "../faults/watch";
import type { ResyncRecord } from "./resync-records";
import type { ServerSideRecord } from "./server-panels";

/**
 * The journal of one experiment run: everything observed, with timestamps (epoch milliseconds on the
 * controller's clock unless a field says otherwise). Metrics and the report are computed from it alone,
 * so a report can be re-rendered from a saved journal and every number in it traces back to an event.
 */

export type ErrorClass =
  | "connect_refused" // nothing listening / HAProxy has no server
  | "connect_timeout"
  | "connection_reset" // session killed (HAProxy shutdown-sessions, server crash)
  | "read_only" // 25006: the node is in recovery (demoted primary)
  | "admin_shutdown" // 57P01 and friends: server shutting down
  | "query_timeout"
  | "other";

export interface WriteEvent {
  /** Unique id written into the row (primary key). */
  id: string;
  writer: number;
  sentAt: number;
  /** Set when the commit was acknowledged. */
  ackAt?: number;
  /** When the error came back (failed writes): when the client learned of the failure. */
  doneAt?: number;
  error?: ErrorClass;
  errorMessage?: string;
  /** Which node answered (inet_server_addr) when acknowledged. */
  server?: string;
}

export interface ReadEvent {
  reader: number;
  sentAt: number;
  doneAt: number;
  ok: boolean;
  error?: ErrorClass;
  server?: string;
}

export interface PatroniMemberSample {
  name: string;
  role: string;
  state: string;
  timeline?: number;
  /** Replication lag in bytes as Patroni reports it (undefined for the leader or unknown). */
  lagBytes?: number;
  /** Patroni tags that steer the election (nofailover, failover_priority, ...), when set. */
  tags?: Record<string, unknown>;
}

/** Patroni's /cluster as one member saw it at one instant. */
export interface ClusterSample {
  at: number;
  observer: string;
  ok: boolean;
  members: PatroniMemberSample[];
}

export interface EtcdSample {
  at: number;
  member: string;
  ok: boolean;
  /** Leader's member name as this member reports it. */
  leader?: string;
  raftTerm?: number;
}

export interface HaproxySample {
  at: number;
  /** backend/server → status (UP, DOWN, MAINT, ...). */
  servers: Record<string, string>;
}

export interface FaultEvent {
  /** When the action started and ended on the controller. */
  startedAt: number;
  endedAt: number;
  action: "inject" | "recover";
  fault: string;
  kind: string;
  targets: string[];
  mechanism?: string;
  /** Injection times reported by the fault resource (member clock, epoch ms). */
  injectedAt?: number[];
  /** Measured magnitude as verified after inject (fault-trust issue), when available. */
  measured?: string;
  configured?: string;
  /** The command that applied it, as a user would type it (e.g. `pulumi up --stack dev-chaos`), for the report's steps. */
  command?: string;
}

export interface LogLine {
  member: string;
  at: number;
  text: string;
}

export interface AlertObservation {
  alert: string;
  labels: Record<string, string>;
  /** When Prometheus had it firing (activeAt + for), and when the receiver got the notification. */
  firedAt?: number;
  receivedAt?: number;
  resolvedReceivedAt?: number;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Phase {
  name: "steady-before" | "fault" | "recovery" | "steady-after";
  start: number;
  end: number;
}

/** One step of the experiment's method as declared, with the tool that carries it out. */
export interface MethodStep {
  description: string;
  tool?: string;
}

export interface Journal {
  experiment: {
    id: string;
    title: string;
    description: string;
    /** The variant (named setting) this run used, for comparisons. */
    variant?: string;
    /** The method as declared (the report's "steps"); faults add their own lines from `faults`. */
    steps?: MethodStep[];
    /** Expected behaviour: prose and machine-checkable assertions on the metrics. */
    expected?: { prose: string; assertions: Expectation[] };
    /** Alerts the run should raise, with the moment each condition begins (older journals lack it). */
    expectedAlerts?: ExpectedAlertSpec[];
    /** The method waits for a new leader: a leader change is planned, not a false failover (older journals lack it). */
    failoverExpected?: boolean;
  };
  /** Monitoring settings in effect during the run, read from Prometheus and Alertmanager themselves. */
  monitoringSettings?: MonitoringSettings;
  /** Set when the runner itself failed (a fault could not be injected or verified, an error in a step): the run proves nothing. */
  runnerError?: string;
  /** What the run targeted ("lab stack dev", "cluster X (inventory of stack Y, over SSH)"); older journals lack it. */
  target?: string;
  startedAt: number;
  endedAt: number;
  phases: Phase[];
  writes: WriteEvent[];
  reads: ReadEvent[];
  cluster: ClusterSample[];
  etcd: EtcdSample[];
  haproxy: HaproxySample[];
  faults: FaultEvent[];
  logs: LogLine[];
  alerts: AlertObservation[];
  /** Ids of the rows present on the primary after recovery (read directly from it, not through HAProxy). */
  finalRowIds: string[];
  /** Which node the final rows were read from. */
  finalReadFrom: string;
  /** Split-brain runs: every PostgreSQL node probed directly (pg_is_in_recovery() and a test write). */
  primaryProbes?: PrimaryProbeSample[];
  /** Split-brain runs: row ids found on each node after the split, before any rewind (divergence accounting). */
  nodeRowIds?: Record<string, string[]>;
  /** Split-brain runs: writes sent directly to the old primary's own port (not through HAProxy). */
  directWrites?: WriteEvent[];
  /** The node the direct writer targeted (the primary before the fault). */
  directWriterTarget?: string;
  /** Replica resync runs: the primary sampled for replication, slots and pg_wal; reinitializations the runner requested. */
  resync?: ResyncRecord;
  /** Patroni dynamic configuration set at runtime for this run (PATCH /config), and its restoration. */
  patroniConfig?: PatroniConfigRecord;
  /** The server side as Prometheus saw it over the run window (range queries, their PromQL and answers). */
  serverSide?: ServerSideRecord;
  hypothesis: { before: CheckResult[]; after: CheckResult[] };
  /** The fault phase's re-checks of every active fault, and the moments a fault stopped acting (INVALID run). */
  faultWatch?: FaultWatchRecord;
  /** Anything that went wrong in the runner itself (aborts, rollback output). */
  notes: string[];
}

export interface MonitoringSettings {
  scrapeIntervalSeconds: number;
  evaluationIntervalSeconds: number;
  groupWaitSeconds: number;
  /** Each alerting rule's `for`, seconds, by alert name. */
  alertFor: Record<string, number>;
  /** Rules whose expression averages over a range (rate, avg_over_time): the longest range, seconds (older journals lack it). */
  alertWindow?: Record<string, number>;
}

export interface PatroniConfigRecord {
  /** What the experiment asked for. */
  requested: Record<string, unknown>;
  /** The values of those keys before the run (from GET /config). */
  before: Record<string, unknown>;
  /** The values in effect during the run, read back after the PATCH. */
  effective: Record<string, unknown>;
  /** When the PATCH was applied (epoch ms), and when the old values were put back (undefined: not restored). */
  appliedAt?: number;
  restoredAt?: number;
}

export interface PrimaryProbeSample {
  at: number;
  node: string;
  /** pg_is_in_recovery(); undefined when the node did not answer. */
  inRecovery: boolean | undefined;
  /** The probe's test write was committed. */
  writeOk: boolean;
  /** WAL position in bytes: pg_current_wal_lsn() on a primary, pg_last_wal_replay_lsn() on a replica. */
  walBytes?: number;
}
