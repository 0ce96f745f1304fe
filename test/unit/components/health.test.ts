import { describe, expect, it } from "vitest";
import { judgeCluster } from "../../../components/lab/health";

const names = ["pg1", "pg2", "pg3"];
const member = (name: string, role: string, state = "running") => ({ name, role, state });

describe("judgeCluster", () => {
  it("is healthy with one leader and every replica streaming", () => {
    const v = judgeCluster(names, [member("pg1", "leader"), member("pg2", "replica", "streaming"), member("pg3", "replica")],
      [{ application_name: "pg2", state: "streaming" }, { application_name: "pg3", state: "streaming" }]);
    expect(v).toEqual({ healthy: true, leader: "pg1", problems: [], suspects: [] });
  });

  it("names a replica that is not streaming", () => {
    const v = judgeCluster(names, [member("pg1", "leader"), member("pg2", "replica"), member("pg3", "replica")],
      [{ application_name: "pg2", state: "streaming" }, { application_name: "pg3", state: "catchup" }]);
    expect(v.healthy).toBe(false);
    expect(v.problems).toEqual(["pg3: not streaming from pg1 (state catchup)"]);
    expect(v.suspects).toEqual(["pg3"]);
  });

  it("reports no leader, two leaders and missing members", () => {
    expect(judgeCluster(names, [member("pg1", "replica")], undefined).problems).toEqual([
      "no leader in Patroni's /cluster", "pg2: not a member of the cluster yet", "pg3: not a member of the cluster yet",
    ]);
    const two = judgeCluster(names, [member("pg1", "leader"), member("pg2", "leader"), member("pg3", "replica")], []);
    expect(two.healthy).toBe(false);
    expect(two.problems[0]).toBe("more than one leader: pg1, pg2");
  });

  it("does not call a member ready while it is starting or stopped", () => {
    const v = judgeCluster(names, [member("pg1", "leader"), member("pg2", "replica", "starting"), member("pg3", "replica", "stopped")],
      [{ application_name: "pg2", state: "streaming" }, { application_name: "pg3", state: "streaming" }]);
    expect(v.problems).toEqual(["pg2: state starting", "pg3: state stopped"]);
  });
});
