import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
} from "@aws-sdk/client-secrets-manager";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SecretBundle, TokenVault } from "@patchbay/core";

export interface SecretsManagerVaultOptions {
  /** Every secret lives under this name prefix (the stage's), which is all the functions may touch. */
  prefix: string;
  /** How long a warm function trusts a secret it read; a rotated token reaches other instances within this. */
  cacheTtlMs: number;
  now?: () => number;
}

/** One Secrets Manager secret per integration, with an in-memory cache so warm ingress does not call it per message. */
export function createSecretsManagerVault(client: SecretsManagerClient, options: SecretsManagerVaultOptions): TokenVault {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { secrets: SecretBundle; until: number }>();
  const nameOf = (id: string) => `${options.prefix}${id}`;
  const remember = (id: string, secrets: SecretBundle) => cache.set(id, { secrets: { ...secrets }, until: now() + options.cacheTtlMs });

  return {
    async put(id, secrets) {
      const SecretString = JSON.stringify(secrets);
      try {
        await client.send(new CreateSecretCommand({ Name: nameOf(id), SecretString }));
      } catch (error) {
        if (!(error instanceof ResourceExistsException)) throw error;
        await client.send(new PutSecretValueCommand({ SecretId: nameOf(id), SecretString }));
      }
      remember(id, secrets);
    },

    async get(id) {
      const cached = cache.get(id);
      if (cached && cached.until > now()) return { ...cached.secrets };
      try {
        const result = await client.send(new GetSecretValueCommand({ SecretId: nameOf(id) }));
        const secrets = JSON.parse(result.SecretString ?? "{}") as SecretBundle;
        remember(id, secrets);
        return { ...secrets };
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      }
    },

    async delete(id) {
      cache.delete(id);
      try {
        // No recovery window: a deleted integration leaves no secret behind for 7–30 days.
        await client.send(new DeleteSecretCommand({ SecretId: nameOf(id), ForceDeleteWithoutRecovery: true }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    },
  };
}
