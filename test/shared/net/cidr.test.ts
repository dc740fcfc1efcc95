import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addressAt,
  type Cidr,
  cidrContains,
  cidrSize,
  cidrsOverlap,
  cidrWithin,
  compareIp,
  containsAddress,
  formatCidr,
  formatIp,
  type IpAddress,
  type IpVersion,
  isCidr,
  longestPrefixMatch,
  parseCidr,
  parseIp,
  parseIpv4,
  parseIpv6,
  subnetReservedAddresses,
  subnetUsableRange,
} from "../../../shared/net/cidr";

const MAX = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n } as const;
const BITS = { 4: 32, 6: 128 } as const;

const version = fc.constantFrom<IpVersion>(4, 6);
const addressOf = (v: IpVersion) =>
  fc.bigInt({ min: 0n, max: MAX[v] }).map((value) => ({ version: v, value }));
const anyAddress = version.chain(addressOf);
const blockOf = (v: IpVersion) =>
  fc
    .record({ value: fc.bigInt({ min: 0n, max: MAX[v] }), prefix: fc.integer({ min: 0, max: BITS[v] }) })
    .map(({ value, prefix }): Cidr => {
      const host = (1n << BigInt(BITS[v] - prefix)) - 1n;
      return { version: v, network: value - (value & host), prefix };
    });
const anyBlock = version.chain(blockOf);
const lastOf = (cidr: Cidr) => cidr.network + cidrSize(cidr) - 1n;

/** The eight groups, zero-padded, no compression: a form the parser must read as the same address. */
const uncompressed = (value: bigint) =>
  Array.from({ length: 8 }, (_, i) =>
    ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16).padStart(4, "0"),
  ).join(":");

