import { ConflictError, NotFoundError, PatchbayError, PlatformCallError, ValidationError } from "./errors.ts";
import { newId } from "./ids.ts";
import { integrationStatus } from "./model.ts";
import type { ActivityEvent, Integration, LastError, Platform, Replica, Scope } from "./model.ts";
import type {
  Clock,
  Connection,
  IntegrationFilter,
  Logger,
  Page,
  PageRequest,
  PlatformConnector,
  SecretBundle,
  Store,
  TokenVault,
} from "./ports.ts";

export interface ConnectInput {
  replicaId: string;
  botToken: string;
  name?: string | undefined;
  scope?: Scope | undefined;
  mention?: string | undefined;
  welcomeMessage?: string | null | undefined;
  channelIds?: string[] | undefined;
  threadAutoCreate?: boolean | undefined;
  /** Platform-specific inputs (signing secret, guild id, workspace id). */
  options: Record<string, unknown>;
}

export interface IntegrationPatch {
  name?: string | undefined;
  replicaId?: string | undefined;
  active?: boolean | undefined;
  scope?: Scope | undefined;
  autoRespond?: boolean | undefined;
  mention?: string | null | undefined;
  welcomeMessage?: string | null | undefined;
  threadAutoCreate?: boolean | undefined;
  channelIds?: string[] | undefined;
  botToken?: string | undefined;
}

export interface ConnectResult {
  integration: Integration;
  /** False when the platform could not be reached and registration goes on in the background. */
  registered: boolean;
  warnings: string[];
}

export type ValidateResult =
  | { valid: true; integration: Integration; warnings: string[] }
  | { valid: false; error: { code: string; message: string; [detail: string]: unknown } };

export interface TestResult {
  integration: Integration;
  success: boolean;
  latencyMs: number;
  messageId: string | null;
  deliveredAt: string | null;
  error: { code: string; message: string } | null;
}

export interface ChannelView {
  id: string;
  name: string;
  isPrivate: boolean;
  memberCount?: number | undefined;
  syncEnabled: boolean;
}

export interface IntegrationServiceDeps {
  store: Store;
  vault: TokenVault;
  clock: Clock;
  logger: Logger;
  connectors: Partial<Record<Platform, PlatformConnector>>;
  /** Base URL platforms call back; webhooks live at `{publicUrl}/webhooks/{platform}/{id}`. */
  publicUrl: string;
}

export type IntegrationService = ReturnType<typeof createIntegrationService>;

const TEST_MESSAGE = "✅ Patchbay test message: this integration can post here.";
/** A bot claim without its integration this old is the leftover of a create that crashed. */
const ABANDONED_CLAIM_MS = 2 * 60 * 1000;

