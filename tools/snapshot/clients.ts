import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DirectConnectClient } from "@aws-sdk/client-direct-connect";
import { EC2Client } from "@aws-sdk/client-ec2";
import { OutpostsClient } from "@aws-sdk/client-outposts";
import { isThrottlingError } from "@smithy/core/retry";
import type { MetadataBearer, SdkError } from "@smithy/types";
import { USER_AGENT_APP_ID } from "../../shared/aws/clients";
import { type Backoff, PerCallRetryStrategy } from "./retry";
import type { CallStats } from "./stats";

/** The clients a snapshot reads with. */
export interface SnapshotClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  cloudWatch: CloudWatchClient;
  directConnect: DirectConnectClient;
  outposts: OutpostsClient;
}

export interface ClientOptions {
  region: string;
  /** Attempts per call, the first included (SDK standard retry). */
  maxAttempts: number;
  /** Delay before retry `retry` (1-based); default: the SDK's full-jitter backoff. */
  backoffMs?: Backoff;
}

interface Instrumentable {
  middlewareStack: {
    add: (
      middleware: (
        next: (args: unknown) => Promise<{ output: MetadataBearer }>,
        context: { commandName?: string },
      ) => (args: unknown) => Promise<{ output: MetadataBearer }>,
      options: { step: "deserialize" | "initialize"; name: string; priority?: "high" | "low" },
    ) => void;
  };
}

/**
 * Counts, per client: each operation called (initialize step: once per call, whatever its retries), each
 * attempt answered with a throttling error (deserialize step: once per attempt), and the retries the SDK
 * made (`$metadata.attempts` of the final answer, success or error).
 */
const instrument = <C>(client: C, stats: CallStats): C => {
  const stack = (client as unknown as Instrumentable).middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? "").replace(/Command$/, "");
      try {
        const result = await next(args);
        stats.retries += Math.max(0, (result.output.$metadata.attempts ?? 1) - 1);
        return result;
      } catch (error) {
        stats.retries += Math.max(0, ((error as MetadataBearer).$metadata?.attempts ?? 1) - 1);
        stats.lastFailed = operation;
        throw error;
      } finally {
        stats.call(operation);
      }
    },
    { step: "initialize", name: "snapshotCallCounter", priority: "high" },
  );
  stack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isThrottlingError(error as SdkError)) stats.throttled += 1;
        throw error;
      }
    },
    { step: "deserialize", name: "snapshotThrottleCounter", priority: "high" },
  );
  return client;
};

/**
 * Clients from the SDK's default configuration: credentials from the default chain (AWS_PROFILE set by
 * the caller), the endpoint from AWS_ENDPOINT_URL when set (the simulated account), standard retries
 * bounded per call (retry.ts).
 */
export const createSnapshotClients = (options: ClientOptions, stats: CallStats): SnapshotClients => {
  const retryStrategy = new PerCallRetryStrategy(options.maxAttempts, options.backoffMs);
  const config = { region: options.region, retryStrategy, customUserAgent: `${USER_AGENT_APP_ID}-snapshot` };
  return {
    ec2: instrument(new EC2Client(config), stats),
    autoScaling: instrument(new AutoScalingClient(config), stats),
    cloudWatch: instrument(new CloudWatchClient(config), stats),
    directConnect: instrument(new DirectConnectClient(config), stats),
    outposts: instrument(new OutpostsClient(config), stats),
  };
};

export const destroyClients = (clients: SnapshotClients): void => {
  for (const client of Object.values(clients)) client.destroy();
};
