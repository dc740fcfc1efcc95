// Preloaded (NODE_OPTIONS=--require) into `osls package` by test/serverless: packaging must not reach
// the network. Any TCP connection or DNS lookup is recorded in $OPS_NETWORK_LOG and fails at once.
// Unix sockets and pipes (IPC) stay allowed.
"use strict";

const dns = require("node:dns");
const fs = require("node:fs");
const net = require("node:net");

const logFile = process.env.OPS_NETWORK_LOG;

const record = (what) => {
  const line = `${process.pid} ${what}\n`;
  if (logFile) fs.appendFileSync(logFile, line);
  return new Error(`network access attempted during packaging: ${what}`);
};

const describe = (args) => {
  const [first, second] = args;
  if (Array.isArray(first)) return describe(first);
  if (typeof first === "object" && first !== null) {
    if (typeof first.path === "string") return undefined;
    return `connect ${first.host ?? "localhost"}:${first.port}`;
  }
  if (typeof first === "string" && !/^\d+$/.test(first)) return undefined; // a pipe path
  return `connect ${typeof second === "string" ? second : "localhost"}:${first}`;
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const target = describe(args);
  if (target !== undefined) {
    const error = record(target);
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};

for (const name of ["lookup", "resolve", "resolve4", "resolve6", "resolveAny"]) {
  const original = dns[name];
  if (typeof original !== "function") continue;
  dns[name] = (hostname, ...rest) => {
    const error = record(`dns.${name} ${hostname}`);
    const callback = rest.find((arg) => typeof arg === "function");
    if (callback) process.nextTick(() => callback(error));
    else throw error;
  };
}
for (const name of ["lookup", "resolve", "resolve4", "resolve6", "resolveAny"]) {
  if (typeof dns.promises[name] !== "function") continue;
  dns.promises[name] = async (hostname) => {
    throw record(`dns.promises.${name} ${hostname}`);
  };
}
