import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DirectConnectClient } from "@aws-sdk/client-direct-connect";
import { EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { OutpostsClient } from "@aws-sdk/client-outposts";
import type { HttpHandler } from "@smithy/core/protocols";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { DeadlineHolder } from "../runtime/deadline";
import { InvocationBoundHttpHandler } from "./attempt-cutoff";
import { ClockRequestTimeoutHandler } from "./request-timeout";
import { DeadlineBoundedRetryStrategy } from "./retry";

export const USER_AGENT_APP_ID = "ops-toolkit";

export interface ClientSettings {
  /** SDK attempts per call, first try included; the deadline can stop them earlier. */
  maxAttempts: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** The invocation deadline that bounds retries (see DeadlineBoundedRetryStrategy). */
  deadlines: DeadlineHolder;
  /** Wraps each new client, e.g. with the Powertools tracer. */
  instrument?: <C extends object>(client: C) => C;
  /**
   * The transport; deployed: a NodeHttpHandler with the timeouts above (a harness may pass its own, whose
   * attempts then end at the request timeout on the deadline's clock: ClockRequestTimeoutHandler).
   * Either way each attempt is cut off before the invocation ends (InvocationBoundHttpHandler).
   */
  requestHandler?: HttpHandler;
  /** The retry backoff's jitter source (default Math.random; a simulation seeds it so that runs repeat). */
  random?: () => number;
}

interface ClientConfig {
  region: string;
  maxAttempts: number;
  retryStrategy: DeadlineBoundedRetryStrategy;
  requestHandler: HttpHandler;
  customUserAgent: string;
}

type ClientConstructor<C> = new (config: ClientConfig) => C;

/**
 * SDK clients, created once per container and per region (the region comes from each event).
 * Endpoints are never set here: the SDK's own configuration (`AWS_ENDPOINT_URL`,
 * `AWS_ENDPOINT_URL_<SERVICE>`) decides, so the same code runs against AWS, the project's simulated
 * account, LocalStack or moto.
 */
export class AwsClientFactory {
  readonly #settings: ClientSettings;
  readonly #cache = new Map<string, object>();
  readonly #requestHandler: HttpHandler;

  constructor(settings: ClientSettings) {
    this.#settings = settings;
    // A given transport (the simulated account's) has no timeouts of its own: the request timeout is
    // enforced on the deadline's clock, as NodeHttpHandler enforces it on a timer.
    const transport =
      settings.requestHandler !== undefined
        ? new ClockRequestTimeoutHandler(
            settings.requestHandler,
            settings.requestTimeoutMs,
            settings.deadlines,
          )
        : new NodeHttpHandler({
            connectionTimeout: settings.connectionTimeoutMs,
            requestTimeout: settings.requestTimeoutMs,
            // Without it @smithy/node-http-handler (4.x) only logs a warning when requestTimeout passes and
            // the attempt goes on: one attempt would have no bound at all (docs/aws-behaviour.md).
            throwOnRequestTimeout: true,
          });
    this.#requestHandler = new InvocationBoundHttpHandler(transport, settings.deadlines);
  }

  ec2(region: string): EC2Client {
    return this.#get(EC2Client, "ec2", region);
  }

  autoScaling(region: string): AutoScalingClient {
    return this.#get(AutoScalingClient, "autoscaling", region);
  }

  cloudWatch(region: string): CloudWatchClient {
    return this.#get(CloudWatchClient, "monitoring", region);
  }

  eventBridge(region: string): EventBridgeClient {
    return this.#get(EventBridgeClient, "events", region);
  }

  outposts(region: string): OutpostsClient {
    return this.#get(OutpostsClient, "outposts", region);
  }

  directConnect(region: string): DirectConnectClient {
    return this.#get(DirectConnectClient, "directconnect", region);
  }

  #get<C extends object>(Client: ClientConstructor<C>, service: string, region: string): C {
    const key = `${service}@${region}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached as C;
    const client = new Client({
      region,
      maxAttempts: this.#settings.maxAttempts,
      // One strategy, hence one retry quota, per client (the SDK's default): a throttled CloudWatch must
      // not use up the retries of EC2 (review7 F3).
      retryStrategy: new DeadlineBoundedRetryStrategy(
        this.#settings.maxAttempts,
        this.#settings.deadlines,
        this.#settings.random,
      ),
      requestHandler: this.#requestHandler,
      customUserAgent: USER_AGENT_APP_ID,
    });
    const instrumented = this.#settings.instrument ? this.#settings.instrument(client) : client;
    this.#cache.set(key, instrumented);
    return instrumented;
  }
}
