import { open, rename } from "node:fs/promises";
import { dirname } from "node:path";

/** Writes a file so that after a crash it holds either the old or the new content, never half of it. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const file = await open(temp, "w", mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  await syncDirectory(dirname(path));
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** Per directory: whether a sync is running, and who waits for the next one. */
const directorySyncs = new Map<string, { running: boolean; waiting: Waiter[] }>();

/**
 * Makes a rename or unlink in `dir` durable. Concurrent callers share syncs (a group commit): callers that
 * arrive while one runs wait for the next, which starts after their change, so many writers in one directory
 * cost a few fsyncs rather than one each.
 */
export function syncDirectory(dir: string): Promise<void> {
  let state = directorySyncs.get(dir);
  if (!state) directorySyncs.set(dir, (state = { running: false, waiting: [] }));
  const queued = new Promise<void>((resolve, reject) => state.waiting.push({ resolve, reject }));
  if (!state.running) runSync(dir, state);
  return queued;
}

function runSync(dir: string, state: { running: boolean; waiting: Waiter[] }): void {
  const batch = state.waiting;
  state.waiting = [];
  state.running = true;
  fsyncDirectory(dir)
    .then(
      () => batch.forEach((w) => w.resolve()),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    )
    .finally(() => {
      state.running = false;
      if (state.waiting.length > 0) runSync(dir, state);
      else directorySyncs.delete(dir);
    });
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
