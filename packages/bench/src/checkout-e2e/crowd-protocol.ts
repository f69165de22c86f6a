import type { ErrorCount } from "../create-error-tally.ts";

export interface CartLine {
  sku: string;
  variantKey: string;
  quantity: number;
}

/** What the crowd process is asked to do (passed as its one argument, JSON). */
export interface CrowdTask {
  shopUrl: string;
  /** The header the shop reads a client's address from. */
  ipHeader: string;
  buyers: number;
  /** Every buyer's cart. */
  lines: CartLine[];
  /** The warm-up's cart (a sold-out variant: refused before anything is held). */
  warmLines: CartLine[];
  arrivalMs: number;
  /** Keep-alive connections to the shop that every buyer's requests share. */
  connections: number;
  /** How long a buyer keeps following its payment link (ms from the sale's start). */
  followForMs: number;
}

/** One buyer's checkout, as its browser saw it. Times in ms, from the moment it sent its POST. */
export interface BuyerRecord {
  index: number;
  key: string;
  address: string;
  /** How late the POST was sent against the buyer's arrival slot (the crowd process's own lag). */
  lateMs: number;
  /** 0 when the request failed (see `other`). */
  status: number;
  postMs: number;
  link: string | undefined;
  /** Anything but 200, 202 and 409: status, code and message, or the network error. */
  other: string | undefined;
  followed: FollowedRecord | undefined;
}

export type FollowedRecord =
  | { reached: true; sessionId: string; location: string; waits: number; clickToPageMs: number }
  /**
   * Sent somewhere else (`/checkout/lapsed?reason=…`), an answer that was not a redirect, or still preparing at the
   * deadline.
   */
  | { reached: false; reason: string; waits: number };

export type CrowdMessage =
  | { type: "ready"; warmStatuses: number[] }
  /** Every second during the sale: buyers done (answered, and followed to the end when granted). */
  | { type: "progress"; done: number; granted: number; onPaymentPage: number }
  | { type: "done"; buyers: BuyerRecord[]; peakInFlight: number; saleMs: number; cpuMs: number; errors: ErrorCount[] }
  | { type: "failed"; message: string };

export type CrowdCommand = { type: "go" };
