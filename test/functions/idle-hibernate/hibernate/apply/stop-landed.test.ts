import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  type EC2Client,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import { createStopExecutor } from "../../../../../functions/idle-hibernate/hibernate/apply/stop";
import { STOP_ACTION, type StopParams } from "../../../../../functions/idle-hibernate/hibernate/plan";
import { RequestTimeoutError } from "../../../../../shared/aws/request-timeout";
import type { Clock } from "../../../../../shared/runtime/clock";
import { deadlineFromRemaining } from "../../../../../shared/runtime/deadline";

/**
 * Review 9, finding 1, at the executor: a hibernate StopInstances whose every attempt failed retryably (the
 * SDK's TimeoutError after its last attempt) may have landed ("Ensuring idempotency in Amazon EC2 API
 * requests": StopInstances takes no ClientToken). The executor reads the batch back: instances stopping for
 * a hibernation are ours.
 */

const A = "i-0aaaaaaaaaaaaaaa1";
const B = "i-0bbbbbbbbbbbbbbb2";
const instantClock: Clock = { now: () => Date.now(), sleep: async () => {} };

/** An EC2 client whose StopInstances always times out, and whose instances are in the given states. */
const fakeEc2 = (states: Record<string, { state: string; reason?: string }>) => {
  const sent: Array<{ operation: string; input: Record<string, unknown> }> = [];
  const ec2 = {
    send: async (command: { input: Record<string, unknown> }) => {
      if (command instanceof StopInstancesCommand) {
        sent.push({ operation: "StopInstances", input: command.input });
        throw new RequestTimeoutError(3_000);
      }
      if (command instanceof CreateTagsCommand) {
        sent.push({ operation: "CreateTags", input: command.input });
        return {};
      }
      if (command instanceof DescribeInstancesCommand) {
        sent.push({ operation: "DescribeInstances", input: command.input });
        const ids = (command.input.Filters as Array<{ Values: string[] }>)[0]?.Values ?? [];
        return {
          Reservations: [
            {
              Instances: ids.map((id) => ({
                InstanceId: id,
                InstanceType: "m5.large",
                State: { Name: states[id]?.state },
                ...(states[id]?.reason === undefined
                  ? {}
                  : { StateReason: { Code: states[id]?.reason, Message: states[id]?.reason } }),
                Tags: [],
              })),
            },
          ],
        };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  } as unknown as EC2Client;
  return { ec2, sent };
};

const apply = (ec2: EC2Client) =>
  createStopExecutor({
    ec2,
    clock: instantClock,
    deadline: deadlineFromRemaining(60_000, 1_500, instantClock, 4_000),
    verifyTimeoutMs: 1_000,
    proofs: new Map(),
  }).apply({
    id: "hibernate",
    kind: STOP_ACTION,
    resources: [A, B],
    description: "hibernate",
    params: { instanceIds: [A, B], hibernate: true, refusedFallback: "skip" } satisfies StopParams,
  });

const HIBERNATING = { state: "stopping", reason: "Client.UserInitiatedHibernate" };
const requestTagged = (sent: Array<{ operation: string; input: Record<string, unknown> }>) =>
  sent.filter((c) => c.operation === "CreateTags").flatMap((c) => c.input.Resources as string[]);

describe("idle-hibernate stop executor: a hibernate batch whose every attempt timed out", () => {
  it("every instance hibernating: taken as accepted, tagged as requested and read back as applied", async () => {
    const { ec2, sent } = fakeEc2({ [A]: HIBERNATING, [B]: HIBERNATING });
    const outcomes = await apply(ec2);
    expect(outcomes.map((o) => [o.resource, o.status])).toEqual([
      [A, "applied"],
      [B, "applied"],
    ]);
    expect(requestTagged(sent)).toEqual([A, B]);
  });

  it("some hibernating: those are tagged as requested, and the timeout is rethrown for the event's retry", async () => {
    const { ec2, sent } = fakeEc2({ [A]: HIBERNATING, [B]: { state: "running" } });
    await expect(apply(ec2)).rejects.toMatchObject({ retryable: true });
    expect(requestTagged(sent)).toEqual([A]);
  });

  it("none hibernating (stopped by someone else, or not at all): nothing tagged, the timeout rethrown", async () => {
    const { ec2, sent } = fakeEc2({
      [A]: { state: "stopping", reason: "Client.UserInitiatedShutdown" },
      [B]: { state: "running" },
    });
    await expect(apply(ec2)).rejects.toMatchObject({ retryable: true });
    expect(requestTagged(sent)).toEqual([]);
  });
});
