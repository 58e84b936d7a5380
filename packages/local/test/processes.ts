import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { eventually } from "./helpers.ts";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

export interface StartedProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

/** `npm start`'s entry point in real processes, for the kill -9 tests; `killAll` ends what a test left running. */
export function npmStartProcesses() {
  const children: ChildProcess[] = [];
  return {
    /** Resolves once the process listens. */
    async start(env: Record<string, string>): Promise<StartedProcess> {
      const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      let output = "";
      child.stdout!.on("data", (chunk) => (output += chunk));
      child.stderr!.on("data", (chunk) => (output += chunk));
      await eventually(() => output.includes("Patchbay listening on"), 20_000);
      return { child, output: () => output };
    },
    async kill9(child: ChildProcess): Promise<void> {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    },
    killAll(): void {
      for (const child of children) child.kill("SIGKILL");
    },
  };
}

/** The REST API of a process listening on `port`, called with `key`. */
export function processApi(port: number, key: string) {
  const call = async <T = { id: string }>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return (await response.json()) as T;
  };
  return {
    call,
    /** How many messages the events log shows as replied: an answer is recorded once the platform took it. */
    async replied(integrationId: string): Promise<number> {
      const events = (await call<{ data: { type: string }[] }>("GET", `/v1/integrations/${integrationId}/events`)).data;
      return events.filter((event) => event.type === "replied").length;
    },
  };
}
