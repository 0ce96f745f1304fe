import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  alertmanagerArgs,
  alertmanagerConfig,
  filesEnvValue,
  goMemLimit,
  prometheusArgs,
  prometheusConfig,
  renderAlertmanagerYaml,
  renderPrometheusYaml,
  scrapeJobs,
} from "../../../components/monitoring/config";
import { alertRules, loadRuleFiles } from "../../../components/monitoring/rules";
import { patroniEntrypoint } from "../../../components/patroni/cluster";
import { ConfigError, labConfigSchema, monitoringSchema, parseConfig } from "../../../stacks/config";

const members = { etcd: ["etcd1", "etcd2", "etcd3"], patroni: ["pg1", "pg2", "pg3"], haproxy: ["haproxy"] };
const defaults = monitoringSchema.parse(undefined);
const settings = { lab: "pgchaos-dev", scrapeIntervalSeconds: 2, evaluationIntervalSeconds: 2, members };

describe("monitoring config (pgchaos:monitoring)", () => {
  it("has fast lab defaults", () => {
    expect(defaults).toEqual({
      enabled: true,
      scrapeIntervalSeconds: 2,
      evaluationIntervalSeconds: 2,
      retention: "2h",
      retentionSizeMiB: 256,
      memoryLimitMiB: { prometheus: 512, alertmanager: 128, receiver: 64 },
      alertmanager: { groupBy: ["..."], groupWait: "1s", groupInterval: "5s", repeatInterval: "1h" },
      ports: { prometheus: 19090, alertmanager: 19093, receiver: 19094 },
    });
    expect(labConfigSchema.parse({}).monitoring).toEqual(defaults);
  });

  const errorOf = (monitoring: unknown) => {
    try {
      parseConfig(labConfigSchema, "pgchaos", { monitoring });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("expected a config error");
  };

  it("names the key, the value and the range of each bad value", () => {
    expect(errorOf({ scrapeIntervalSeconds: 0 })).toMatch(/pgchaos:monitoring\.scrapeIntervalSeconds = 0: .*>=\s*1/);
    expect(errorOf({ evaluationIntervalSeconds: 301 })).toMatch(/pgchaos:monitoring\.evaluationIntervalSeconds = 301: .*<=\s*300/);
    expect(errorOf({ retention: "1m" })).toMatch(/pgchaos:monitoring\.retention = "1m": must be between 600s and 2592000s/);
    expect(errorOf({ retention: "2 hours" })).toMatch(/pgchaos:monitoring\.retention = "2 hours": must be a duration like 2h/);
    expect(errorOf({ memoryLimitMiB: { prometheus: 64 } })).toMatch(/pgchaos:monitoring\.memoryLimitMiB\.prometheus = 64: .*>=\s*128/);
    expect(errorOf({ alertmanager: { groupWait: "2h" } })).toMatch(/pgchaos:monitoring\.alertmanager\.groupWait = "2h": must be between 0s and 3600s/);
    expect(errorOf({ alertmanager: { groupBy: ["member; rm -rf /"] } })).toMatch(/pgchaos:monitoring\.alertmanager\.groupBy\.0 = .*must be a label name/);
    expect(errorOf({ ports: { prometheus: 80 } })).toMatch(/pgchaos:monitoring\.ports\.prometheus = 80: .*>=\s*1024/);
    expect(errorOf({ ports: { prometheus: 19093 } })).toMatch(/ports must differ/);
    expect(errorOf({ scrapeInterval: 2 })).toMatch(/scrapeInterval/); // typo: strict
    expect(errorOf({ retention: "2h; rm -rf /" })).toMatch(/must be a duration/);
  });

  it("accepts other values in range", () => {
    const c = monitoringSchema.parse({ enabled: false, scrapeIntervalSeconds: 15, retention: "1d", alertmanager: { groupBy: ["alertname", "member"], groupWait: "0s" } });
    expect(c).toMatchObject({ enabled: false, scrapeIntervalSeconds: 15, retention: "1d", alertmanager: { groupBy: ["alertname", "member"], groupWait: "0s", groupInterval: "5s" } });
  });
});

describe("generated prometheus.yml", () => {
  it("scrapes every member's own metrics, exporters and the monitoring itself, labelled by member", () => {
    const jobs = Object.fromEntries(scrapeJobs(members).map((j) => [j.job, j.targets.map((t) => `${t.member}=${t.address}`)]));
    expect(jobs).toEqual({
      etcd: ["etcd1=etcd1:2379", "etcd2=etcd2:2379", "etcd3=etcd3:2379"],
      patroni: ["pg1=pg1:8008", "pg2=pg2:8008", "pg3=pg3:8008"],
      postgres: ["pg1=pg1:9187", "pg2=pg2:9187", "pg3=pg3:9187"],
      haproxy: ["haproxy=haproxy:8404"],
      node: ["etcd1=etcd1:9100", "etcd2=etcd2:9100", "etcd3=etcd3:9100", "pg1=pg1:9100", "pg2=pg2:9100", "pg3=pg3:9100", "haproxy=haproxy:9100"],
      prometheus: ["prometheus=localhost:9090"],
      alertmanager: ["alertmanager=alertmanager:9093"],
    });
  });

  it("takes intervals from config, bounds samples per scrape, loads the rules and alerts Alertmanager", () => {
    const c = prometheusConfig({ ...settings, scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 5 }) as any;
    expect(c.global).toEqual({ scrape_interval: "15s", scrape_timeout: "10s", evaluation_interval: "5s", external_labels: { lab: "pgchaos-dev" } });
    expect(c.rule_files).toEqual(["/etc/pgchaos/*.rules.yml"]);
    expect(c.alerting.alertmanagers[0].static_configs[0].targets).toEqual(["alertmanager:9093"]);
    for (const job of c.scrape_configs) expect(job.sample_limit).toBe(5000);
  });

  it("round-trips through YAML and matches the snapshot", () => {
    const text = renderPrometheusYaml(settings);
    expect(parse(text)).toEqual(prometheusConfig(settings));
    expect(text).toMatchSnapshot();
  });
});

describe("generated alertmanager.yml", () => {
  it("routes everything to the lab's receiver with the configured grouping, resolved included", () => {
    const c = alertmanagerConfig({ ...defaults.alertmanager, groupBy: ["alertname"], groupWait: "3s" }) as any;
    expect(c.route).toEqual({ receiver: "pgchaos-receiver", group_by: ["alertname"], group_wait: "3s", group_interval: "5s", repeat_interval: "1h" });
    expect(c.receivers).toEqual([{ name: "pgchaos-receiver", webhook_configs: [{ url: "http://alert-receiver:8080/alerts", send_resolved: true, max_alerts: 0 }] }]);
  });

  it("matches the snapshot", () => expect(renderAlertmanagerYaml(defaults.alertmanager)).toMatchSnapshot());
});

describe("monitoring command lines", () => {
  it("bound Prometheus by retention time and size, queries, and Go's soft memory limit", () => {
    const args = prometheusArgs({ retention: "6h", retentionSizeMiB: 128 });
    expect(args).toContain("--storage.tsdb.retention.time=6h");
    expect(args).toContain("--storage.tsdb.retention.size=128MB");
    expect(args).toContain("--query.max-samples=5000000");
    expect(goMemLimit(512)).toBe("409MiB");
    expect(alertmanagerArgs()).toContain("--cluster.listen-address=");
    expect({ prometheus: prometheusArgs(defaults), alertmanager: alertmanagerArgs() }).toMatchSnapshot();
  });

  it("passes files as base64 JSON and refuses names that are paths", () => {
    expect(JSON.parse(Buffer.from(filesEnvValue({ "a.yml": "x: 1\n" }), "base64").toString())).toEqual({ "a.yml": "x: 1\n" });
    expect(() => filesEnvValue({ "../etc/passwd": "" })).toThrow(/not a plain name/);
    expect(() => filesEnvValue({ "big.yml": "x".repeat(200_000) })).toThrow(/under 100000/);
  });

  it("starts the postgres exporter with its password from the environment, never on the command line", () => {
    const cmd = patroniEntrypoint(true);
    expect(cmd[0]).toBe("pgchaos-with-node-exporter");
    expect(cmd.join(" ")).toContain('DATA_SOURCE_PASS="$PATRONI_SUPERUSER_PASSWORD" prometheus-postgres-exporter');
    expect(cmd.join(" ")).toMatch(/& \} && exec patroni /);
    expect(patroniEntrypoint(false)[0]).toBe("bash");
  });
});