export function webhookUrl(publicUrl: string, platform: Platform, id: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/webhooks/${platform}/${id}`;
}

export function createIntegrationService(deps: IntegrationServiceDeps) {
  const { store, vault, clock, logger } = deps;
  const nowIso = () => new Date(clock.now()).toISOString();
  const urlOf = (integration: Integration) => webhookUrl(deps.publicUrl, integration.platform, integration.id);

  const connectorFor = (platform: Platform): PlatformConnector => {
    const connector = deps.connectors[platform];
    if (!connector) {
      throw new PatchbayError("PLATFORM_ERROR", `${platform} is not available in this deployment yet.`);
    }
    return connector;
  };

  const get = async (owner: string, id: string): Promise<Integration> => {
    const integration = await store.getIntegration(id);
    if (!integration || integration.owner !== owner) throw new NotFoundError("integration", id);
    return integration;
  };

  const secretsOf = async (integration: Integration): Promise<SecretBundle> => {
    const secrets = await vault.get(integration.id);
    if (!secrets) {
      throw new PatchbayError("INTERNAL", `The secrets of integration "${integration.id}" are missing.`);
    }
    return secrets;
  };

  const requireReplica = async (owner: string, replicaId: string): Promise<Replica> => {
    const replica = await store.getReplica(owner, replicaId);
    if (!replica) throw new NotFoundError("replica", replicaId);
    return replica;
  };

  const save = async (integration: Integration): Promise<Integration> => {
    if (!(await store.saveIntegration(integration))) throw new NotFoundError("integration", integration.id);
    return integration;
  };

  const errorOf = (error: PatchbayError): LastError => ({ code: error.code, message: error.message, at: nowIso() });

  /**
   * Claims the bot. A claim whose integration does not exist is either a create still in progress or the
   * leftover of one that crashed: it is taken over only once it is old enough to be the latter.
   */
  const claimBot = async (platform: Platform, botId: string, id: string) => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const claim = await store.claimBot(platform, botId, id, nowIso());
      if (claim.claimed) return;
      if (await store.getIntegration(claim.holder)) {
        throw new ConflictError(
          `This ${platform} bot is already connected as integration "${claim.holder}"; delete that integration first or update it.`,
          { integration_id: claim.holder },
        );
      }
      if (clock.now() - Date.parse(claim.claimedAt) < ABANDONED_CLAIM_MS) break;
      await store.releaseBot(platform, botId, claim.holder);
    }
    throw new ConflictError(`This ${platform} bot is being connected by another request; try again in a minute.`);
  };

  /** Registers the webhook; a retryable failure leaves the integration pending for the reconciler. */
  const register = async (integration: Integration, secrets: SecretBundle): Promise<Integration> => {
    try {
      const replica = await requireReplica(integration.owner, integration.replicaId);
      await connectorFor(integration.platform).register(integration, secrets, urlOf(integration), replica);
      const at = nowIso();
      await store.setRegistration(integration.id, "ok", null, at);
      return { ...integration, registration: "ok", lastError: null, updatedAt: at };
    } catch (error) {
      if (error instanceof PlatformCallError && error.retryable) {
        const lastError = errorOf(error);
        await store.setRegistration(integration.id, "pending", lastError, lastError.at);
        logger.warn("webhook registration deferred", { integration_id: integration.id, code: error.code });
        return { ...integration, registration: "pending", lastError, updatedAt: lastError.at };
      }
      throw error;
    }
  };

  const removeEverywhere = async (integration: Integration, secrets: SecretBundle | undefined) => {
    if (secrets) {
      try {
        await connectorFor(integration.platform).unregister(integration, secrets);
      } catch (error) {
        logger.warn("could not unregister at the platform", {
          integration_id: integration.id,
          code: error instanceof PatchbayError ? error.code : "INTERNAL",
        });
      }
    }
    await store.deleteIntegration(integration.id);
    await vault.delete(integration.id);
    await store.releaseBot(integration.platform, integration.bot.id, integration.id);
  };

  return {
    get,

    webhookUrl: urlOf,

    /** Whether this deployment can connect bots of a platform. */
    supports: (platform: Platform) => deps.connectors[platform] !== undefined,

    async connect(owner: string, platform: Platform, input: ConnectInput): Promise<ConnectResult> {
      const connector = connectorFor(platform);
      await requireReplica(owner, input.replicaId);
      const connection: Connection = await connector.connect({
        botToken: input.botToken,
        scope: input.scope ?? "mentions",
        options: input.options,
      });
      const id = newId("int");
      await claimBot(platform, connection.bot.id, id);
      const now = nowIso();
      const scope = input.scope ?? "mentions";
      const integration: Integration = {
        id,
        owner,
        platform,
        replicaId: input.replicaId,
        name: input.name ?? connection.bot.username,
        active: true,
        registration: "pending",
        bot: connection.bot,
        channelIds: input.channelIds ?? [],
        channels: connection.fields.channels ?? [],
        guildId: connection.fields.guildId ?? null,
        guildName: connection.fields.guildName ?? null,
        workspaceId: connection.fields.workspaceId ?? null,
        workspaceName: connection.fields.workspaceName ?? null,
        mention: input.mention ?? connection.fields.mention ?? null,
        scope,
        threadAutoCreate: input.threadAutoCreate ?? false,
        welcomeMessage: input.welcomeMessage ?? null,
        tokenLast4: input.botToken.slice(-4),
        messageCount: 0,
        connectedAt: now,
        lastMessageAt: null,
        lastError: null,
        validatedAt: now,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await vault.put(id, connection.secrets);
        await store.createIntegration(integration);
        const registered = await register(integration, connection.secrets);
        return { integration: registered, registered: registered.registration === "ok", warnings: connection.warnings };
      } catch (error) {
        await removeEverywhere(integration, undefined);
        throw error;
      }
    },

    async list(owner: string, filter: IntegrationFilter, page: PageRequest): Promise<Page<Integration>> {
      if (filter.replicaId) await requireReplica(owner, filter.replicaId);
      return store.listIntegrations(owner, filter, page);
    },

    async update(owner: string, id: string, patch: IntegrationPatch): Promise<Integration> {
      const current = await get(owner, id);
      if (patch.replicaId !== undefined && patch.replicaId !== current.replicaId) {
        await requireReplica(owner, patch.replicaId);
      }
      const scope = resolveScope(current.scope, patch);
      let next: Integration = {
        ...current,
        name: patch.name ?? current.name,
        replicaId: patch.replicaId ?? current.replicaId,
        active: patch.active ?? current.active,
        scope,
        mention: patch.mention === undefined ? current.mention : patch.mention,
        welcomeMessage: patch.welcomeMessage === undefined ? current.welcomeMessage : patch.welcomeMessage,
        threadAutoCreate: patch.threadAutoCreate ?? current.threadAutoCreate,
        channelIds: patch.channelIds ?? current.channelIds,
        updatedAt: nowIso(),
      };
      if (patch.botToken === undefined) return save(next);

      // Rotation: the new token must belong to the same bot; it is validated and re-registered.
      const connection = await connectorFor(current.platform).connect({
        botToken: patch.botToken,
        scope,
        options: { ...(await secretsOf(current)), workspace_id: current.workspaceId, guild_id: current.guildId },
      });
      if (connection.bot.id !== current.bot.id) {
        throw new ValidationError([
          { field: "bot_token", message: `belongs to a different bot (${connection.bot.username}); connect it as a new integration` },
        ]);
      }
      await vault.put(id, connection.secrets);
      next = await save({ ...next, bot: connection.bot, tokenLast4: patch.botToken.slice(-4), validatedAt: next.updatedAt });
      return register(next, connection.secrets);
    },

    async delete(owner: string, id: string): Promise<void> {
      const integration = await get(owner, id);
      await removeEverywhere(integration, await vault.get(id));
    },

    async validate(owner: string, id: string): Promise<ValidateResult> {
      const integration = await get(owner, id);
      try {
        const report = await connectorFor(integration.platform).validate(integration, await secretsOf(integration), urlOf(integration));
        const at = nowIso();
        const next = await save({ ...integration, registration: "ok", lastError: null, validatedAt: at, updatedAt: at });
        return { valid: true, integration: next, warnings: report.warnings };
      } catch (error) {
        if (!(error instanceof PlatformCallError)) throw error;
        const lastError = errorOf(error);
        await store.setRegistration(id, error.retryable ? integration.registration : "error", lastError, lastError.at);
        return { valid: false, error: { code: error.code, message: error.message, ...error.details } };
      }
    },

    async test(owner: string, id: string, input: { channelId?: string | undefined; text?: string | undefined }): Promise<TestResult> {
      const integration = await get(owner, id);
      const started = clock.now();
      try {
        const sent = await connectorFor(integration.platform).sendTest(
          integration,
          await secretsOf(integration),
          input.channelId,
          input.text ?? TEST_MESSAGE,
        );
        const delivered = clock.now();
        return {
          integration,
          success: true,
          latencyMs: delivered - started,
          messageId: sent.messageId,
          deliveredAt: new Date(delivered).toISOString(),
          error: null,
        };
      } catch (error) {
        if (!(error instanceof PlatformCallError)) throw error;
        return {
          integration,
          success: false,
          latencyMs: clock.now() - started,
          messageId: null,
          deliveredAt: null,
          error: { code: error.code, message: error.message },
        };
      }
    },

    async channels(owner: string, id: string): Promise<ChannelView[]> {
      const integration = await get(owner, id);
      const channels = await connectorFor(integration.platform).listChannels(integration, await secretsOf(integration));
      const allowed = new Set(integration.channelIds);
      return channels.map((c) => ({
        id: c.id,
        name: c.name,
        isPrivate: c.isPrivate,
        memberCount: c.memberCount,
        syncEnabled: allowed.size === 0 || allowed.has(c.id),
      }));
    },

    async setChannels(owner: string, id: string, input: { channelIds: string[]; syncAll: boolean }): Promise<Integration> {
      const integration = await get(owner, id);
      if (!input.syncAll && input.channelIds.length === 0) {
        throw new ValidationError([
          { field: "channel_ids", message: "must name at least one channel unless sync_all is true" },
        ]);
      }
      return save({ ...integration, channelIds: input.syncAll ? [] : input.channelIds, updatedAt: nowIso() });
    },

    async events(owner: string, id: string, page: PageRequest): Promise<Page<ActivityEvent>> {
      await get(owner, id);
      return store.listEvents(id, page, clock.now());
    },

    /**
     * Background repair: registers a pending integration, and re-registers one whose webhook drifted
     * (someone re-pointed the bot). What cannot be repaired ends as `error` with a clear `last_error`.
     */
    async reconcile(integration: Integration): Promise<"unchanged" | "repaired" | "pending" | "failed"> {
      const secrets = await vault.get(integration.id);
      if (!secrets) return "unchanged";
      const connector = connectorFor(integration.platform);
      try {
        if (integration.registration !== "pending" && (await connector.isRegistered(integration, secrets, urlOf(integration)))) {
          if (integration.registration === "ok") return "unchanged";
          await store.setRegistration(integration.id, "ok", null, nowIso());
          return "repaired";
        }
        const registered = await register(integration, secrets);
        return registered.registration === "ok" ? "repaired" : "pending";
      } catch (error) {
        if (error instanceof PlatformCallError && error.retryable) return "pending";
        const known = error instanceof PatchbayError ? error : new PatchbayError("INTERNAL", "Unexpected failure while checking the webhook.");
        const lastError = errorOf(known);
        await store.setRegistration(integration.id, "error", lastError, lastError.at);
        return "failed";
      }
    },

    status: integrationStatus,
  };
}

/** `auto_respond` is another spelling of `scope: all`; both given must agree. */
function resolveScope(current: Scope, patch: IntegrationPatch): Scope {
  const { scope, autoRespond } = patch;
  if (scope !== undefined && autoRespond !== undefined && (scope === "all") !== autoRespond) {
    throw new ValidationError([
      { field: "auto_respond", message: `contradicts scope "${scope}" (auto_respond is true exactly when scope is "all")` },
    ]);
  }
  if (scope !== undefined) return scope;
  if (autoRespond === true) return "all";
  if (autoRespond === false && current === "all") return "mentions";
  return current;
}
