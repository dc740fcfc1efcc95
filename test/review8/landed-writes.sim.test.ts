import { describe, expect, it } from "vitest";
import { type EniReattachConfig, EniReattachConfigSchema } from "../../functions/eni-reattach/config";
import { VfxtIpMoveConfigSchema } from "../../functions/vfxt-ip-move/config";
import * as z from "../../shared/runtime/zod";
import { parseFixture, SimulatedAccount } from "../../sim";
import type { CallRecord } from "../../sim/account/calls";
import type { AccountSnapshot } from "../../sim/account/snapshot";
import { checkEniReattachStep } from "../../tools/chaos/invariants/eni-reattach";
import { checkIdleHibernate } from "../../tools/chaos/invariants/idle-hibernate";
import { checkVfxtScope } from "../../tools/chaos/invariants/vfxt-ip-move";
import { DEFAULT_POLICY } from "../functions/idle-hibernate/support";
import { START, W, worldFixture } from "../functions/idle-hibernate/world";

/**
 * Review 8, finding 1: the campaign arms a landing fault on every write of each capability (the write takes
 * effect, then its caller sees a 5xx or a closed connection: tools/chaos/landing-faults.ts). The account logs
 * such a call `outcome: "error", applied: true` (sim/account/account.ts). The call-based invariants keep only
 * calls answered `ok`, so a write that landed is never judged: a stop of an instance that is not opted in, a
 * detach from a serving firewall, a route written for an address no cluster configures. Fixed in session 8:
 * the safety checks judge every write that took effect (`tools/chaos/invariants/calls.ts` `tookEffect`); the
 * proof that a hibernation was reported still counts only an answered stop (a landed one is reported by
 * the invocation's retry, which a check of one step cannot see).
 */

/** A write that took effect before its 500 (as `SimulatedAccount.dispatch` records a landed fault). */
const landed = (seq: number, operation: string, input: Record<string, unknown>): CallRecord => ({
  seq,
  at: START,
  service: "ec2",
  operation,
  region: "us-east-1",
  requestId: `r-${seq}`,
  input,
  outcome: "error",
  error: { code: "InternalError", message: "We encountered an internal error.", httpStatus: 500 },
  applied: true,
});

describe("review 8 finding 1: writes that landed before their error are judged", () => {
  it("review: a hibernation StopInstances that landed before its 500 on an instance not opted in breaks stops-only-eligible", () => {
    const account = () => SimulatedAccount.fromFixture(parseFixture(worldFixture(), "world")).snapshot();
    const before = account();
    const happy = before.instances[W.happy] as NonNullable<AccountSnapshot["instances"][string]>;
    before.instances[W.happy] = { ...happy, Tags: {} };
    const after = account();
    const stop = landed(1, "StopInstances", { InstanceIds: [W.happy], Hibernate: true });
    const violations = checkIdleHibernate({
      config: DEFAULT_POLICY,
      before,
      after,
      calls: [stop],
      results: [],
    });
    expect(violations.map((v) => v.invariant)).toContain("stops-only-eligible");
  });

  it("review: a DetachNetworkInterface that landed before its 500 from an InService, Healthy holder breaks never-detach-serving", () => {
    const config: EniReattachConfig = z.parse(EniReattachConfigSchema, {
      groups: [
        {
          name: "fw",
          hookNames: ["fw-launch"],
          expectedInterfaces: 1,
          allowedSubnetIds: ["subnet-0000000a"],
        },
      ],
    });
    const base = SimulatedAccount.fromFixture(parseFixture(worldFixture(), "world")).snapshot();
    const before: AccountSnapshot = {
      ...base,
      instances: {
        "i-serving": { ...(base.instances[W.happy] as NonNullable<AccountSnapshot["instances"][string]>) },
      },
      networkInterfaces: {
        "eni-1": {
          Status: "in-use",
          SubnetId: "subnet-0000000a",
          PrivateIpAddresses: [],
          SourceDestCheck: false,
          Tags: { "ops:eni-attach": "fw/1" },
          Attachment: { InstanceId: "i-serving", DeviceIndex: 1, NetworkCardIndex: 0, Status: "attached" },
        },
      } as unknown as AccountSnapshot["networkInterfaces"],
      autoScalingGroups: {
        fw: {
          DesiredCapacity: 1,
          Instances: { "i-serving": { LifecycleState: "InService", HealthStatus: "Healthy" } },
        },
      } as unknown as AccountSnapshot["autoScalingGroups"],
    };
    const read: CallRecord = {
      seq: 1,
      at: START,
      service: "ec2",
      operation: "DescribeNetworkInterfaces",
      region: "us-east-1",
      requestId: "r-1",
      input: {},
      outcome: "ok",
      output: {
        NetworkInterfaces: [{ NetworkInterfaceId: "eni-1", Attachment: { AttachmentId: "eni-attach-1" } }],
      },
    };
    const detach = landed(2, "DetachNetworkInterface", { AttachmentId: "eni-attach-1" });
    const violations = checkEniReattachStep(
      {
        before,
        after: before,
        calls: [read, detach],
        subnets: { "subnet-0000000a": { vpcId: "vpc-a", availabilityZone: "us-east-1a" } },
        maxInterfaces: () => 4,
      },
      config,
    );
    expect(violations.map((v) => v.invariant)).toContain("never-detach-serving");
  });

  it("review: a CreateRoute that landed before its 500 for an address no cluster configures breaks touched-outside-configuration", () => {
    const config = VfxtIpMoveConfigSchema.parse({
      clusters: [{ name: "vfxt-b", addresses: ["10.250.0.11"], routeTableIds: ["rtb-0af7c0de000000b01"] }],
    });
    const write = landed(1, "CreateRoute", {
      RouteTableId: "rtb-0af7c0de000000b01",
      DestinationCidrBlock: "10.250.0.99/32",
      NetworkInterfaceId: "eni-0af7c0de000000b02",
    });
    expect(checkVfxtScope([write], config).map((v) => v.invariant)).toContain(
      "touched-outside-configuration",
    );
  });
});
