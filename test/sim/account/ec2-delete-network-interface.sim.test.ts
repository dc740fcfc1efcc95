import { describe, expect, it } from "vitest";
import { ENIS, firewall, OLD } from "./asg-fixture";
import { awsError, ec2 } from "./helpers";

/** DeleteNetworkInterface: only a detached ENI; then it is gone (how an operator's deletion is simulated). */
describe("DeleteNetworkInterface", () => {
  const eni = ENIS[0];

  it("refuses an attached ENI with InvalidNetworkInterface.InUse", async () => {
    const a = firewall();
    expect(a.state().networkInterfaces.get(eni)?.attachment?.instanceId).toBe(OLD);
    const error = await awsError(
      ec2(a, "DeleteNetworkInterface", { NetworkInterfaceId: eni }),
      "InvalidNetworkInterface.InUse",
    );
    expect(error.message).toContain(eni);
    expect(a.state().networkInterfaces.has(eni)).toBe(true);
  });

  it("deletes a detached ENI; it is then unknown", async () => {
    const a = firewall();
    const attachmentId = a.state().networkInterfaces.get(eni)?.attachment?.attachmentId;
    await ec2(a, "DetachNetworkInterface", { AttachmentId: attachmentId });
    a.advance(5_000);
    await awsError(
      ec2(a, "DeleteNetworkInterface", { NetworkInterfaceId: eni, DryRun: true }),
      "DryRunOperation",
    );
    expect(await ec2(a, "DeleteNetworkInterface", { NetworkInterfaceId: eni })).toEqual({});
    expect(a.state().networkInterfaces.has(eni)).toBe(false);
    await awsError(
      ec2(a, "DeleteNetworkInterface", { NetworkInterfaceId: eni }),
      "InvalidNetworkInterfaceID.NotFound",
    );
    await awsError(
      ec2(a, "DeleteNetworkInterface", { NetworkInterfaceId: "eni-x" }),
      "InvalidNetworkInterfaceId.Malformed",
    );
  });
});
