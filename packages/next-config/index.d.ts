import type { NextConfig } from "next";

export declare function securityHeaders(options: { development: boolean }): Array<{ key: string; value: string }>;
export declare function platformNextConfig(own?: NextConfig): NextConfig;
