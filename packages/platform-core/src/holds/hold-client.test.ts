import { describe, expect, it } from "vitest";
import { clientAddressPrefix, identifyHoldClient } from "./hold-client.ts";

const SECRET = "s".repeat(32);

describe("clientAddressPrefix", () => {
  it("keeps an IPv4 address whole, with or without a port", () => {
    expect(clientAddressPrefix("203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddressPrefix(" 203.0.113.7:51234 ")).toBe("203.0.113.7");
  });

  it("names an IPv6 client by its /64, however the address is written", () => {
    const a = clientAddressPrefix("2001:db8:1:2:aaaa::1");
    expect(a).toBe("2001:0db8:0001:0002::/64");
    expect(clientAddressPrefix("2001:DB8:1:2:ffff:ffff:ffff:ffff")).toBe(a);
    expect(clientAddressPrefix("[2001:db8:1:2::9]")).toBe(a);
    expect(clientAddressPrefix("2001:db8:1:2::9%eth0")).toBe(a);
    expect(clientAddressPrefix("2001:db8:1:3::9")).not.toBe(a);
    expect(clientAddressPrefix("::1")).toBe("0000:0000:0000:0000::/64");
    expect(clientAddressPrefix("64:ff9b::192.0.2.1")).toBe("0064:ff9b:0000:0000::/64");
  });

  it("reads an IPv4-mapped IPv6 address as the IPv4 one", () => {
    expect(clientAddressPrefix("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("gives nothing for what is not an address", () => {
    for (const junk of ["", "unknown", "203.0.113.256", "1.2.3", "<script>", "2001:db8::1::2", "a".repeat(5000)]) {
      expect(clientAddressPrefix(junk)).toBeUndefined();
    }
  });
});

describe("identifyHoldClient", () => {
  it("hashes with the secret: the same client is the same key, another secret another key", () => {
    const one = identifyHoldClient({ address: "203.0.113.7", buyerId: "b1", secret: SECRET });
    expect(one.address).toMatch(/^[0-9a-f]{32}$/);
    expect(one.buyer).toMatch(/^[0-9a-f]{32}$/);
    expect(identifyHoldClient({ address: "203.0.113.7:9", buyerId: "b1", secret: SECRET })).toEqual(one);
    expect(identifyHoldClient({ address: "203.0.113.7", buyerId: "b1", secret: "t".repeat(32) }).address).not.toBe(
      one.address,
    );
    // The address and the buyer id never collide, even when equal as text.
    expect(identifyHoldClient({ address: "203.0.113.7", buyerId: "203.0.113.7", secret: SECRET }).buyer).not.toBe(
      one.address,
    );
  });

  it("names only what it was given, and refuses a short secret", () => {
    expect(identifyHoldClient({ address: "nonsense", secret: SECRET })).toEqual({});
    expect(Object.keys(identifyHoldClient({ buyerId: "b1", secret: SECRET }))).toEqual(["buyer"]);
    expect(() => identifyHoldClient({ address: "203.0.113.7", secret: "short" })).toThrow(/at least 32/);
  });
});
