/**
 * The examples /openapi.json and /docs show. Responses are made by the serialisers from typed domain
 * records, so an example has every field the API sends and cannot drift from it (the Redocly lint checks
 * each one against its schema).
 */
import type { ActivityEvent, Integration, Replica } from "@patchbay/core";
import { eventJson, integrationJson, replicaJson } from "./serialize.ts";

const AT = "2026-03-09T18:22:00.000Z";
const LATER = "2026-03-09T18:25:41.000Z";
export const EXAMPLE_REPLICA_ID = "rp_3k9x2m4v8q1t5w7z";
export const EXAMPLE_INTEGRATION_ID = "int_d8f2a1b3c4e5f6a7";
export const EXAMPLE_REQUEST_ID = "req_5t7w9z1b3d5f7h9k";

const replica: Replica = {
  id: EXAMPLE_REPLICA_ID,
  owner: "acme",
  name: "Ada",
  instructions: "You are Ada, the support assistant of Acme. Answer briefly and kindly.",
  model: "openai/gpt-4o-mini",
  greeting: "Hi, I'm Ada. How can I help?",
  stream: true,
  temperature: null,
  maxOutputTokens: null,
  createdAt: AT,
  updatedAt: AT,
};

const integration: Integration = {
  id: EXAMPLE_INTEGRATION_ID,
  owner: "acme",
  platform: "telegram",
  replicaId: EXAMPLE_REPLICA_ID,
  name: "Acme support bot",
  active: true,
  registration: "ok",
  bot: { id: "7012345678", username: "acme_support_bot" },
  channelIds: [],
  channels: [],
  guildId: null,
  guildName: null,
  workspaceId: null,
  workspaceName: null,
  mention: "@acme_support_bot",
  scope: "mentions",
  threadAutoCreate: false,
  welcomeMessage: null,
  delivery: "webhook",
  tokenLast4: "wxyz",
  messageCount: 42,
  connectedAt: AT,
  lastMessageAt: LATER,
  lastError: null,
  validatedAt: AT,
  createdAt: AT,
  updatedAt: AT,
  revision: 3,
};

const webhookUrl = `https://patchbay.example.org/webhooks/telegram/${EXAMPLE_INTEGRATION_ID}`;

export const replicaExample = replicaJson(replica);
export const replicaCreateExample = { name: replica.name, instructions: replica.instructions, model: replica.model, greeting: replica.greeting };
export const replicaPatchExample = { instructions: "You are Ada. Answer in the language of the question." };
export const replicaListExample = { data: [replicaExample], total: 1, next_cursor: null };
export const previewRequestExample = {
  text: "Do you ship to Norway?",
  history: [
    { role: "user", content: "Hi!" },
    { role: "assistant", content: "Hi, I'm Ada. How can I help?" },
  ],
};
export const previewExample = { answer: "Yes, we ship to Norway; delivery takes 3 to 5 working days.", model: replica.model, latency_ms: 840 };

export const integrationExample = integrationJson(integration, webhookUrl);
export const pendingIntegrationExample = { ...integrationJson({ ...integration, registration: "pending", messageCount: 0, lastMessageAt: null }, webhookUrl) };
export const integrationListExample = { data: [integrationExample], total: 1, next_cursor: null };

export const connectExamples = {
  telegram: { bot_token: "PASTE_THE_TOKEN_BOTFATHER_GAVE_YOU", scope: "mentions", name: "Acme support bot" },
  slack: { bot_token: "xoxb-PASTE-THE-BOT-USER-OAUTH-TOKEN", signing_secret: "PASTE_THE_APP_SIGNING_SECRET", scope: "mentions" },
  discord: { bot_token: "PASTE_THE_DISCORD_BOT_TOKEN", guild_id: "123456789012345678", thread_auto_create: true },
} as const;

export const integrationPatchExample = { scope: "all", channel_ids: ["-1001234567890"] };
export const validateExample = {
  valid: true,
  integration: { id: EXAMPLE_INTEGRATION_ID, status: "active", validated_at: LATER },
  warnings: [],
};
export const testRequestExample = { channel_id: "-1001234567890", text: "Hello from Patchbay" };
export const testExample = {
  id: EXAMPLE_INTEGRATION_ID,
  platform: "telegram",
  status: "active",
  test_result: { success: true, latency_ms: 212, message_id: "5012", delivered_at: LATER, error: null },
};
export const channelListExample = {
  data: [{ id: "-1001234567890", name: "Acme customers", is_private: false, member_count: 318, sync_enabled: true }],
};
export const channelsRequestExample = { channel_ids: ["-1001234567890"], sync_all: false };

const events: ActivityEvent[] = [
  {
    id: "tg:-1001234567890:5015",
    type: "replied",
    at: LATER,
    chatId: "-1001234567890",
    userId: "99887766",
    text: "@acme_support_bot is this the right cable?",
    latencyMs: 2630,
    messageIds: ["5016"],
    images: { received: 1, passed: 1, notPassed: [] },
  },
  { id: "tg:-1001234567890:5013", type: "replied", at: LATER, chatId: "-1001234567890", userId: "99887766", text: "@acme_support_bot do you ship to Norway?", latencyMs: 1840, messageIds: ["5014"] },
  { id: "tg:-1001234567890:5012", type: "ignored", at: AT, chatId: "-1001234567890", userId: "99887766", text: "thanks all", reason: "not_addressed" },
];
export const eventListExample = { data: events.map(eventJson), next_cursor: null };

export const deletedReplicaExample = { id: EXAMPLE_REPLICA_ID, deleted: true };
export const deletedIntegrationExample = { id: EXAMPLE_INTEGRATION_ID, deleted: true };
export const healthExample = { status: "ok", store: true, queue: true };
export const degradedExample = { status: "degraded", store: true, queue: false };
