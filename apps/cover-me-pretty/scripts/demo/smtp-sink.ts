import { SMTPServer } from "smtp-server";

/** A real SMTP server on loopback that prints every message it receives (for a demo with no SMTP configured). */
export async function startSmtpSink(options: { host: string; port: number; log: (line: string) => void }): Promise<{ stop(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      stream.on("end", () => {
        const headerEnd = raw.indexOf("\r\n\r\n");
        const headers = headerEnd >= 0 ? raw.slice(0, headerEnd) : raw;
        const subject = /^subject: (.*)$/im.exec(headers)?.[1] ?? "(no subject)";
        const to = session.envelope.rcptTo.map((address) => address.address).join(", ");
        const body = headerEnd >= 0 ? raw.slice(headerEnd + 4).trim() : "";
        options.log(`mail to ${to}: ${subject}`);
        for (const line of body.split(/\r?\n/).slice(0, 20)) options.log(`  ${line}`);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return { stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
