/**
 * The simulated AWS account used by tests and the replay command (never bundled into a Lambda).
 * `sim/account` holds the state and service models; `sim/wire` (HTTP, SDK wire protocols) plugs
 * `SimulatedAccount.dispatch` under the real SDK clients.
 */
export * from "./account/index";
export * from "./types";
