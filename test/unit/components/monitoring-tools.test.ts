import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { must, PROJECT_DIR, run } from "../../helpers/engine";
import { ensureLabImage } from "../../helpers/images";

// The tools of the monitoring image itself (promtool, the alert receiver), run with `docker run --rm`
// from the image the lab runs: the host has neither promtool nor, necessarily, the same Python.
const RULES_DIR = path.join(PROJECT_DIR, "monitoring", "rules");
let image: string;

const inImage = (args: string[], opts: { input?: string; mounts?: string[] } = {}) =>
  run("docker", ["run", "--rm", "-i", "--network", "none", ...(opts.mounts ?? []).flatMap((m) => ["-v", m]), image, ...args], { input: opts.input, timeoutMs: 120_000 });

beforeAll(() => {
  image = ensureLabImage("monitoring");
}, 1_500_000);

describe("alert rules under promtool", () => {
  it("every rule file passes `promtool check rules`", () => {
    const files = must("ls", [RULES_DIR]).split("\n").filter((f) => /\.rules\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(0);
    const r = inImage(["promtool", "check", "rules", ...files.map((f) => `/rules/${f}`)], { mounts: [`${RULES_DIR}:/rules:ro`] });
    expect(r.stdout + r.stderr).not.toMatch(/FAILED/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("the rule unit tests pass (`promtool test rules`: etcd quorum, no primary, two primaries, lag, ...)", () => {
    const tests = must("ls", [path.join(RULES_DIR, "tests")]).split("\n").filter((f) => /\.test\.ya?ml$/.test(f));
    expect(tests.length).toBeGreaterThan(0);
    const r = inImage(["sh", "-c", `cd /rules/tests && promtool test rules ${tests.join(" ")}`], { mounts: [`${RULES_DIR}:/rules:ro`] });
    if (r.status !== 0) console.log(r.stdout, r.stderr);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
  });

  it("promtool would catch a broken rule (the check is not vacuous)", () => {
    const broken = "groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: up ==\n";
    const r = inImage(["sh", "-c", "cat > /tmp/b.rules.yml && promtool check rules /tmp/b.rules.yml"], { input: broken });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/parse error/);
  });
});

const RECEIVED = 1795614000123;
const firing = {
  receiver: "pgchaos-receiver",
  status: "firing",
  alerts: [{
    status: "firing",
    labels: { alertname: "TargetDown", job: "etcd", instance: "etcd2:2379", member: "etcd2", role: "etcd", severity: "warning", lab: "pgchaos-dev" },
    annotations: { summary: "etcd target on etcd2 is down" },
    startsAt: "2026-11-25T13:40:01.987654321Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus:9090/graph",
    fingerprint: "8a7c0b8b1f0c4c55",
  }],
  groupLabels: { alertname: "TargetDown" },
  commonLabels: { alertname: "TargetDown" },
  commonAnnotations: {},
  externalURL: "http://alertmanager:9093",
  version: "4",
  groupKey: "{}:{alertname=\"TargetDown\"}",
  truncatedAlerts: 0,
};
// A group's notification can carry alerts of both states: each alert's own status counts.
const mixed = {
  ...firing,
  status: "firing",
  alerts: [
    { ...firing.alerts[0], status: "resolved", endsAt: "2026-11-25T13:41:30.5Z" },
    { ...firing.alerts[0], labels: { ...firing.alerts[0].labels, member: "pg1", instance: "pg1:9187", job: "postgres" }, fingerprint: "1f" },
  ],
};

describe("alert receiver: parsing Alertmanager's webhook payload", () => {
  const parse = (payload: unknown) => inImage(["pgchaos-alert-receiver", "--parse", `--received-at-ms=${RECEIVED}`], { input: JSON.stringify(payload) });

  it("records a firing alert: name, labels, status, startsAt and the time received", () => {
    const r = parse(firing);
    expect(r.status).toBe(0);
    const [rec] = JSON.parse(r.stdout);
    expect(rec).toMatchObject({
      alertname: "TargetDown",
      status: "firing",
      labels: firing.alerts[0].labels,
      startsAt: "2026-11-25T13:40:01.987654321Z",
      startsAtMs: Date.parse("2026-11-25T13:40:01.987Z"),
      endsAt: null,
      receivedAt: new Date(RECEIVED).toISOString(),
      receivedAtMs: RECEIVED,
      fingerprint: "8a7c0b8b1f0c4c55",
    });
  });

  it("records resolved alerts with their own status and endsAt, even in a firing group", () => {
    const r = parse(mixed);
    expect(r.status).toBe(0);
    const recs = JSON.parse(r.stdout);
    expect(recs.map((x: any) => `${x.status}:${x.labels.member}`)).toEqual(["resolved:etcd2", "firing:pg1"]);
    expect(recs[0].endsAt).toBe("2026-11-25T13:41:30.5Z");
  });

  it.each([
    ["not version 4", { ...firing, version: "3" }, /version 4/],
    ["alerts missing", { ...firing, alerts: undefined }, /no list of alerts/],
    ["no alertname", { ...firing, alerts: [{ ...firing.alerts[0], labels: { job: "x" } }] }, /without an alertname/],
    ["bad status", { ...firing, alerts: [{ ...firing.alerts[0], status: "pending" }] }, /neither firing nor resolved/],
  ])("rejects a payload that is not one: %s", (_label, payload, message) => {
    const r = parse(payload);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatch(message);
  });
});

describe("alert receiver: HTTP API and durability", () => {
  it("stores posted notifications, filters them, and keeps them across a restart", () => {
    // Inside one container: start, post firing + mixed, query, restart on the same file, query again.
    const script = `
set -e
DB=/tmp/r/n.db; mkdir -p /tmp/r
start() { pgchaos-alert-receiver --listen=127.0.0.1:8080 --db=$DB 2>/dev/null & PID=$!; for i in $(seq 50); do curl -sf 127.0.0.1:8080/healthz >/dev/null && return; sleep 0.1; done; exit 9; }
start
curl -sf -XPOST -H 'Content-Type: application/json' --data-binary @/tmp/firing.json 127.0.0.1:8080/alerts; echo
curl -sf -XPOST -H 'Content-Type: application/json' --data-binary @/tmp/mixed.json 127.0.0.1:8080/alerts; echo
code=$(curl -s -o /dev/null -w '%{http_code}' -XPOST --data-binary '{"version":"4"}' 127.0.0.1:8080/alerts); echo "bad=$code"
curl -sf '127.0.0.1:8080/notifications?status=resolved'; echo
kill $PID; wait $PID 2>/dev/null || true
start
curl -sf '127.0.0.1:8080/notifications?since_ms=0'; echo
curl -sf "127.0.0.1:8080/notifications?since_ms=$(( $(date +%s) * 1000 + 60000 ))"; echo
`;
    const input = `${JSON.stringify(firing)}\n${JSON.stringify(mixed)}\n`;
    const r = inImage(["bash", "-c", `IFS= read -r a; IFS= read -r b; printf '%s' "$a" > /tmp/firing.json; printf '%s' "$b" > /tmp/mixed.json; ${script}`], { input });
    expect(r.stderr).toBe("");
    const lines = r.stdout.trim().split("\n");
    expect(JSON.parse(lines[0])).toEqual({ stored: 1 });
    expect(JSON.parse(lines[1])).toEqual({ stored: 2 });
    expect(lines[2]).toBe("bad=400");
    const resolved = JSON.parse(lines[3]).notifications;
    expect(resolved.map((n: any) => `${n.alertname}:${n.status}:${n.labels.member}`)).toEqual(["TargetDown:resolved:etcd2"]);
    const afterRestart = JSON.parse(lines[4]).notifications;
    expect(afterRestart.map((n: any) => `${n.status}:${n.labels.member}`)).toEqual(["firing:etcd2", "resolved:etcd2", "firing:pg1"]);
    expect(afterRestart[0].receivedAtMs).toBeGreaterThan(Date.now() - 120_000);
    expect(JSON.parse(lines[5]).notifications).toEqual([]);
  }, 120_000);
});
