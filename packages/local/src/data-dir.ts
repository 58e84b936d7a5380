import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Creates DATA_DIR if needed and makes it and everything in it private to this user (directories 0700,
 * files 0600), tightening what an older version or a loose umask left behind: it holds the store, the
 * vault key and the store's access key.
 */
export async function secureDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await tighten(dataDir);
}

async function tighten(path: string): Promise<void> {
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) return; // chmod would follow it out of DATA_DIR
  if (!stats.isDirectory()) {
    if ((stats.mode & 0o077) !== 0) await chmod(path, 0o600);
    return;
  }
  if ((stats.mode & 0o777) !== 0o700) await chmod(path, 0o700);
  for (const name of await readdir(path)) await tighten(join(path, name));
}
