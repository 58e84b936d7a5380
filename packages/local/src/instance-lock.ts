import { chmod, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { writeFileAtomic } from "./atomic-file.ts";

/** The lock of a data directory, inside DATA_DIR: an empty SQLite database the holder keeps in an exclusive transaction. */
export const INSTANCE_LOCK_FILE = "instance.lock";
/** Who holds the lock, inside DATA_DIR: read only to word a refusal (the lock decides, never this file). */
export const INSTANCE_HOLDER_FILE = "instance.json";

/** SQLite's "database is busy" and "database table is locked": another connection holds the lock. */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

export interface InstanceHolder {
  /** What the holder is, as a user would type it: `npm start`, `npm run keys`. */
  command: string;
  pid: number;
  startedAt: string;
  /** Where the holder serves, once it does. */
  url?: string;
}

export interface InstanceLock {
  /** Records where the holder serves, for the message a refused process prints. */
  announce(url: string): Promise<void>;
  /** Gives the data directory up (the OS does the same when the process dies, however it dies). */
  release(): Promise<void>;
}

export class DataDirInUseError extends Error {
  readonly dataDir: string;
  /** Null when the holder has not said who it is (yet). */
  readonly holder: InstanceHolder | null;

  constructor(dataDir: string, holder: InstanceHolder | null) {
    const who = holder ? `${holder.command} (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ""}, since ${holder.startedAt})` : "another Patchbay process";
    super(`DATA_DIR ${dataDir} is in use by ${who}.`);
    this.name = "DataDirInUseError";
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

/**
 * Claims a data directory for this process, or throws DataDirInUseError naming the process that holds it.
 * Creates DATA_DIR (0700) when missing; when refused, it changes nothing in it.
 *
 * The claim is an OS file lock, not a PID file. SQLite (built into Node) holds a POSIX fcntl lock (LockFileEx
 * on Windows) for an exclusive transaction, and the kernel drops it the moment the holder exits, kill -9
 * included: a dead holder never leaves a stale claim, a reused PID (a restarted container gets the same PIDs)
 * never passes for the holder, and two processes racing for a dead holder's lock cannot both win, which
 * PID-file takeovers get wrong. It is the kind of lock LevelDB already takes on the store, so it works on
 * whatever file system the store works on. A second claim from the same process is refused as well.
 *
 * Nothing else may open INSTANCE_LOCK_FILE in the holding process: closing any descriptor of a file drops
 * the process's fcntl locks on it.
 */
export async function acquireInstanceLock(dataDir: string, command: string): Promise<InstanceLock> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = join(dataDir, INSTANCE_LOCK_FILE);
  const holderPath = join(dataDir, INSTANCE_HOLDER_FILE);
  const db = new DatabaseSync(lockPath, { timeout: 0 });
  try {
    // No journal file: the transaction never writes, it only holds the lock.
    db.exec("PRAGMA journal_mode = MEMORY");
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    const code = (error as { errcode?: number }).errcode;
    if (code === SQLITE_BUSY || code === SQLITE_LOCKED) throw new DataDirInUseError(dataDir, await readHolder(holderPath));
    throw error;
  }
  await chmod(lockPath, 0o600); // by path: opening the file here would drop the lock

  const holder: InstanceHolder = { command, pid: process.pid, startedAt: new Date().toISOString() };
  await writeFileAtomic(holderPath, JSON.stringify(holder));
  let released = false;
  return {
    async announce(url) {
      await writeFileAtomic(holderPath, JSON.stringify({ ...holder, url }));
    },
    async release() {
      if (released) return;
      released = true;
      await rm(holderPath, { force: true }); // while still held: a stale file would name this process
      db.close(); // ends the transaction and drops the lock
    },
  };
}

/** The holder's own account of itself, or null when it has not written one yet or wrote something else. */
async function readHolder(path: string): Promise<InstanceHolder | null> {
  try {
    const holder = JSON.parse(await readFile(path, "utf8")) as Partial<InstanceHolder>;
    if (typeof holder.command !== "string" || typeof holder.pid !== "number" || typeof holder.startedAt !== "string") return null;
    return { command: holder.command, pid: holder.pid, startedAt: holder.startedAt, ...(typeof holder.url === "string" ? { url: holder.url } : {}) };
  } catch {
    return null;
  }
}
