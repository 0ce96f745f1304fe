// The chaos program served to the CLI by a long-lived host process (an Automation API "inline program").
import { fork, type ChildProcess } from "child_process";
import * as path from "path";

/**
 * A host process (program-host-main.ts) that serves the chaos program to each `pulumi up` of the runner's
 * chaos stacks: the CLI connects to it (`--client`) instead of starting the Node.js language host, which boots
 * Node.js, loads @pulumi/pulumi (≈ 800 modules) and compiles the program's TypeScript on every run. Same
 * project, stack, state and resource URNs as the CLI's own run (the same `runProgram`); not in this
 * process, whose event loop runs the experiment's workload (measured: the program's first run stalled an
 * in-process event loop for 10.7 s, later runs 0.6–1.2 s, at machine load 17). Not `Stack.up` either:
 * after the update it runs `stack output` twice and `stack history` once, each a CLI start.
 */
export class ProgramHost {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly child: ChildProcess, private readonly providerPort: number) {}

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
    const ready = await nextMessage<{ type: string; providerPort?: number; error?: string }>(child);
    if (ready.type !== "ready" || !ready.providerPort) {
      child.kill();
      throw new Error(`chaos program host: ${ready.error ?? JSON.stringify(ready)}`);
    }
    // Idle between runs, it must not keep the parent alive; it exits when the parent goes.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    return new ProgramHost(child, ready.providerPort);
  }

  /**
   * Opens the host's port for one CLI run; returns that run's arguments and environment: the engine
   * attaches to the host's faults' provider (PULUMI_DEBUG_PROVIDERS, the engine's way to use a running
   * provider) instead of booting one. `finished` closes the run.
   */
  async serve(): Promise<{ args: string[]; env: Record<string, string> }> {
    const answer = await this.ask<{ type: string; port?: number; error?: string }>({ type: "serve" });
    if (answer.type !== "serving") throw new Error(`chaos program host: ${answer.error ?? JSON.stringify(answer)}`);
    return { args: [`--client=127.0.0.1:${answer.port}`, "--exec-kind", "auto.inline"], env: { PULUMI_DEBUG_PROVIDERS: `pulumi-nodejs:${this.providerPort}` } };
  }

  /**
   * After each CLI run: the faults' outputs as the run registered them (undefined after an error or
   * without faults); throws when a clean run left promises pending, as Stack.up does.
   */
  async finished<T>(hasError: boolean): Promise<T | undefined> {
    const reply = await this.ask<{ faults?: T; error?: string }>({ type: "finished", hasError });
    if (reply.error) throw new Error(`chaos program: ${reply.error}`);
    return reply.faults;
  }

  /** One request, one answer; the channel keeps this process alive only while it waits. */
  private async ask<T>(message: object): Promise<T> {
    (this.child.channel as { ref?: () => void } | undefined)?.ref?.();
    try {
      const answer = nextMessage<T>(this.child);
      this.child.send(message);
      return await answer;
    } finally {
      (this.child.channel as { unref?: () => void } | undefined)?.unref?.();
    }
  }

  /** The host process's pid (its faults' provider host is its child). */
  get pid(): number | undefined {
    return this.child.pid;
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
