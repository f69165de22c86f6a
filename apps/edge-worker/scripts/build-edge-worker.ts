import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

/** The deploy artifact: `dist/edge-worker.js`, with esbuild's metafile beside it. */
export const DIST_DIR = join(PACKAGE_DIR, "dist");

export interface BuildEdgeWorkerOptions {
  /** Where `edge-worker.js` and `edge-worker.meta.json` go (default `dist/`). */
  outdir?: string;
}

export interface BuiltEdgeWorker {
  file: string;
  metafile: Metafile;
}

/**
 * Bundles `src/worker.ts` into one ES module for a Web-standard runtime with no
 * Node built-ins (Cloudflare's workerd, Vercel's edge runtime): browser
 * platform, the runtimes' export conditions, nothing external. An import of a
 * Node built-in anywhere in the graph fails the build here, since the browser
 * platform cannot resolve one; the edge runtime test checks the metafile and
 * the text besides.
 */
export async function buildEdgeWorker({ outdir = DIST_DIR }: BuildEdgeWorkerOptions = {}): Promise<BuiltEdgeWorker> {
  const result = await build({
    absWorkingDir: PACKAGE_DIR,
    entryPoints: { "edge-worker": "src/worker.ts" },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
  });
  await writeFile(join(outdir, "edge-worker.meta.json"), JSON.stringify(result.metafile, null, 2));
  return { file: join(outdir, "edge-worker.js"), metafile: result.metafile };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { file, metafile } = await buildEdgeWorker();
  const bytes = Object.values(metafile.outputs).find((output) => output.entryPoint)?.bytes ?? 0;
  console.log(`${file}: ${(bytes / 1024).toFixed(1)} KiB from ${Object.keys(metafile.inputs).length} inputs`);
}
