import { mkdir, readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { shopIdSchema } from "../inputs.ts";
import { removeOrphanedTempFiles, writeFileAtomic } from "./atomic-write.ts";
import { emptyShopState, parseShopFile, serialiseShopFile, type ShopState } from "./shop-file-format.ts";
import { withShopLock } from "./shop-lock.ts";

// One JSON file per shop: `${dataDir}/${shopId}.json`, its lock directory
// `${shopId}.json.lock` beside it. Callers pass a shop id already checked by
// `parseShopId`, which only allows path-safe characters.

export function shopFilePath(dataDir: string, shopId: string): string {
  return join(resolve(dataDir), `${shopId}.json`);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * The shop's state as last committed, without locking: writes replace the
 * file by rename, so a reader always sees one whole version. A shop without a
 * file is empty.
 */
export async function readShopState(dataDir: string, shopId: string): Promise<ShopState> {
  const path = shopFilePath(dataDir, shopId);
  const text = await readText(path);
  return text === undefined ? emptyShopState(shopId) : parseShopFile(text, shopId, path);
}

/**
 * Read-modify-write of one shop file under its lock: reads the current state,
 * runs `mutate` on it, and commits the result atomically. If `mutate` throws,
 * nothing is written (so it may validate as it goes and throw midway). When
 * the state is unchanged the file is left alone. Every change to a shop goes
 * through here, which is what makes concurrent callers in any number of
 * processes on this machine safe.
 */
export async function withShopFile<T>(
  dataDir: string,
  shopId: string,
  mutate: (state: ShopState) => T | Promise<T>,
  options: { lockWaitMs?: number } = {},
): Promise<T> {
  const path = shopFilePath(dataDir, shopId);
  await mkdir(resolve(dataDir), { recursive: true });
  return withShopLock(
    path,
    async (lock) => {
      // Re-read under the lock: another process may have written since any earlier read.
      const before = await readText(path);
      const state = before === undefined ? emptyShopState(shopId) : parseShopFile(before, shopId, path);
      const result = await mutate(state);
      const after = serialiseShopFile(state);
      // Compare with what is on disk (an absent file reads as empty) so no-op calls write nothing.
      if (after !== (before ?? serialiseShopFile(emptyShopState(shopId)))) {
        lock.assertHeld();
        await writeFileAtomic(path, after);
        await removeOrphanedTempFiles(path);
      }
      return result;
    },
    options.lockWaitMs === undefined ? {} : { waitMs: options.lockWaitMs },
  );
}

/** Shop ids that have a file in `dataDir` (temp files and lock directories are skipped), sorted. */
export async function listShopFileIds(dataDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(resolve(dataDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.slice(0, -".json".length))
    .filter((shopId) => shopIdSchema.safeParse(shopId).success)
    .sort();
}
