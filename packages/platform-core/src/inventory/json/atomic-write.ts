import { randomBytes } from "node:crypto";
import { open, rename, rm, type FileHandle } from "node:fs/promises";
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
  const tempPath = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}${TEMP_FILE_SUFFIX}`);
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
