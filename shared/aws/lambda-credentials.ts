import { type FromEnvInit, fromEnv } from "@aws-sdk/credential-provider-env";

/**
 * The credential provider of the deployed bundles. At bundle time (tools/esbuild-plugins.cjs) it replaces
 * `@aws-sdk/credential-provider-node`, the SDK's default chain: Lambda always puts the execution role's
 * credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and `osls invoke local`
 * sets the same variables from your profile, so the chain's SSO, INI, process and web-identity providers
 * (and the STS/SSO clients they bundle, about 100 KiB that every cold start parses) are never used there.
 * Unbundled runs (replay, tests, tools) keep the SDK's full default chain.
 */
export const defaultProvider = (init?: FromEnvInit) => fromEnv(init);
