export * from "./icmp";
export * from "./loop";
export * from "./tcp";
