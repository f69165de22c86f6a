import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next-path.ts";

describe("safeNextPath", () => {
  it("keeps paths on this site", () => {
    expect(safeNextPath("/cms/shop/a/data/inventory?q=tee#top")).toBe("/cms/shop/a/data/inventory?q=tee#top");
    expect(safeNextPath(undefined)).toBe("/cms");
  });

  it("sends anything that could leave the site to /cms", () => {
    for (const hostile of [
      "//evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "https://evil.example",
      "javascript:alert(1)",
      "/%09/evil.example".replace("%09", "\t"),
      " /cms",
      "evil.example",
    ]) {
      const target = safeNextPath(hostile);
      expect(target, JSON.stringify(hostile)).toMatch(/^\/(?!\/)/);
      expect(new URL(target, "http://cms.test").host, JSON.stringify(hostile)).toBe("cms.test");
    }
  });
});
