import { CreateSecretCommand, DeleteSecretCommand, GetSecretValueCommand, PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { mockSecretsManager } from "@patchbay/testing/aws-mocks";
import { describe, expect, test } from "vitest";
import { describeVaultContract } from "@patchbay/testing/contracts";
import { createSecretsManagerVault } from "../src/secrets-manager-vault.ts";

const PREFIX = "patchbay/prod/";

describeVaultContract("Secrets Manager (mocked service)", async () =>
  createSecretsManagerVault(mockSecretsManager().client, { prefix: PREFIX, cacheTtlMs: 0 }),
);

describe("Secrets Manager vault", () => {
  test("one secret per integration under the stage prefix; an existing one gets a new value", async () => {
    const { client, mock } = mockSecretsManager();
    const vault = createSecretsManagerVault(client, { prefix: PREFIX, cacheTtlMs: 60_000 });
    await vault.put("int_1", { bot_token: "t1" });
    await vault.put("int_1", { bot_token: "t2" });
    expect(mock.commandCalls(CreateSecretCommand).map((c) => c.args[0].input)).toEqual([
      { Name: "patchbay/prod/int_1", SecretString: '{"bot_token":"t1"}' },
      { Name: "patchbay/prod/int_1", SecretString: '{"bot_token":"t2"}' },
    ]);
    expect(mock.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: "patchbay/prod/int_1", SecretString: '{"bot_token":"t2"}' },
    ]);
  });

  test("a warm instance reads a secret once per TTL", async () => {
    const { client, mock, secrets } = mockSecretsManager();
    secrets.set("patchbay/prod/int_1", '{"signing_secret":"s"}');
    let now = 0;
    const vault = createSecretsManagerVault(client, { prefix: PREFIX, cacheTtlMs: 300_000, now: () => now });
    for (let i = 0; i < 5; i++) expect(await vault.get("int_1")).toEqual({ signing_secret: "s" });
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now = 300_001;
    await vault.get("int_1");
    expect(mock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: "patchbay/prod/int_1" },
      { SecretId: "patchbay/prod/int_1" },
    ]);
  });

  test("delete forces deletion without a recovery window and forgets the cached copy", async () => {
    const { client, mock } = mockSecretsManager();
    const vault = createSecretsManagerVault(client, { prefix: PREFIX, cacheTtlMs: 300_000 });
    await vault.put("int_1", { bot_token: "t" });
    await vault.delete("int_1");
    expect(mock.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: "patchbay/prod/int_1", ForceDeleteWithoutRecovery: true },
    ]);
    expect(await vault.get("int_1")).toBeUndefined();
  });

  test("service failures other than not-found are not hidden", async () => {
    const { client, mock } = mockSecretsManager();
    mock.on(GetSecretValueCommand).rejects(new Error("AccessDeniedException"));
    const vault = createSecretsManagerVault(client, { prefix: PREFIX, cacheTtlMs: 0 });
    await expect(vault.get("int_1")).rejects.toThrow("AccessDeniedException");
  });
});
