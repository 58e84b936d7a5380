import { ConflictError, NotFoundError, PatchbayError, PlatformCallError, ValidationError } from "./errors.ts";
import { newId } from "./ids.ts";
import { chooseDelivery, deliveryWarning } from "./delivery.ts";
import type { Delivery, Listener } from "./delivery.ts";
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
  /** Transports this runtime runs besides webhooks (`npm start`: polling, Socket Mode, the Gateway; AWS: the Gateway). */
  listeners?: readonly Listener[];
}

export type IntegrationService = ReturnType<typeof createIntegrationService>;

const TEST_MESSAGE = "✅ Patchbay test message: this integration can post here.";
/** A bot claim without its integration this old is the leftover of a create that crashed. */
const ABANDONED_CLAIM_MS = 2 * 60 * 1000;
/** Times a change is re-applied to a freshly read record when another write got in between, before 409. */
const WRITE_ATTEMPTS = 4;

export type ReconcileOutcome = "unchanged" | "repaired" | "pending" | "failed" | "removed";

export function webhookUrl(publicUrl: string, platform: Platform, id: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/webhooks/${platform}/${id}`;
}

export function createIntegrationService(deps: IntegrationServiceDeps) {
  const { store, vault, clock, logger } = deps;
  const nowIso = () => new Date(clock.now()).toISOString();
  const urlOf = (integration: Integration) => webhookUrl(deps.publicUrl, integration.platform, integration.id);
  // The vault's `app_token` (Slack's app-level token) is what turns Socket Mode on.
  const deliveryOf = (platform: Platform, secrets: SecretBundle): Delivery =>
    chooseDelivery({ platform, publicUrl: deps.publicUrl, hasAppToken: secrets.app_token !== undefined, listeners: deps.listeners ?? [] });

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

  /**
   * Read, change, write conditional on the revision read; when another write got in between, the change is
   * applied again to the fresh record (never a stale copy written back), and after a few tries it is a 409.
   */
  const mutate = async (
    owner: string,
    id: string,
    change: (current: Integration) => Integration | Promise<Integration>,
  ): Promise<{ saved: Integration; previous: Integration }> => {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await get(owner, id);
      const next = await change(current);
      const outcome = await store.saveIntegration(next);
      if (outcome === "saved") return { saved: { ...next, revision: next.revision + 1 }, previous: current };
      if (outcome === "missing") throw new NotFoundError("integration", id);
    }
    throw new ConflictError(`Integration "${id}" is being changed by another request right now; try again.`);
  };

  const errorOf = (error: PatchbayError): LastError => ({ code: error.code, message: error.message, at: nowIso() });

  /**
   * Claims the bot. A claim whose integration does not exist is either a create still in progress or the
   * leftover of one that crashed: it is taken over only once it is old enough to be the latter.
   */
  const claimBot = async (owner: string, platform: Platform, botId: string, id: string) => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const claim = await store.claimBot(platform, botId, id, nowIso());
      if (claim.claimed) return;
      const holder = await store.getIntegration(claim.holder);
      if (holder?.owner === owner) {
        throw new ConflictError(
          `This ${platform} bot is already connected as integration "${claim.holder}"; delete that integration first or update it.`,
          { integration_id: claim.holder },
        );
      }
      // Another owner's integration id is theirs to know: the bot is taken, by whom is not said.
      if (holder) throw new ConflictError(`This ${platform} bot is already connected to Patchbay by another account.`);
      if (clock.now() - Date.parse(claim.claimedAt) < ABANDONED_CLAIM_MS) break;
      await store.releaseBot(platform, botId, claim.holder);
    }
    throw new ConflictError(`This ${platform} bot is being connected by another request; try again in a minute.`);
  };

  const unregister = async (integration: Integration, secrets: SecretBundle) => {
    try {
      await connectorFor(integration.platform).unregister(integration, secrets);
    } catch (error) {
      logger.warn("could not unregister at the platform", {
        integration_id: integration.id,
        code: error instanceof PatchbayError ? error.code : "INTERNAL",
      });
    }
  };

  /**
   * Registers the webhook; a retryable failure leaves the integration pending for the reconciler. Whoever
   * registers checks afterwards that the integration still exists: a delete that ran meanwhile may have
   * unregistered before this registration landed, so it is undone here (the delete retires the record first,
   * so one of the two always sees the other). Null when the integration is gone.
   */
  const register = async (integration: Integration, secrets: SecretBundle): Promise<Integration | null> => {
    try {
      const replica = await requireReplica(integration.owner, integration.replicaId);
      await connectorFor(integration.platform).register(integration, secrets, urlOf(integration), replica);
      const at = nowIso();
      if (!(await store.setRegistration(integration.id, "ok", null, at))) {
        await unregister(integration, secrets);
        return null;
      }
      return { ...integration, registration: "ok", lastError: null, updatedAt: at, revision: integration.revision + 1 };
    } catch (error) {
      if (error instanceof PlatformCallError && error.retryable) {
        const lastError = errorOf(error);
        if (!(await store.setRegistration(integration.id, "pending", lastError, lastError.at))) return null;
        logger.warn("webhook registration deferred", { integration_id: integration.id, code: error.code });
        return { ...integration, registration: "pending", lastError, updatedAt: lastError.at, revision: integration.revision + 1 };
      }
      throw error;
    }
  };

  /**
   * Everything after retiring: the platform registration, the secrets, the records (messages included), the
   * replica attachment and the bot claim. Idempotent, so the reconciler can finish a delete that stopped.
   */
  const cleanUp = async (integration: Integration, unregisterAtPlatform: boolean) => {
    const secrets = unregisterAtPlatform ? await vault.get(integration.id) : undefined;
    if (secrets) await unregister(integration, secrets);
    await vault.delete(integration.id);
    await store.deleteIntegration(integration.id);
    await store.detachReplica(integration.replicaId, integration.id);
    await store.releaseBot(integration.platform, integration.bot.id, integration.id);
  };

  /** Points an integration at a replica before any record says so; NotFound when the replica is gone. */
  const attachReplica = async (owner: string, replicaId: string, integrationId: string) => {
    if (!(await store.attachReplica(owner, replicaId, integrationId, nowIso()))) throw new NotFoundError("replica", replicaId);
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
      await claimBot(owner, platform, connection.bot.id, id);
      const now = nowIso();
      const scope = input.scope ?? "mentions";
      const delivery = deliveryOf(platform, connection.secrets);
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
        delivery,
        tokenLast4: input.botToken.slice(-4),
        messageCount: 0,
        connectedAt: now,
        lastMessageAt: null,
        lastError: null,
        validatedAt: now,
        createdAt: now,
        updatedAt: now,
        revision: 0,
      };
      try {
        await attachReplica(owner, input.replicaId, id);
        await vault.put(id, connection.secrets);
        await store.createIntegration(integration);
        const registered = await register(integration, connection.secrets);
        if (!registered) throw new NotFoundError("integration", id);
        const warning = deliveryWarning(platform, delivery, deps.publicUrl);
        const warnings = warning ? [...connection.warnings, warning] : connection.warnings;
        return { integration: registered, registered: registered.registration === "ok", warnings };
      } catch (error) {
        await store.retireIntegration(id, nowIso());
        await cleanUp(integration, false);
        throw error;
      }
    },

    async list(owner: string, filter: IntegrationFilter, page: PageRequest): Promise<Page<Integration>> {
      if (filter.replicaId) await requireReplica(owner, filter.replicaId);
      return store.listIntegrations(owner, filter, page);
    },

    async update(owner: string, id: string, patch: IntegrationPatch): Promise<Integration> {
      const current = await get(owner, id);
      const applyPatch = (fresh: Integration): Integration => ({
        ...fresh,
        name: patch.name ?? fresh.name,
        replicaId: patch.replicaId ?? fresh.replicaId,
        active: patch.active ?? fresh.active,
        scope: resolveScope(fresh.scope, patch),
        mention: patch.mention === undefined ? fresh.mention : patch.mention,
        welcomeMessage: patch.welcomeMessage === undefined ? fresh.welcomeMessage : patch.welcomeMessage,
        threadAutoCreate: patch.threadAutoCreate ?? fresh.threadAutoCreate,
        channelIds: patch.channelIds ?? fresh.channelIds,
        updatedAt: nowIso(),
      });
      applyPatch(current); // a contradiction in the patch is a 400 before anything happens

      // Rotation: the new token must belong to the same bot; it is validated before anything is written.
      let rotation: { connection: Connection; botToken: string } | undefined;
      if (patch.botToken !== undefined) {
        const connection = await connectorFor(current.platform).connect({
          botToken: patch.botToken,
          scope: resolveScope(current.scope, patch),
          options: { ...(await secretsOf(current)), workspace_id: current.workspaceId, guild_id: current.guildId },
        });
        if (connection.bot.id !== current.bot.id) {
          throw new ValidationError([
            { field: "bot_token", message: `belongs to a different bot (${connection.bot.username}); connect it as a new integration` },
          ]);
        }
        rotation = { connection, botToken: patch.botToken };
      }

      // A new replica is attached before the record points at it, so it cannot be deleted in between.
      const newReplica = patch.replicaId !== undefined && patch.replicaId !== current.replicaId ? patch.replicaId : undefined;
      if (newReplica !== undefined) await attachReplica(owner, newReplica, id);
      if (rotation) await vault.put(id, rotation.connection.secrets);
      let result: { saved: Integration; previous: Integration };
      try {
        result = await mutate(owner, id, (fresh) => {
          const next = applyPatch(fresh);
          return rotation
            ? { ...next, bot: rotation.connection.bot, tokenLast4: rotation.botToken.slice(-4), validatedAt: next.updatedAt }
            : next;
        });
      } catch (error) {
        const fresh = await store.getIntegration(id);
        if (newReplica !== undefined && fresh?.replicaId !== newReplica) await store.detachReplica(newReplica, id);
        // Deleted meanwhile: the delete may have emptied the vault before the new token went in; it goes too.
        if (rotation && !fresh) await vault.delete(id);
        throw error;
      }
      const { saved, previous } = result;
      if (previous.replicaId !== saved.replicaId) await store.detachReplica(previous.replicaId, id);
      if (!rotation) return saved;
      const registered = await register(saved, rotation.connection.secrets);
      if (!registered) throw new NotFoundError("integration", id);
      return registered;
    },

    /**
     * Retires the record first (lookups answer 404, every concurrent write fails from then on), then removes
     * the rest: whatever raced the delete notices the retirement after its own write and undoes it.
     */
    async delete(owner: string, id: string): Promise<void> {
      await get(owner, id);
      const retired = await store.retireIntegration(id, nowIso());
      if (!retired) throw new NotFoundError("integration", id);
      await cleanUp(retired, true);
    },

    async validate(owner: string, id: string): Promise<ValidateResult> {
      const integration = await get(owner, id);
      try {
        const report = await connectorFor(integration.platform).validate(integration, await secretsOf(integration), urlOf(integration));
        const at = nowIso();
        const { saved } = await mutate(owner, id, (fresh) => ({ ...fresh, registration: "ok", lastError: null, validatedAt: at, updatedAt: at }));
        return { valid: true, integration: saved, warnings: report.warnings };
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
      const channelIds = input.syncAll ? [] : input.channelIds;
      return (await mutate(owner, id, (fresh) => ({ ...fresh, channelIds, updatedAt: nowIso() }))).saved;
    },

    async events(owner: string, id: string, page: PageRequest): Promise<Page<ActivityEvent>> {
      await get(owner, id);
      return store.listEvents(id, page, clock.now());
    },

    /**
     * Background repair of one scanned integration, on a fresh read: registers a pending one, re-registers one
     * whose webhook drifted (someone re-pointed the bot), and finishes a delete that stopped half-way. What
     * cannot be repaired ends as `error` with a clear `last_error`.
     */
    async reconcile(scanned: Integration): Promise<ReconcileOutcome> {
      const integration = await store.getIntegration(scanned.id);
      if (!integration) {
        // Scanned but gone: retired by a delete that is running or that stopped; finishing it is harmless.
        await cleanUp(scanned, true);
        return "removed";
      }
      const secrets = await vault.get(integration.id);
      if (!secrets) return "unchanged";
      const connector = connectorFor(integration.platform);
      try {
        // The runtime's configuration decides how messages arrive (PUBLIC_URL changed, npm start or AWS).
        const delivery = deliveryOf(integration.platform, secrets);
        if (integration.delivery !== delivery) {
          const { saved } = await mutate(integration.owner, integration.id, (fresh) => ({ ...fresh, delivery, registration: "pending" }));
          const registered = await register(saved, secrets);
          if (!registered) return "removed";
          return registered.registration === "ok" ? "repaired" : "pending";
        }
        if (integration.registration !== "pending" && (await connector.isRegistered(integration, secrets, urlOf(integration)))) {
          if (integration.registration === "ok") return "unchanged";
          return (await store.setRegistration(integration.id, "ok", null, nowIso())) ? "repaired" : "removed";
        }
        const registered = await register(integration, secrets);
        if (!registered) return "removed";
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
