import { useEffect, useRef, useState } from "preact/hooks";
import type { ActivityEvent, Page } from "./api.ts";
import { useApi } from "./app.tsx";
import { ADVICE, reasonText } from "./errors.ts";
import { ErrorNotice, Time } from "./ui.tsx";

/** How often the log asks for new activity while the page is open. */
export const ACTIVITY_REFRESH_MS = 3000;
const PAGE_SIZE = 50;

type Outcome = ActivityEvent["type"] | "any";

/**
 * The newest activity, refreshed by itself; older pages on request; filtered by outcome here, in the page.
 * `onActivity` runs when the newest entry changes (a message arrived or was answered), for what depends on it.
 */
export function ActivityLog({ integrationId, onActivity }: { integrationId: string; onActivity(): void }) {
  const api = useApi();
  const path = `/v1/integrations/${encodeURIComponent(integrationId)}/events?limit=${PAGE_SIZE}`;
  const [latest, setLatest] = useState<ActivityEvent[] | null>(null);
  const [older, setOlder] = useState<{ items: ActivityEvent[]; cursor: string | null }>({ items: [], cursor: null });
  const [firstCursor, setFirstCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [outcome, setOutcome] = useState<Outcome>("any");
  const newest = useRef<string | null>(null);
  const notify = useRef(onActivity);
  notify.current = onActivity;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async () => {
      try {
        const page = await api.get<Page<ActivityEvent>>(path);
        if (stopped) return;
        const head = page.data[0] ? `${page.data[0].id}:${page.data[0].type}` : "";
        if (newest.current !== null && head !== newest.current) notify.current();
        newest.current = head;
        setLatest(page.data);
        setFirstCursor(page.next_cursor);
        setError(undefined);
      } catch (failure) {
        if (!stopped) setError(failure);
      }
      if (!stopped) timer = setTimeout(refresh, ACTIVITY_REFRESH_MS);
    };
    void refresh();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path]);

  const cursor = older.items.length > 0 ? older.cursor : firstCursor;
  const showOlder = async () => {
    if (!cursor) return;
    try {
      const page = await api.get<Page<ActivityEvent>>(`${path}&cursor=${encodeURIComponent(cursor)}`);
      setOlder({ items: [...older.items, ...page.data], cursor: page.next_cursor });
    } catch (failure) {
      setError(failure);
    }
  };
  const seen = new Set((latest ?? []).map((e) => e.id));
  const all = [...(latest ?? []), ...older.items.filter((e) => !seen.has(e.id))];
  const shown = outcome === "any" ? all : all.filter((e) => e.type === outcome);

  return (
    <section aria-labelledby="activity-title" class="panel activity">
      <h2 id="activity-title">Activity</h2>
      <div class="row">
        <label for="activity-outcome">Outcome</label>
        <select id="activity-outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value as Outcome)}>
          <option value="any">all</option>
          <option value="replied">replied</option>
          <option value="ignored">ignored</option>
          <option value="failed">failed</option>
          <option value="processing">processing</option>
        </select>
        <span class="hint">Newest first; refreshes every {ACTIVITY_REFRESH_MS / 1000} s.</span>
      </div>
      {error ? <ErrorNotice error={error} /> : null}
      {latest === null && !error ? <p aria-busy="true">Loading activity…</p> : null}
      {latest !== null && shown.length === 0 ? <p>{outcome === "any" ? "No message has reached the bot yet." : `No ${outcome} message among the ones loaded.`}</p> : null}
      <ol class="events">
        {shown.map((event) => (
          <EventItem key={event.id} event={event} />
        ))}
      </ol>
      {cursor ? (
        <button type="button" onClick={showOlder}>
          Show older
        </button>
      ) : null}
    </section>
  );
}

function EventItem({ event }: { event: ActivityEvent }) {
  return (
    <li class={`event ${event.type}`} data-outcome={event.type}>
      <div class="event-head">
        <span class={`badge outcome-${event.type}`}>{event.type}</span> <Time at={event.at} /> · chat <code>{event.chat_id}</code> · from <code>{event.user_id}</code>
        {event.type === "replied" && event.latency_ms !== undefined ? <span> · answered in {Math.round(event.latency_ms)} ms</span> : null}
      </div>
      <p class="said">{event.text}</p>
      {event.type === "ignored" && event.reason ? (
        <p class="why">
          Not answered: {reasonText(event.reason)} <code>{event.reason}</code>
          {event.detail ? ` (${event.detail})` : ""}
        </p>
      ) : null}
      {event.type === "failed" && event.error ? (
        <p class="why">
          Failed: {event.error.message} <code>{event.error.code}</code> {ADVICE[event.error.code] ?? ""}
        </p>
      ) : null}
    </li>
  );
}