describe("alert rules (monitoring/rules)", () => {
  const rules = alertRules(loadRuleFiles());

  it("cover what the lab must alert on", () => {
    expect(rules.map((r) => r.alert).sort()).toEqual(expect.arrayContaining([
      "TargetDown", "EtcdNoLeader", "EtcdMembersBelowQuorumSafe", "EtcdFrequentLeaderChanges", "PatroniNoPrimary",
      "PatroniMultiplePrimaries", "PatroniLeaderChanged", "PatroniReplicaNotStreaming", "PatroniReplicationLagHigh",
      "PostgresDown", "HaproxyPrimaryBackendDown", "MemberCpuSaturated", "MemberIoSaturated",
    ]));
  });

  it.each(alertRules(loadRuleFiles()).map((r) => [r.alert, r] as const))("%s has a for, a severity, a summary and a description naming the member", (_name, r) => {
    expect(r.forSeconds).toBeGreaterThan(0);
    expect(["warning", "critical"]).toContain(r.labels.severity);
    expect(r.annotations.summary).toBeTruthy();
    expect(r.annotations.description).toBeTruthy();
    // Per-member alerts name it from the label; cluster-wide ones list the members involved.
    expect(`${r.annotations.summary} ${r.annotations.description}`).toMatch(/\$labels\.member|\.Labels\.member/);
  });
});
