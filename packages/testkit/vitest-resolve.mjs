// Plain JavaScript: vitest loads its config files (and what they import from
// packages) with Node itself, which does not run TypeScript from node_modules.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/**
 * `resolve.alias` for vitest projects that run server code in Node. The
 * server entry of @acme/platform-core imports `server-only`, which throws
 * unless resolved under the `react-server` condition, as Next.js resolves it
 * for route handlers and server components. Tests run that code in plain
 * Node, so they get the module Next would give them: the package's empty one.
 *
 * @type {Record<string, string>}
 */
export const serverCodeAliases = {
  "server-only": path.join(path.dirname(require.resolve("server-only")), "empty.js"),
};
