// The chaos program served to the CLI by a long-lived host process (an Automation API "inline program").
import { fork, type ChildProcess } from "child_process";
import * as path from "path";

/**
 * A host process (program-host-main.ts) that serves the chaos program to each `pulumi up` of one chaos
 * stack: the CLI connects to it (`--client`) instead of starting the Node.js language host, which boots
 * Node.js, loads @pulumi/pulumi (≈ 800 modules) and compiles the program's TypeScript on every run. Same
 * project, stack, state and resource URNs as the CLI's own run (the same `runProgram`); not in this
 * process, whose event loop runs the experiment's workload (measured: the program's first run stalled an
 * in-process event loop for 10.7 s, later runs 0.6–1.2 s, at machine load 17). Not `Stack.up` either:
 * after the update it runs `stack output` twice and `stack history` once, each a CLI start.
 */
export class ProgramHost {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly child: ChildProcess, private readonly port: number) {}

  /**
   * The one host of this process, started on first use: every chaos stack's runs go through it, one at a
   * time (a game day opens a chaos stack per run; one idle host each would be ≈ 130 MB apiece).
   */
  static shared(): Promise<ProgramHost> {
    sharedHost ??= ProgramHost.start().then((host) => {
      host.child.once("exit", () => { sharedHost = undefined; }); // a dead host is replaced at the next use
      return host;
    }, (e) => { sharedHost = undefined; throw e; });
    return sharedHost;
  }

  /** Runs `fn` (a CLI run served by this host, then `finished`) after the runs queued before it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  static async start(env: NodeJS.ProcessEnv = process.env): Promise<ProgramHost> {
    const child = fork(path.join(__dirname, "program-host.cjs"), [], { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const ready = await nextMessage<{ type: string; port?: number; error?: string }>(child);
    if (ready.type !== "ready") throw new Error(`chaos program host: ${ready.error ?? JSON.stringify(ready)}`);
    const port = ready.port!;
    // Idle between runs, it must not keep the parent alive; it exits when the parent goes.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    return new ProgramHost(child, port);
  }

  /** Arguments for a CLI run served by this host. */
  get args(): string[] {
    return [`--client=127.0.0.1:${this.port}`, "--exec-kind", "auto.inline"];
  }

  /**
   * After each CLI run: the faults' outputs as the run registered them (undefined after an error or
   * without faults); throws when a clean run left promises pending, as Stack.up does.
   */
  async finished<T>(hasError: boolean): Promise<T | undefined> {
    (this.child.channel as { ref?: () => void } | undefined)?.ref?.();
    try {
      this.child.send({ type: "finished", hasError });
      const reply = await nextMessage<{ faults?: T; error?: string }>(this.child);
      if (reply.error) throw new Error(`chaos program: ${reply.error}`);
      return reply.faults;
    } finally {
      (this.child.channel as { unref?: () => void } | undefined)?.unref?.();
    }
  }

  stop(): void {
    this.child.kill();
  }
}

let sharedHost: Promise<ProgramHost> | undefined;

/** The child's next message; its exit before one is an error. */
function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: T) => { child.off("exit", onExit); resolve(m); };
    const onExit = (code: number | null) => { child.off("message", onMessage); reject(new Error(`chaos program host exited (${code}) before answering`)); };
    child.once("message", onMessage);
    child.once("exit", onExit);
  });
}
