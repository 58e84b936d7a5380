import { readFileSync, readdirSync } from "node:fs";
import { newId } from "@patchbay/core";
import type { Integration, Platform } from "@patchbay/core";

/** The recorded payloads of one platform, by file name, from `test/fixtures/<platform>/` (sources in its README). */
export function fixtureFolder(platform: Platform) {
  const folder = new URL(`../fixtures/${platform}/`, import.meta.url);
  const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`${name}.json`, folder), "utf8")) as unknown;
  const fixtures = (): { name: string; body: unknown }[] =>
    readdirSync(folder)
      .filter((file) => file.endsWith(".json"))
      .sort()
      .map((file) => ({ name: file.slice(0, -".json".length), body: fixture(file.slice(0, -".json".length)) }));
  return { fixture, fixtures };
}

/** An integration record as the store keeps it: scope `mentions`, active, no channel filter, webhook delivery. */
export function integrationRecord(platform: Platform, fields: Partial<Integration> & Pick<Integration, "bot" | "name">): Integration {
  const at = "2026-12-01T00:00:00.000Z";
  return {
    id: newId("int"),
    owner: `owner_${platform}_case`,
    platform,
    replicaId: `rp_${platform}case`,
    active: true,
    registration: "ok",
    channelIds: [],
    channels: [],
    guildId: null,
    guildName: null,
    workspaceId: null,
    workspaceName: null,
    mention: null,
    scope: "mentions",
    threadAutoCreate: false,
    welcomeMessage: null,
    delivery: "webhook",
    tokenLast4: "TEST",
    messageCount: 0,
    connectedAt: at,
    lastMessageAt: null,
    lastError: null,
    validatedAt: null,
    createdAt: at,
    updatedAt: at,
    revision: 0,
    ...fields,
  };
}
