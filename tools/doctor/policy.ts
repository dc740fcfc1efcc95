/**
 * The doctor's IAM policy: the union of every check's `iamActions`, all read-only. The doctor reads
 * whatever resources the account has (their names are not known in advance), and none of these reads can
 * change anything, so every statement is on Resource "*"; most of these actions (EC2 Describe*, Auto
 * Scaling Describe*) support no resource-level permissions at all (Service Authorization Reference).
 */
import type { Check } from "./types";

/** Describe*, Get*, List*, Search*: the read-only action prefixes of these services. */
export const READ_ONLY_ACTION = /^[a-z0-9-]+:(Describe|Get|List|Search)[A-Za-z0-9]*$/;

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: { Sid: string; Effect: "Allow"; Action: string[]; Resource: "*" }[];
}

const sidOf = (service: string): string =>
  `DoctorReads${service.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`;

/** One statement per service, actions sorted. Throws on an action that is not a read (a programming error). */
export const doctorPolicy = (checks: readonly Check[]): PolicyDocument => {
  const actions = [...new Set(checks.flatMap((c) => c.iamActions))].sort();
  const write = actions.find((a) => !READ_ONLY_ACTION.test(a));
  if (write !== undefined) throw new Error(`doctor: ${write} is not a read-only action`);
  const services = [...new Set(actions.map((a) => a.split(":")[0] ?? ""))];
  return {
    Version: "2012-10-17",
    Statement: services.map((service) => ({
      Sid: sidOf(service),
      Effect: "Allow",
      Action: actions.filter((a) => a.startsWith(`${service}:`)),
      Resource: "*",
    })),
  };
};
