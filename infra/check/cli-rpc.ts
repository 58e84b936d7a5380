/**
 * A stand-in for the SST CLI's JSON-RPC server, which SST's components reach at `$SST_SERVER/rpc`
 * (platform/src/components/rpc/rpc.ts). A method it does not implement is answered with an error
 * and reported, never with the "can't find" answer some callers would silently accept.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export type RpcMethods = Record<string, (args: never) => Promise<unknown>>;

export async function startCliServer(methods: RpcMethods, onUnknown: (method: string) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      void answer(body).then((reply) => {
        // No keep-alive: an idle socket would keep the evaluation from ending.
        res.writeHead(200, { "Content-Type": "application/json", Connection: "close" });
        res.end(JSON.stringify(reply));
      });
    });
  });

  async function answer(body: string): Promise<{ result?: unknown; error?: string }> {
    const { method, params } = JSON.parse(body) as { method: string; params: [unknown] };
    const implementation = methods[method];
    if (!implementation) {
      onUnknown(method);
      return { error: `the check's SST CLI stand-in does not implement RPC method ${method}` };
    }
    try {
      return { result: await implementation(params[0] as never) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Requests from late `apply`s still get answers; the server alone does not keep the process up.
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
