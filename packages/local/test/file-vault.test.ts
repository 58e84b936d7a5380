import { stat, writeFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { describeVaultContract } from "@patchbay/testing/contracts";
import { createFileVault as createVaultWithSealer } from "../src/file-vault.ts";
import { loadSealer } from "../src/sealing.ts";
import { filesUnder, tempDataDir } from "./helpers.ts";

const createFileVault = async (dir: string) => createVaultWithSealer(dir, await loadSealer(join(dir, "vault.key")));

describeVaultContract("encrypted file vault", async () => createFileVault(await tempDataDir()));

describe("encrypted file vault on disk", () => {
  const TOKEN = "7700112233:vault-test-bot-token";

  test("the key is created on first start with mode 0600 and reused after", async () => {
    const dir = await tempDataDir();
    await (await createFileVault(dir)).put("int_1", { bot_token: TOKEN });
    const keyFile = join(dir, "vault.key");
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const again = await createFileVault(dir);
    expect(await again.get("int_1")).toEqual({ bot_token: TOKEN });
  });

  test("no secret is on disk in plain text, and entries are 0600", async () => {
    const dir = await tempDataDir();
    await (await createFileVault(dir)).put("int_1", { bot_token: TOKEN, webhook_secret: "hook-secret-value-123" });
    const files = await filesUnder(dir);
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      expect(file.content.toString("utf8")).not.toContain(TOKEN);
      expect(file.content.toString("utf8")).not.toContain("hook-secret-value-123");
      expect((await stat(file.path)).mode & 0o777).toBe(0o600);
    }
  });

  test("a tampered entry or one moved to another integration fails to open", async () => {
    const dir = await tempDataDir();
    await (await createFileVault(dir)).put("int_1", { bot_token: TOKEN });
    const sealed = await readFile(join(dir, "vault", "int_1.json"), "utf8");
    await writeFile(join(dir, "vault", "int_2.json"), sealed);
    await expect((await createFileVault(dir)).get("int_2")).rejects.toThrow();
    const tampered = JSON.parse(sealed);
    tampered.data = Buffer.from("x".repeat(40)).toString("base64");
    await writeFile(join(dir, "vault", "int_1.json"), JSON.stringify(tampered));
    await expect((await createFileVault(dir)).get("int_1")).rejects.toThrow();
  });

  test("a vault key of the wrong size is refused with a clear message", async () => {
    const dir = await tempDataDir();
    await writeFile(join(dir, "vault.key"), Buffer.alloc(8).toString("base64"));
    await expect(createFileVault(dir)).rejects.toThrow(/not 32 bytes/);
  });
});
