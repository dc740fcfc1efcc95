/**
 * The services the simulated account speaks, how each is identified on the wire, and their models
 * (operation and error schemas) loaded from the installed SDK client packages.
 */
import { NormalizedSchema } from "@smithy/core/schema";
import type { StaticOperationSchema } from "@smithy/types";
import type { SimServiceName } from "../types";
import { compileOperation, type HttpRoute, isOperationSchema, type OperationModel } from "./schema";

export type WireProtocol = "ec2Query" | "awsQuery" | "awsJson1_0" | "awsJson1_1" | "restJson1";

export interface ServiceDescriptor {
  name: SimServiceName;
  /** SigV4 credential scope service name (`Credential=AKID/date/region/<signingName>/aws4_request`). */
  signingName: string;
  protocol: WireProtocol;
  /** API version (the `Version` form parameter of the query protocols). */
  version: string;
  /** XML namespace of query-protocol responses. */
  xmlNamespace: string;
  /** JSON protocols: the `X-Amz-Target` prefix before `.<Operation>`. */
  targetPrefix?: string;
  /** awsJson with `@awsQueryCompatible`: errors carry `x-amzn-query-error: Code;Sender|Receiver`. */
  queryCompatible?: boolean;
  /** The SDK v3 client package whose schemas describe the service. */
  clientPackage: string;
}

/** The services of `SimServiceName`, with their real wire identities. */
export const DEFAULT_SERVICES: readonly ServiceDescriptor[] = [
  {
    name: "ec2",
    signingName: "ec2",
    protocol: "ec2Query",
    version: "2016-11-15",
    xmlNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
    clientPackage: "@aws-sdk/client-ec2",
  },
  {
    name: "autoscaling",
    signingName: "autoscaling",
    protocol: "awsQuery",
    version: "2011-01-01",
    xmlNamespace: "http://autoscaling.amazonaws.com/doc/2011-01-01/",
    clientPackage: "@aws-sdk/client-auto-scaling",
  },
  {
    name: "monitoring",
    signingName: "monitoring",
    protocol: "awsJson1_0",
    version: "2010-08-01",
    xmlNamespace: "http://monitoring.amazonaws.com/doc/2010-08-01/",
    targetPrefix: "GraniteServiceVersion20100801",
    queryCompatible: true,
    clientPackage: "@aws-sdk/client-cloudwatch",
  },
  {
    name: "events",
    signingName: "events",
    protocol: "awsJson1_1",
    version: "2015-10-07",
    xmlNamespace: "http://events.amazonaws.com/doc/2015-10-07/",
    targetPrefix: "AWSEvents",
    clientPackage: "@aws-sdk/client-eventbridge",
  },
  {
    name: "directconnect",
    signingName: "directconnect",
    protocol: "awsJson1_1",
    version: "2012-10-25",
    xmlNamespace: "http://directconnect.amazonaws.com/doc/2012-10-25/",
    targetPrefix: "OvertureService",
    clientPackage: "@aws-sdk/client-direct-connect",
  },
  {
    name: "outposts",
    signingName: "outposts",
    protocol: "restJson1",
    version: "2019-12-03",
    xmlNamespace: "http://outposts.amazonaws.com/doc/2019-12-03/",
    clientPackage: "@aws-sdk/client-outposts",
  },
];

export interface ErrorShapeInfo {
  /** Error shape name, e.g. `LimitExceededFault`. */
  name: string;
  /** Shape id, e.g. `com.amazonaws.cloudwatch#LimitExceededFault`. */
  id: string;
  /** `@awsQueryError` code (query-compatible services), e.g. `LimitExceeded`. */
  queryCode: string | undefined;
  httpStatus: number | undefined;
  /** The member that carries the message (`message` or `Message`), if any. */
  messageMember: string | undefined;
}

export interface ServiceModel {
  readonly descriptor: ServiceDescriptor;
  /** Operation name → its static schema (compiled lazily by `operation()`). */
  readonly operationSchemas: ReadonlyMap<string, StaticOperationSchema>;
  readonly errorsByName: ReadonlyMap<string, ErrorShapeInfo>;
  readonly errorsByQueryCode: ReadonlyMap<string, ErrorShapeInfo>;
  /** restJson1: routes, most specific first. */
  readonly routes: readonly { route: HttpRoute; operation: string }[];
  operation(name: string): OperationModel | undefined;
}

function moduleExports(mod: unknown): unknown[] {
  const out: unknown[] = [];
  const seen = new Set<unknown>();
  const collect = (o: unknown): void => {
    if (typeof o !== "object" || o === null || seen.has(o)) return;
    seen.add(o);
    for (const v of Object.values(o)) out.push(v);
  };
  collect(mod);
  if (typeof mod === "object" && mod !== null && "default" in mod) collect(mod.default);
  return out;
}

const isErrorSchema = (v: unknown): v is [number, string, string, unknown, string[], unknown[]] =>
  Array.isArray(v) && v[0] === -3 && typeof v[1] === "string" && typeof v[2] === "string";

