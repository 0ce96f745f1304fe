"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.judgeCluster = judgeCluster;
// Pure verdicts on what Patroni and PostgreSQL report (readiness, hypotheses, tests).
const rest_1 = require("../patroni/rest");
function judgeCluster(expected, members, replication) {
    const problems = [];
    const suspects = new Set();
    const leaders = members.filter((m) => (0, rest_1.isLeaderRole)(m.role));
    if (leaders.length === 0)
        problems.push("no leader in Patroni's /cluster");
    if (leaders.length > 1) {
        problems.push(`more than one leader: ${leaders.map((l) => l.name).join(", ")}`);
        leaders.forEach((l) => suspects.add(l.name));
    }
    for (const name of expected) {
        const m = members.find((x) => x.name === name);
        if (!m) {
            problems.push(`${name}: not a member of the cluster yet`);
            suspects.add(name);
        }
        else if (m.state !== "running" && m.state !== "streaming") {
            problems.push(`${name}: state ${m.state}`);
            suspects.add(name);
        }
    }
    const leader = leaders.length === 1 ? leaders[0].name : undefined;
    if (leader && replication) {
        for (const name of expected.filter((n) => n !== leader)) {
            const row = replication.find((r) => r.application_name === name);
            if (!row || row.state !== "streaming") {
                problems.push(`${name}: not streaming from ${leader} (${row ? `state ${row.state}` : "no walsender"})`);
                suspects.add(name);
            }
        }
    }
    else if (leader) {
        problems.push("replication state not read from the leader yet");
    }
    return { healthy: problems.length === 0, leader, problems, suspects: [...suspects] };
}
