/** Pages live in the URL's fragment (#/replicas/rp_…): the server serves one page, and no id ever reaches a log. */
import { useEffect, useState } from "preact/hooks";
import type { Platform } from "@patchbay/core";

export type Route =
  | { page: "replicas" }
  | { page: "new-replica" }
  | { page: "replica"; id: string }
  | { page: "connect"; replicaId: string; platform: Platform }
  | { page: "integrations" }
  | { page: "integration"; id: string }
  | { page: "not-found"; path: string };

const PLATFORM_NAMES = new Set<string>(["telegram", "slack", "discord"]);

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "") || "/";
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [first, second, third, fourth] = parts;
  if (parts.length === 0 || (first === "replicas" && parts.length === 1)) return { page: "replicas" };
  if (first === "replicas" && second === "new" && parts.length === 2) return { page: "new-replica" };
  if (first === "replicas" && second && parts.length === 2) return { page: "replica", id: second };
  if (first === "replicas" && second && third === "connect" && fourth && PLATFORM_NAMES.has(fourth) && parts.length === 4) {
    return { page: "connect", replicaId: second, platform: fourth as Platform };
  }
  if (first === "integrations" && parts.length === 1) return { page: "integrations" };
  if (first === "integrations" && second && parts.length === 2) return { page: "integration", id: second };
  return { page: "not-found", path };
}

export const href = {
  replicas: () => "#/replicas",
  newReplica: () => "#/replicas/new",
  replica: (id: string) => `#/replicas/${encodeURIComponent(id)}`,
  connect: (replicaId: string, platform: Platform) => `#/replicas/${encodeURIComponent(replicaId)}/connect/${platform}`,
  integrations: () => "#/integrations",
  integration: (id: string) => `#/integrations/${encodeURIComponent(id)}`,
};

export function navigate(to: string): void {
  location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}
