import type { Listener } from "@patchbay/core";
import { startDiscordGateway } from "./discord-gateway.ts";
import { createGatewayResumeStore } from "./discord-gateway-resume.ts";
import type { DiscordGatewayOptions } from "./discord-gateway.ts";
import { createOffsetStore } from "./offset-store.ts";
import { startSlackSocketMode } from "./slack-socket-mode.ts";
import type { SlackSocketModeOptions } from "./slack-socket-mode.ts";
import { startTransportSupervisor } from "./supervisor.ts";
import type { TransportSupervisor } from "./supervisor.ts";
import { startTelegramPolling } from "./telegram-polling.ts";
import type { TelegramPollingOptions } from "./telegram-polling.ts";
import type { TransportDeps, TransportFactory } from "./transport.ts";

export type { TransportSupervisor } from "./supervisor.ts";
export type { TransportDeps } from "./transport.ts";

/** The listeners `npm start` runs: Telegram long polling, Slack Socket Mode and Discord's Gateway. */
export const LOCAL_LISTENERS: readonly Listener[] = ["polling", "socket", "gateway"];

export interface LocalTransportsOptions {
  dataDir: string;
  telegramApiUrl: string;
  slackApiUrl: string;
  discordApiUrl: string;
  /** Which of them to run. */
  listeners: readonly Listener[];
  /** How often the store is followed (tests shorten it). */
  intervalMs?: number;
  telegram?: Omit<TelegramPollingOptions, "apiUrl" | "offsets">;
  slack?: Omit<SlackSocketModeOptions, "apiUrl">;
  discord?: Omit<DiscordGatewayOptions, "apiUrl" | "resumes">;
}

/** The transports of the local runtime, one per integration that receives through one, kept in step with the store. */
export async function startLocalTransports(deps: TransportDeps, options: LocalTransportsOptions): Promise<TransportSupervisor> {
  const offsets = await createOffsetStore(options.dataDir);
  const resumes = await createGatewayResumeStore(options.dataDir);
  const all: Partial<Record<Listener, TransportFactory>> = {
    polling: (d, integration) => startTelegramPolling(d, integration, { ...options.telegram, apiUrl: options.telegramApiUrl, offsets }),
    socket: (d, integration) => startSlackSocketMode(d, integration, { ...options.slack, apiUrl: options.slackApiUrl }),
    gateway: (d, integration) => startDiscordGateway(d, integration, { ...options.discord, apiUrl: options.discordApiUrl, resumes }),
  };
  const factories = Object.fromEntries(options.listeners.flatMap((listener) => (all[listener] ? [[listener, all[listener]]] : [])));
  return startTransportSupervisor(deps, { factories, offsets, ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}) });
}