/** Build a service model from an SDK client module namespace (its exported `Xxx$` schemas). */
export function buildServiceModel(descriptor: ServiceDescriptor, mod: unknown): ServiceModel {
  const operationSchemas = new Map<string, StaticOperationSchema>();
  const errorsByName = new Map<string, ErrorShapeInfo>();
  const errorsByQueryCode = new Map<string, ErrorShapeInfo>();
  for (const v of moduleExports(mod)) {
    if (isOperationSchema(v)) {
      operationSchemas.set(v[2], v);
    } else if (isErrorSchema(v) && !v[1].startsWith("smithy.ts.sdk.synthetic.")) {
      const ns = NormalizedSchema.of(v as Parameters<typeof NormalizedSchema.of>[0]);
      const traits = ns.getMergedTraits();
      const aqe = traits.awsQueryError;
      const queryCode = Array.isArray(aqe) && typeof aqe[0] === "string" ? aqe[0] : undefined;
      const members = v[4];
      const info: ErrorShapeInfo = {
        name: v[2],
        id: `${v[1]}#${v[2]}`,
        queryCode,
        httpStatus: typeof traits.httpError === "number" ? traits.httpError : undefined,
        messageMember: members.includes("message")
          ? "message"
          : members.includes("Message")
            ? "Message"
            : undefined,
      };
      errorsByName.set(info.name, info);
      if (queryCode !== undefined && !errorsByQueryCode.has(queryCode))
        errorsByQueryCode.set(queryCode, info);
    }
  }
  if (operationSchemas.size === 0) {
    throw new Error(
      `sim/wire: ${descriptor.clientPackage} exports no operation schemas (not a schema-based client?)`,
    );
  }
  const routes: { route: HttpRoute; operation: string }[] = [];
  if (descriptor.protocol === "restJson1") {
    for (const [name, op] of operationSchemas) {
      const route = compileOperation(op).http;
      if (route !== undefined) routes.push({ route, operation: name });
    }
    routes.sort(
      (a, b) => b.route.specificity - a.route.specificity || a.route.labels.length - b.route.labels.length,
    );
  }
  const compiled = new Map<string, OperationModel>();
  return {
    descriptor,
    operationSchemas,
    errorsByName,
    errorsByQueryCode,
    routes,
    operation(name) {
      const hit = compiled.get(name);
      if (hit !== undefined) return hit;
      const schema = operationSchemas.get(name);
      if (schema === undefined) return undefined;
      const model = compileOperation(schema);
      compiled.set(name, model);
      return model;
    },
  };
}

const moduleCache = new Map<string, Promise<unknown>>();

/** Import an SDK client package (cached). Rejects if it is not installed. */
function importClientPackage(pkg: string): Promise<unknown> {
  let p = moduleCache.get(pkg);
  if (p === undefined) {
    const specifier: string = pkg;
    p = import(specifier).then((m: unknown) => m);
    moduleCache.set(pkg, p);
    p.catch(() => moduleCache.delete(pkg));
  }
  return p;
}

export async function loadServiceModel(descriptor: ServiceDescriptor): Promise<ServiceModel> {
  return buildServiceModel(descriptor, await importClientPackage(descriptor.clientPackage));
}

/**
 * The set of services one server speaks: lookup by SigV4 signing name, by `X-Amz-Target` prefix and by
 * query `Version`; models are loaded on first use (or up front with `preload`).
 */
export class ServiceRegistry {
  readonly descriptors: readonly ServiceDescriptor[];
  readonly #bySigningName = new Map<string, ServiceDescriptor>();
  readonly #byTarget = new Map<string, ServiceDescriptor>();
  readonly #byVersion = new Map<string, ServiceDescriptor>();
  readonly #models = new Map<string, Promise<ServiceModel>>();
  readonly #loaded = new Map<string, ServiceModel>();

  constructor(descriptors: readonly ServiceDescriptor[] = DEFAULT_SERVICES) {
    // Later descriptors override earlier ones with the same name or signing name.
    const byName = new Map<string, ServiceDescriptor>();
    for (const d of descriptors) byName.set(d.name, d);
    this.descriptors = [...byName.values()];
    for (const d of this.descriptors) {
      this.#bySigningName.set(d.signingName, d);
      if (d.targetPrefix !== undefined) this.#byTarget.set(d.targetPrefix, d);
      if (d.protocol === "ec2Query" || d.protocol === "awsQuery" || d.queryCompatible)
        this.#byVersion.set(d.version, d);
    }
  }

  bySigningName(signingName: string): ServiceDescriptor | undefined {
    return this.#bySigningName.get(signingName);
  }

  byTargetPrefix(prefix: string): ServiceDescriptor | undefined {
    return this.#byTarget.get(prefix);
  }

  byVersion(version: string): ServiceDescriptor | undefined {
    return this.#byVersion.get(version);
  }

  /** The model if already loaded (synchronous fast path). */
  loaded(name: string): ServiceModel | undefined {
    return this.#loaded.get(name);
  }

  model(descriptor: ServiceDescriptor): Promise<ServiceModel> {
    let p = this.#models.get(descriptor.name);
    if (p === undefined) {
      p = loadServiceModel(descriptor).then((m) => {
        this.#loaded.set(descriptor.name, m);
        return m;
      });
      this.#models.set(descriptor.name, p);
      p.catch(() => this.#models.delete(descriptor.name));
    }
    return p;
  }

  /** Load every service whose client package is installed; returns the names that are unavailable. */
  async preload(): Promise<SimServiceName[]> {
    const missing: SimServiceName[] = [];
    await Promise.all(
      this.descriptors.map((d) =>
        this.model(d).then(
          () => undefined,
          () => {
            missing.push(d.name);
          },
        ),
      ),
    );
    return missing;
  }
}
