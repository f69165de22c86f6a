import { randomBytes } from "node:crypto";
import { open, readdir, rename, rm, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Suffix of in-flight temp files, so directory listings can skip them. */
export const TEMP_FILE_SUFFIX = ".tmp";

/**
 * Replaces `path` with `data` so that readers see either the old file or the
 * new one, never a mix, and a crash leaves one of the two on disk:
 * write a temp file in the same directory (rename is only atomic within one
 * file system), fsync it (otherwise the rename can reach the disk before the
 * data), rename it over the target, then fsync the directory (otherwise the
 * rename itself can be lost on power failure). The temp file is removed if
 * any step before the rename fails.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const directory = dirname(path);
  // Dot-prefixed and unique per writer: never clobbers another writer's temp
  // file, and never looks like a shop file.
  const tempPath = join(
    directory,
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}${TEMP_FILE_SUFFIX}`,
  );
  let handle: FileHandle | undefined;
  try {
    handle = await open(tempPath, "wx", 0o644);
    await handle.writeFile(data, "utf8");
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tempPath, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(tempPath, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(directory);
}

async function fsyncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, "r");
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a directory; the rename
    // already happened, so durability is the best this platform offers.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF") throw error;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Removes temp files that writers of `path` left behind when they died
 * mid-write (a killed process cannot clean up; each is a whole copy of the
 * file). Call it holding the file's lock: then no live writer of ours is
 * mid-write, and a temp file whose process still runs (a writer that stalled
 * and lost the lock) is left alone.
 */
export async function removeOrphanedTempFiles(path: string): Promise<void> {
  const directory = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_FILE_SUFFIX)) continue;
    const pid = Number(name.slice(prefix.length).split(".")[0]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(join(directory, name), { force: true }).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
