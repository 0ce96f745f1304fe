import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ConformanceStack } from "/work/wt15/test/helpers/conformance";
(async () => {
  const s = await ConformanceStack.create("h15-dbg", async () => {
    const c = new command.local.Command("run", { create: "echo hi", environment: { A: "1", SECRET: pulumi.secret("TOPSECRET") } });
    return { out: c.stdout };
  });
  const t0 = Date.now();
  const r = await s.up();
  console.log("up ms", Date.now() - t0);
  const st = await s.plainState();
  const i = st.indexOf("TOPSECRET");
  console.log(i, st.slice(Math.max(0, i - 400), i + 50));
  const t1 = Date.now(); await s.up(); console.log("noop up ms", Date.now() - t1);
  await s.dispose();
})();
