import { describe, expect, test } from "vitest";
import type { TokenVault } from "@patchbay/core";

/** What every TokenVault must do; run by each implementation's tests. */
export function describeVaultContract(name: string, makeVault: () => Promise<TokenVault>) {
  describe(`TokenVault contract: ${name}`, () => {
    test("put then get returns the same secrets", async () => {
      const vault = await makeVault();
      await vault.put("int_a1", { bot_token: "123:abc", webhook_secret: "s3cret" });
      expect(await vault.get("int_a1")).toEqual({ bot_token: "123:abc", webhook_secret: "s3cret" });
    });

    test("put replaces the whole bundle", async () => {
      const vault = await makeVault();
      await vault.put("int_a2", { bot_token: "old", extra: "x" });
      await vault.put("int_a2", { bot_token: "new" });
      expect(await vault.get("int_a2")).toEqual({ bot_token: "new" });
    });

    test("unknown id gives undefined", async () => {
      const vault = await makeVault();
      expect(await vault.get("int_missing")).toBeUndefined();
    });

    test("delete removes the secrets and is idempotent", async () => {
      const vault = await makeVault();
      await vault.put("int_a3", { bot_token: "t" });
      await vault.delete("int_a3");
      await vault.delete("int_a3");
      expect(await vault.get("int_a3")).toBeUndefined();
    });

    test("a returned bundle cannot change what is stored", async () => {
      const vault = await makeVault();
      await vault.put("int_a4", { bot_token: "t" });
      const got = await vault.get("int_a4");
      got!.bot_token = "changed";
      expect((await vault.get("int_a4"))?.bot_token).toBe("t");
    });
  });
}
