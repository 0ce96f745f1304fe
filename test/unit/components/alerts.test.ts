import { describe, expect, it } from "vitest";
import { alertDelays, alertsSelector, firstFiring, firstNotification, resolvedDelays, type MatrixSeries, type Notification } from "../../../components/monitoring/alerts";

const T0 = Date.parse("2026-11-25T14:00:00.000Z"); // the injection
const s = (ms: number) => ms / 1000;
const series = (labels: Record<string, string>, times: number[]): MatrixSeries => ({ metric: { __name__: "ALERTS", alertstate: "firing", ...labels }, values: times.map((t) => [s(t), "1"]) });

const note = (over: Partial<Notification>): Notification => ({
  id: 1, alertname: "TargetDown", status: "firing", labels: { alertname: "TargetDown", member: "etcd2" }, annotations: {},
  startsAt: null, startsAtMs: null, endsAt: null, receivedAt: new Date(T0 + 9000).toISOString(), receivedAtMs: T0 + 9000, ...over,
});

describe("alert timing from Prometheus' ALERTS samples", () => {
  it("selects firing ALERTS with quoted label values and refuses injected names", () => {
    expect(alertsSelector({ alertname: "TargetDown", labels: { member: 'etcd"2' } })).toBe('ALERTS{alertname="TargetDown",alertstate="firing",member="etcd\\"2"}');
    expect(() => alertsSelector({ alertname: "x} or vector(1) #" })).toThrow(/not an alert name/);
    expect(() => alertsSelector({ alertname: "A", labels: { "a=b": "c" } })).toThrow(/label name/);
  });

  it("takes the first evaluation of a new firing episode after the injection", () => {
    const got = firstFiring([series({ member: "etcd2" }, [T0 + 8000, T0 + 10000, T0 + 12000])], T0, 6);
    expect(got).toEqual({ firedAtMs: T0 + 8000, alreadyFiring: false, labels: expect.objectContaining({ member: "etcd2" }) });
  });

  it("tells an alert that was already firing at the injection from a new one", () => {
    const old = series({ member: "etcd1" }, [T0 - 4000, T0 - 2000, T0, T0 + 2000]);
    expect(firstFiring([old], T0, 6)).toMatchObject({ firedAtMs: T0 - 4000, alreadyFiring: true });
    // It resolved (gap) and fired again: the new episode counts and is preferred.
    const again = series({ member: "etcd1" }, [T0 - 30000, T0 - 28000, T0 + 14000, T0 + 16000]);
    expect(firstFiring([again], T0, 6)).toMatchObject({ firedAtMs: T0 + 14000, alreadyFiring: false });
    expect(firstFiring([old, series({ member: "etcd3" }, [T0 + 6000])], T0, 6)).toMatchObject({ firedAtMs: T0 + 6000, alreadyFiring: false });
  });

  it("returns nothing when it never fired after the injection", () => {
    expect(firstFiring([series({}, [T0 - 20000, T0 - 18000])], T0, 6)).toBeUndefined();
    expect(firstFiring([], T0, 6)).toBeUndefined();
  });
});

describe("notifications from the receiver", () => {
  it("matches name, label subset, status and time", () => {
    const ns = [
      note({ id: 1, receivedAtMs: T0 - 1000 }),
      note({ id: 2, status: "resolved", receivedAtMs: T0 + 5000 }),
      note({ id: 3, labels: { alertname: "TargetDown", member: "pg1" }, receivedAtMs: T0 + 7000 }),
      note({ id: 4, receivedAtMs: T0 + 9000 }),
    ];
    expect(firstNotification(ns, { alertname: "TargetDown", labels: { member: "etcd2" } }, "firing", T0)?.id).toBe(4);
    expect(firstNotification(ns, { alertname: "TargetDown" }, "firing", T0)?.id).toBe(3);
    expect(firstNotification(ns, { alertname: "TargetDown" }, "resolved", T0)?.id).toBe(2);
    expect(firstNotification(ns, { alertname: "PostgresDown" }, "firing", T0)).toBeUndefined();
  });
});

/** A fake Prometheus + receiver behind `fetch`. */
function fakeFetch(alerts: Record<string, MatrixSeries[]>, notifications: Notification[]): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    if (url.pathname === "/api/v1/query") {
      const q = url.searchParams.get("query")!;
      const name = /alertname="([^"]+)"/.exec(q)![1];
      return new Response(JSON.stringify({ status: "success", data: { resultType: "matrix", result: alerts[name] ?? [] } }));
    }
    if (url.pathname === "/notifications") {
      const since = Number(url.searchParams.get("since_ms"));
      return new Response(JSON.stringify({ notifications: notifications.filter((n) => n.receivedAtMs >= since) }));
    }
    return new Response("not found", { status: 404 });
  }) as typeof fetch;
}

describe("alertDelays / resolvedDelays", () => {
  it("reports per alert the firing and delivery times and their delays from the injection", async () => {
    const f = fakeFetch(
      { TargetDown: [series({ alertname: "TargetDown", member: "etcd2", job: "etcd" }, [T0 + 6000, T0 + 8000])], PatroniNoPrimary: [] },
      [note({ receivedAtMs: T0 + 7250, receivedAt: new Date(T0 + 7250).toISOString(), startsAt: "2026-11-25T14:00:02.000Z" })],
    );
    const r = await alertDelays({
      prometheusUrl: "http://p", receiverUrl: "http://r", injectedAt: new Date(T0),
      expected: [{ alertname: "TargetDown", labels: { member: "etcd2" } }, "PatroniNoPrimary"], timeoutSeconds: 0, fetch: f,
    });
    expect(r[0]).toMatchObject({
      alertname: "TargetDown", expectedLabels: { member: "etcd2" }, firedAt: new Date(T0 + 6000).toISOString(), alreadyFiring: false,
      receivedAt: new Date(T0 + 7250).toISOString(), startsAt: "2026-11-25T14:00:02.000Z", firingDelaySeconds: 6, deliveryDelaySeconds: 7.25,
    });
    expect(r[0].labels).toMatchObject({ job: "etcd", member: "etcd2" });
    expect(r[1]).toEqual({ alertname: "PatroniNoPrimary", expectedLabels: {} });
  });

  it("reports resolved notifications after recovery", async () => {
    const f = fakeFetch({}, [note({ status: "resolved", receivedAtMs: T0 + 4000, receivedAt: new Date(T0 + 4000).toISOString() })]);
    const r = await resolvedDelays({ receiverUrl: "http://r", since: new Date(T0), expected: [{ alertname: "TargetDown", labels: { member: "etcd2" } }, "PostgresDown"], timeoutSeconds: 0, fetch: f });
    expect(r).toEqual([
      { alertname: "TargetDown", expectedLabels: { member: "etcd2" }, receivedAt: new Date(T0 + 4000).toISOString(), delaySeconds: 4 },
      { alertname: "PostgresDown", expectedLabels: {}, receivedAt: undefined, delaySeconds: undefined },
    ]);
  });
});