describe("addresses", () => {
  it("formats and parses back every address of both versions", () => {
    fc.assert(
      fc.property(anyAddress, (address) => {
        expect(parseIp(formatIp(address))).toEqual(address);
      }),
    );
  });

  it("reads an uncompressed, upper-case IPv6 address as its compressed form", () => {
    fc.assert(
      fc.property(addressOf(6), (address) => {
        const text = uncompressed(address.value).toUpperCase();
        expect(parseIpv6(text)).toEqual(address);
        expect(formatIp(address).length).toBeLessThanOrEqual(text.length);
      }),
    );
  });

  it("formats IPv6 per RFC 5952: lower case, the longest zero run compressed, never a single group", () => {
    expect(formatIp(parseIp("2001:0DB8:0000:0000:0001:0000:0000:0001") as IpAddress)).toBe(
      "2001:db8::1:0:0:1",
    );
    expect(formatIp(parseIp("2001:db8:0:1:1:1:1:1") as IpAddress)).toBe("2001:db8:0:1:1:1:1:1");
    expect(formatIp(parseIp("0:0:0:0:0:0:0:0") as IpAddress)).toBe("::");
    expect(formatIp(parseIp("::ffff:10.0.0.1") as IpAddress)).toBe("::ffff:a00:1");
  });

  it("rejects an IPv4 octet with a leading zero (ambiguous: octal in some parsers)", () => {
    fc.assert(
      fc.property(addressOf(4), fc.integer({ min: 0, max: 3 }), (address, index) => {
        const octets = formatIp(address).split(".");
        fc.pre(octets[index] !== "0" && (octets[index] ?? "").length < 3);
        octets[index] = `0${octets[index]}`;
        expect(parseIpv4(octets.join("."))).toBeUndefined();
      }),
    );
  });

  it.each([
    "10.0.0.256",
    "10.0.0",
    "10.0.0.1.2",
    "10.0.0.-1",
    " 10.0.0.1",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "12345::",
    "::1.2.3.4:5",
    "1.2.3.4::",
    ":::",
    "",
  ])("rejects %j", (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it("keeps a version when asked for one", () => {
    expect(parseIp("10.0.0.1", 6)).toBeUndefined();
    expect(parseIp("::1", 4)).toBeUndefined();
    expect(parseIp("::1", 6)).toEqual({ version: 6, value: 1n });
  });

  it("orders IPv4 before IPv6, then by value", () => {
    fc.assert(
      fc.property(anyAddress, anyAddress, (a, b) => {
        const order = compareIp(a, b);
        expect(Math.sign(order) + Math.sign(compareIp(b, a))).toBe(0);
        if (a.version === b.version) expect(order === 0).toBe(a.value === b.value);
        else expect(order < 0).toBe(a.version === 4);
      }),
    );
  });
});

describe("CIDR blocks", () => {
  it("formats and parses back every block", () => {
    fc.assert(
      fc.property(anyBlock, (cidr) => {
        expect(parseCidr(formatCidr(cidr))).toEqual(cidr);
        expect(isCidr(formatCidr(cidr), { version: cidr.version })).toBe(true);
      }),
    );
  });

  it("answers a text parsed before by the same rules, whatever options asked for it first", () => {
    expect(parseCidr("10.0.1.5/24", { hostBits: "mask" })).toEqual({
      version: 4,
      network: 0x0a000100n,
      prefix: 24,
    });
    expect(parseCidr("10.0.1.5/24")).toBeUndefined();
    expect(parseCidr("10.0.1.0/24", { version: 6 })).toBeUndefined();
    expect(parseCidr("10.0.1.0/24", { version: 4 })).toEqual({
      version: 4,
      network: 0x0a000100n,
      prefix: 24,
    });
    expect(parseIp("2001:db8::1", 4)).toBeUndefined();
    expect(parseIp("2001:db8::1")).toEqual({ version: 6, value: 0x20010db8000000000000000000000001n });
    expect(parseCidr("10.0.300.0/24")).toBeUndefined();
    expect(parseCidr("10.0.300.0/24")).toBeUndefined();
    // Shared answers cannot be changed by one caller for the next.
    expect(Object.isFrozen(parseCidr("10.0.1.0/24"))).toBe(true);
    expect(Object.isFrozen(parseIp("10.0.1.7"))).toBe(true);
  });

  it("rejects host bits by default and masks them on request", () => {
    fc.assert(
      fc.property(anyAddress, fc.integer({ min: 0, max: 128 }), (address, rawPrefix) => {
        const prefix = rawPrefix % (BITS[address.version] + 1);
        const host = address.value & ((1n << BigInt(BITS[address.version] - prefix)) - 1n);
        fc.pre(host !== 0n);
        const text = `${formatIp(address)}/${prefix}`;
        expect(parseCidr(text)).toBeUndefined();
        expect(parseCidr(text, { hostBits: "mask" })).toEqual({
          version: address.version,
          network: address.value - host,
          prefix,
        });
      }),
    );
  });

  it.each(["10.0.0.0/33", "10.0.0.0/08", "10.0.0.0/", "10.0.0.0", "10.0.0.0/8/8", "::/129", "10.0.0.0/-1"])(
    "rejects %j",
    (text) => {
      expect(parseCidr(text, { hostBits: "mask" })).toBeUndefined();
    },
  );

  it("keeps a version when asked for one", () => {
    expect(parseCidr("2001:db8::/32", { version: 4 })).toBeUndefined();
    expect(parseCidr("10.0.0.0/8", { version: 6 })).toBeUndefined();
    expect(parseCidr("2001:db8::/32", { version: 6 })).toEqual({
      version: 6,
      network: 0x20010db8n << 96n,
      prefix: 32,
    });
  });

  it("contains exactly the addresses from its network to its last address", () => {
    fc.assert(
      fc.property(anyBlock, fc.bigInt({ min: 0n, max: MAX[6] }), (cidr, raw) => {
        const value = raw % (MAX[cidr.version] + 1n);
        const inside = value >= cidr.network && value <= lastOf(cidr);
        expect(cidrContains(cidr, { version: cidr.version, value })).toBe(inside);
        expect(containsAddress(formatCidr(cidr), formatIp({ version: cidr.version, value }))).toBe(inside);
      }),
    );
  });

  it("never contains an address of the other version", () => {
    fc.assert(
      fc.property(anyBlock, anyAddress, (cidr, address) => {
        fc.pre(cidr.version !== address.version);
        expect(cidrContains(cidr, address)).toBe(false);
      }),
    );
  });

  it("overlaps another block exactly when their ranges intersect, and within implies overlap", () => {
    fc.assert(
      fc.property(
        version.chain((v) => fc.tuple(blockOf(v), blockOf(v))),
        ([a, b]) => {
          const intersect = a.network <= lastOf(b) && b.network <= lastOf(a);
          expect(cidrsOverlap(a, b)).toBe(intersect);
          expect(cidrsOverlap(b, a)).toBe(intersect);
          if (cidrWithin(a, b)) expect(intersect).toBe(true);
          expect(cidrWithin(a, b) && cidrWithin(b, a)).toBe(a.prefix === b.prefix && a.network === b.network);
        },
      ),
    );
  });

  it("addresses a block by offset, and nothing outside it", () => {
    fc.assert(
      fc.property(anyBlock, fc.bigInt({ min: -2n, max: 1n << 20n }), (cidr, offset) => {
        const address = addressAt(cidr, offset);
        if (offset < 0n || offset >= cidrSize(cidr)) expect(address).toBeUndefined();
        else expect(address).toEqual({ version: cidr.version, value: cidr.network + offset });
      }),
    );
  });

  it("picks the most specific containing block (longest prefix match)", () => {
    fc.assert(
      fc.property(
        version.chain((v) => fc.tuple(fc.array(blockOf(v), { maxLength: 8 }), addressOf(v))),
        ([blocks, address]) => {
          const containing = blocks.filter((b) => cidrContains(b, address));
          const best = longestPrefixMatch(blocks, address, (b) => b);
          if (containing.length === 0) expect(best).toBeUndefined();
          else expect(best?.prefix).toBe(Math.max(...containing.map((b) => b.prefix)));
        },
      ),
    );
  });
});

describe("subnets (AWS reserves the first four addresses and the last one)", () => {
  const subnets = fc.oneof(
    fc.integer({ min: 16, max: 28 }).chain((p) => blockOf(4).map((b) => ({ ...b, prefix: p }))),
    fc.integer({ min: 44, max: 64 }).chain((p) => blockOf(6).map((b) => ({ ...b, prefix: p }))),
  );
  const normalise = (cidr: Cidr): Cidr => parseCidr(formatCidr(cidr), { hostBits: "mask" }) as Cidr;

  it("reserves five addresses inside the subnet, outside its usable range", () => {
    fc.assert(
      fc.property(subnets.map(normalise), (subnet) => {
        const reserved = subnetReservedAddresses(subnet);
        expect(reserved.map((a) => a.value - subnet.network)).toEqual([
          0n,
          1n,
          2n,
          3n,
          cidrSize(subnet) - 1n,
        ]);
        const usable = subnetUsableRange(subnet);
        expect(usable?.first.value).toBe(subnet.network + 4n);
        expect(usable?.last.value).toBe(lastOf(subnet) - 1n);
        for (const address of reserved) {
          expect(cidrContains(subnet, address)).toBe(true);
          expect(
            address.value < (usable?.first.value ?? 0n) || address.value > (usable?.last.value ?? 0n),
          ).toBe(true);
        }
      }),
    );
  });

  it("examples from the AWS VPC User Guide", () => {
    const subnet = parseCidr("10.0.0.0/24") as Cidr;
    expect(subnetReservedAddresses(subnet).map(formatIp)).toEqual([
      "10.0.0.0",
      "10.0.0.1",
      "10.0.0.2",
      "10.0.0.3",
      "10.0.0.255",
    ]);
    const v6 = parseCidr("2a05:d012:f61:3600::/64") as Cidr;
    expect(subnetReservedAddresses(v6).map(formatIp)).toEqual([
      "2a05:d012:f61:3600::",
      "2a05:d012:f61:3600::1",
      "2a05:d012:f61:3600::2",
      "2a05:d012:f61:3600::3",
      "2a05:d012:f61:3600:ffff:ffff:ffff:ffff",
    ]);
    expect(subnetUsableRange(parseCidr("10.0.0.0/30") as Cidr)).toBeUndefined();
  });
});
