import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { copyPlain } from "../../../sim/account/plain-copy";

describe("copyPlain: the call log's deep copy", () => {
  it("gives what structuredClone gives for plain JSON-like data with Dates, and shares nothing", () => {
    const plain = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string(),
        fc.double({ noNaN: true }),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.date({ noInvalidDate: true }),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), plain), (input) => {
        const copy = copyPlain(input);
        expect(copy).toStrictEqual(structuredClone(input));
        if (Object.keys(input).length > 0) expect(copy).not.toBe(input);
      }),
    );
  });

  it("keeps an own __proto__ key a property", () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = copyPlain(input);
    expect(Object.keys(copy)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy).toStrictEqual(structuredClone(input));
  });

  it("a later change of the original does not reach the copy", () => {
    const input = { Tags: [{ Key: "a", Value: "1" }], At: new Date(0) };
    const copy = copyPlain(input);
    input.Tags[0] = { Key: "b", Value: "2" };
    input.At.setTime(5);
    expect(copy).toEqual({ Tags: [{ Key: "a", Value: "1" }], At: new Date(0) });
  });

  it("leaves Maps, typed arrays and cycles to structuredClone, and throws where it throws", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const copy = copyPlain({ m: new Map([["k", 1]]), b: new Uint8Array([1, 2]), cyclic });
    expect(copy.m).toEqual(new Map([["k", 1]]));
    expect(copy.b).toEqual(new Uint8Array([1, 2]));
    expect(copy.cyclic.self).toBe(copy.cyclic);
    expect(() => copyPlain({ f: () => 1 })).toThrow();
  });
});
