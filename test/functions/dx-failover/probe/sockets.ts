import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { probeTcp } from "../../../../functions/dx-failover/probe/tcp";

/** Real loopback servers for the probe tests: every one is tracked and closed by `closeAll` (afterEach). */

export interface Listening {
  server: Server;
  port: number;
  /** Stops listening and drops the open connections (the port then refuses). */
  stop(): Promise<void>;
}

const servers = new Set<Listening>();
const children = new Set<ChildProcess>();

export const listen = async (port = 0): Promise<Listening> => {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host: "127.0.0.1" }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  let stopped = false;
  const handle: Listening = {
    server,
    port: address.port,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      servers.delete(handle);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  servers.add(handle);
  return handle;
};

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
export const closedPort = async (): Promise<number> => {
  const l = await listen();
  await l.stop();
  return l.port;
};

/**
 * A listening socket that never accepts: a child process listens with backlog 1 and then blocks its event
 * loop. Once its accept queue is full (filled here), Linux drops further SYNs: a connect times out, like a
 * blackholed path. Returns the port.
 */
export const blackhole = async (): Promise<number> => {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const net = require("node:net");
       const s = net.createServer();
       s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
         process.stdout.write(String(s.address().port) + "\\n");
         setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000), 20);
       });`,
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  children.add(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.stdout?.once("data", (d) => resolve(Number(String(d).trim())));
  });
  await new Promise((r) => setTimeout(r, 100));
  // Fill the accept queue: connects succeed until it is full, then time out.
  for (let i = 0; i < 10; i++) {
    const r = await probeTcp({ host: "127.0.0.1", port }, 250);
    if (!r.ok && r.error === "ETIMEDOUT") return port;
  }
  throw new Error("could not fill the accept queue of the blackhole server");
};

export const closeAll = async (): Promise<void> => {
  await Promise.all([...servers].map((s) => s.stop()));
  for (const c of children) {
    c.kill("SIGKILL");
    children.delete(c);
  }
};
