import { InvalidEventError } from "../runtime/errors";

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/;

/**
 * The region an event names, checked before SDK clients are built for it: AWS-published samples carry
 * placeholders such as "REGION", and a client for a made-up region would fail far from the cause.
 */
export const requireRegion = (region: string, parser: string): string => {
  if (!REGION.test(region)) {
    throw new InvalidEventError(`Event names no valid AWS region: "${region}"`, {
      parser,
      issues: [`region: "${region}" is not an AWS region code such as us-east-1`],
    });
  }
  return region;
};
