import * as http from "http";
import type { AddressInfo } from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchServerSide } from "../../../chaos/experiments/server-fetch";
import { formatPanelValue, memberMatcher, serverPanelQueries, stepSeconds, summarizeSeries, toSeries } from "../../../chaos/checkers/server-panels";
import { renderServerCharts, serverChartFileName, serverSideLines } from "../../../chaos/report/server-charts";
import { renderExperimentReport } from "../../../chaos/report/experiment";
import { syntheticJournal } from "../../helpers/synthetic-journal";

describe("server-side panels (pure)", () => {
  it("queries every panel the issue names, CPU and IO for the fault's targets only", () => {
    const q = serverPanelQueries(["pg2", "pg1", "pg1"], 2);
    expect(q.map((p) => p.id)).toEqual(["replication-lag", "target-cpu", "target-io", "pg-connections", "pg-tps", "etcd-leader-changes", "etcd-proposals-failed", "haproxy-backends"]);
    const cpu = q.find((p) => p.id === "target-cpu")!;
    expect(cpu.promql).toBe('rate(pgchaos_container_cpu_seconds_total{job="node", member=~"pg1|pg2"}[8s])');
    expect(cpu.title).toContain("pg1, pg2");
    expect(serverPanelQueries([], 2).find((p) => p.id === "target-io")!.promql).toContain('member=~".+"');
  });

  it("rate windows cover four scrapes and two steps; the step keeps ~300 points", () => {
    expect(stepSeconds(0, 120_000)).toBe(2);
    expect(stepSeconds(0, 3_600_000)).toBe(12);
    expect(serverPanelQueries(["pg1"], 12).find((p) => p.id === "pg-tps")!.promql).toContain("[24s]");
    expect(memberMatcher(["a.b"])).toBe("a\\\\.b");
  });

  it("a step without a sample is null (a gap), NaN too; never zero", () => {
    const series = toSeries(
      [{ metric: { member: "pg2" }, values: [[100, "5"], [102, "NaN"], [108, "0"]] }, { metric: { member: "pg1" }, values: [[100, "1"]] }],
      ["member"], { start: 100_000, end: 108_000, stepSeconds: 2 },
    );
    expect(series.map((s) => s.name)).toEqual(["pg1", "pg2"]);
    expect(series[1].points).toEqual([[100_000, 5], [102_000, null], [104_000, null], [106_000, null], [108_000, 0]]);
    const sum = summarizeSeries(series[1]);
    expect(sum).toEqual({ name: "pg2", samples: 2, min: 0, max: 5, last: 0, gaps: [[102_000, 106_000]] });
    expect(summarizeSeries(series[0]).gaps).toEqual([[102_000, 108_000]]);
  });

  it("formats in the panel's unit", () => {
    expect(formatPanelValue(3 * 1024 * 1024, "bytes")).toBe("3.0 MiB");
    expect(formatPanelValue(512, "bytes/s")).toBe("512 B/s");
    expect(formatPanelValue(0, "up")).toBe("down");
    expect(formatPanelValue(null, "cores")).toBe("—");
  });
});

describe("server-side fetch against a Prometheus-shaped HTTP server", () => {
  let server: http.Server;
  let url = "";
  const seen: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const q = new URLSearchParams(body).get("query") ?? "";
        seen.push(q);
        res.setHeader("content-type", "application/json");
        if (q.includes("haproxy")) { res.statusCode = 400; res.end(JSON.stringify({ status: "error", errorType: "bad_data", error: "parse error at char 3" })); return; }
        if (q.includes("etcd_server_proposals_failed_total")) { res.end(JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } })); return; }
        // Like Prometheus: samples at exactly start + k × step of the start it was sent (no rounding).
        const start = Number(new URLSearchParams(body).get("start"));
        res.end(JSON.stringify({ status: "success", data: { resultType: "matrix", result: [{ metric: { member: "pg1", direction: "write" }, values: [[start, "7"], [start + 4, "9"]] }] } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  // A start with milliseconds, as every real run has.
  const journal = { ...syntheticJournal(), startedAt: syntheticJournal().startedAt + 137 };

  it("keeps Prometheus' answers, its error text, and an empty answer as missing with the reason", async () => {
    const side = await fetchServerSide(url, journal, journal.startedAt + 10_000);
    expect(seen).toHaveLength(8);
    expect(side.unavailable).toBeUndefined();
    const byId = Object.fromEntries(side.panels.map((p) => [p.id, p]));
    expect(byId["target-io"].series[0].name).toBe("pg1 write");
    const t0 = Math.ceil(journal.startedAt / 1000) * 1000;
    expect(byId["target-io"].series[0].points.slice(0, 3)).toEqual([[t0, 7], [t0 + 2000, null], [t0 + 4000, 9]]);
    expect(byId["haproxy-backends"].missing).toBe("Prometheus refused the query: parse error at char 3");
    expect(byId["etcd-proposals-failed"].missing).toMatch(/^no series over the run window: no etcd member answered/);
  });

  it("no Prometheus, or one that does not answer: every panel missing, with the reason", async () => {
    const none = await fetchServerSide(undefined, journal, journal.startedAt + 10_000);
    expect(none.panels.every((p) => p.missing === none.unavailable)).toBe(true);
    const dead = await fetchServerSide("http://127.0.0.1:1", journal, journal.startedAt + 10_000);
    expect(dead.unavailable).toMatch(/did not answer: query failed/);
  });

  it("the report shows charts with PromQL under them, and missing panels as missing, never as a chart", async () => {
    const side = await fetchServerSide(url, journal, journal.startedAt + 10_000);
    const j = { ...journal, serverSide: side };
    const md = serverSideLines(j).join("\n");
    expect(md).toContain(`![${side.panels[2].title}](${serverChartFileName(j.experiment.id, "target-io")})`);
    expect(md).toContain('```promql\nrate(pgchaos_container_io_bytes_total{job="node"');
    expect(md).toContain("**Missing:** Prometheus refused the query: parse error at char 3.");
    expect(md).not.toContain(serverChartFileName(j.experiment.id, "haproxy-backends"));
    expect(md).toMatch(/\| pg1 write \| 2\/5 \| 7 B\/s \| 9 B\/s \| 9 B\/s \| -7 s, -3 s → -1 s \|/);
    expect(renderExperimentReport(j)).toContain("### Server side (Prometheus)");
    expect(renderExperimentReport(journal)).not.toContain("### Server side");
    const svgs = await renderServerCharts(j);
    expect(svgs.map((s) => s.fileName)).not.toContain(serverChartFileName(j.experiment.id, "haproxy-backends"));
    expect(svgs).toHaveLength(6);
    expect(svgs[0].svg).toMatch(/^<svg/);
  });
});
