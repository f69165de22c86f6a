/** `resolve.alias` for vitest projects that run server code in Node (see vitest-resolve.mjs). */
export declare const serverCodeAliases: Record<string, string>;
