import { describe, expect, it } from "vitest";
import { managedFleetSignal, neverHibernated } from "../../../functions/idle-hibernate/eligibility";
import {
  alarmWindowMinutes,
  isIdleShaped,
  literalPrefix,
  ownerOfName,
  wildcardRegExp,
  windowsByInstance,
} from "../../../functions/idle-hibernate/idle-alarm";
import { alarmView, DEFAULT_POLICY, instanceView, policyWith } from "./support";

const A = "i-0000000000000000a";
const networkQueries = (id: string, period = 300) => [
  ...["CPUUtilization", "NetworkIn", "NetworkOut"].map((metricName, index) => ({
    id: `m${index + 1}`,
    returnData: false,
    metric: {
      namespace: "AWS/EC2",
      metricName,
      dimensions: { InstanceId: id },
      periodSeconds: period,
      stat: "Average",
    },
  })),
  { id: "e1", returnData: true, expression: "IF((m1 < 10) AND ((m2 + m3) < 600000), 1, 0)" },
];
const mathAlarm = (id: string, period = 300) =>
  alarmView(id, {
    namespace: undefined,
    metricName: undefined,
    dimensions: {},
    periodSeconds: undefined,
    queries: networkQueries(id, period),
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
  });

describe("alarm names", () => {
  const policy = policyWith({ adoptAlarmNamePatterns: ["hibernate-*-idle", "legacy-idle-*"] });

  it("tells ours, adopted and foreign apart", () => {
    expect(ownerOfName(`ops-idle-${A}`, policy)).toBe("ours");
    expect(ownerOfName("hibernate-web01-idle", policy)).toBe("adopted");
    expect(ownerOfName("legacy-idle-x", policy)).toBe("adopted");
    expect(ownerOfName("hibernate-web01-busy", policy)).toBe("foreign");
    expect(ownerOfName("ServerCpuTooHigh", policy)).toBe("foreign");
  });

  it("matches wildcards literally otherwise, and reads with the literal prefix", () => {
    expect(wildcardRegExp("a.b*").test("a.b-c")).toBe(true);
    expect(wildcardRegExp("a.b*").test("axb-c")).toBe(false);
    expect(literalPrefix("hibernate-*-idle")).toBe("hibernate-");
  });

  it("refuses adoption patterns without a literal start or with a double wildcard", () => {
    expect(() => policyWith({ adoptAlarmNamePatterns: ["*-idle"] })).toThrow();
    expect(() => policyWith({ adoptAlarmNamePatterns: ["idle-**"] })).toThrow();
  });
});

describe("idle alarm shape and window", () => {
  it("accepts a CPU-below alarm of one instance, and CPU + network metric math", () => {
    expect(isIdleShaped(alarmView(A))).toBe(true);
    expect(isIdleShaped(mathAlarm(A))).toBe(true);
  });

  it.each([
    ["a CPU-above alarm", alarmView(A, { comparisonOperator: "GreaterThanThreshold" })],
    ["another metric", alarmView(A, { metricName: "StatusCheckFailed" })],
    ["another dimension", alarmView(A, { dimensions: { AutoScalingGroupName: "web" } })],
    [
      "metric math over two instances",
      alarmView(A, { queries: [...networkQueries(A), ...networkQueries("i-0000000000000000b").slice(0, 1)] }),
    ],
    ["metric math without CPU", alarmView(A, { queries: networkQueries(A).slice(1) })],
    [
      "the idle expression compared below its threshold",
      { ...mathAlarm(A), comparisonOperator: "LessThanThreshold" },
    ],
    ["missing data treated as breaching", alarmView(A, { treatMissingData: "breaching" })],
  ])("refuses %s", (_what, alarm) => {
    expect(isIdleShaped(alarm)).toBe(false);
  });

  it("takes the window from the alarm's period, or from its queries' (metric math)", () => {
    expect(alarmWindowMinutes(alarmView(A))).toBe(15);
    expect(alarmWindowMinutes(mathAlarm(A, 60))).toBe(3);
  });

  it("gives each instance the largest window of its own alarms", () => {
    const windows = windowsByInstance([
      alarmView(A, { evaluationPeriods: 288 }),
      alarmView("i-0000000000000000b"),
      alarmView(A, { name: "adopted", evaluationPeriods: 2 }),
    ]);
    expect(windows).toEqual(
      new Map([
        [A, 1440],
        ["i-0000000000000000b", 15],
      ]),
    );
  });
});

describe("eligibility", () => {
  it("names the managed-fleet signal", () => {
    expect(managedFleetSignal(instanceView(A), DEFAULT_POLICY)).toBeUndefined();
    expect(
      managedFleetSignal(
        instanceView(A, {
          tags: { "ops:hibernate": "idle", "aws:elasticmapreduce:instance-group-role": "CORE" },
        }),
        DEFAULT_POLICY,
      ),
    ).toBe("tag aws:elasticmapreduce:instance-group-role=CORE");
    expect(
      managedFleetSignal(instanceView(A, { operator: { managed: true, principal: "eks" } }), DEFAULT_POLICY),
    ).toMatch(/Operator.Managed/);
  });

  it("extends the managed-fleet prefixes by configuration (e.g. an ECS host's own tag)", () => {
    const policy = policyWith({ managedFleetTagPrefixes: ["ecs-cluster"] });
    expect(
      neverHibernated(instanceView(A, { tags: { "ops:hibernate": "idle", "ecs-cluster": "c" } }), policy),
    ).toMatch(/managed fleet/);
  });
});
