import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { DEFAULT_SERVICES, loadServiceModel, type ServiceDescriptor } from "../../../sim/wire";

const require = createRequire(import.meta.url);
const installed = (pkg: string): boolean => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

const SHAPE_IDS: Record<ServiceDescriptor["protocol"], string> = {
  ec2Query: "aws.protocols#ec2Query",
  awsQuery: "aws.protocols#awsQuery",
  awsJson1_0: "aws.protocols#awsJson1_0",
  awsJson1_1: "aws.protocols#awsJson1_1",
  restJson1: "aws.protocols#restJson1",
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

describe("service descriptors agree with the installed SDK clients' own configuration", () => {
  for (const d of DEFAULT_SERVICES) {
    it.skipIf(!installed(d.clientPackage))(`${d.name} (${d.clientPackage})`, async () => {
      const mod: unknown = await import(d.clientPackage);
      expect(isRecord(mod)).toBe(true);
      if (!isRecord(mod)) return;
      const ctorName = Object.keys(mod).find(
        (k) => k.endsWith("Client") && k !== "__Client" && typeof mod[k] === "function",
      );
      const Ctor = ctorName ? mod[ctorName] : undefined;
      if (typeof Ctor !== "function") throw new Error(`no client class in ${d.clientPackage}`);
      const client: unknown = Reflect.construct(Ctor, [{ region: "us-east-1" }]);
      if (!isRecord(client) || !isRecord(client.config)) throw new Error("no client config");
      const config = client.config;
      const protocol = config.protocol;
      const settings = config.protocolSettings;
      if (!isRecord(protocol) || typeof protocol.getShapeId !== "function" || !isRecord(settings))
        throw new Error("no protocol");
      expect(Reflect.apply(protocol.getShapeId, protocol, [])).toBe(SHAPE_IDS[d.protocol]);
      expect(config.defaultSigningName).toBe(d.signingName);
      if (typeof settings.version === "string") expect(settings.version).toBe(d.version);
      if (d.protocol === "awsJson1_0" || d.protocol === "awsJson1_1") {
        expect(settings.serviceTarget).toBe(d.targetPrefix);
        expect(Boolean(settings.awsQueryCompatible)).toBe(Boolean(d.queryCompatible));
      }
      if (d.protocol === "awsQuery" || d.protocol === "ec2Query") {
        expect(String(settings.xmlNamespace).replace(/\/$/, "")).toBe(d.xmlNamespace.replace(/\/$/, ""));
      }
      const model = await loadServiceModel(d);
      expect(model.operationSchemas.size).toBeGreaterThan(5);
      if (typeof client.destroy === "function") Reflect.apply(client.destroy, client, []);
    });
  }
});
