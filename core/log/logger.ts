import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/** Paths that may carry secrets anywhere Pacer logs an object; pino replaces them. */
export const redactedPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.password",
  "*.secret",
  "*.token",
  "*.accessToken",
  "*.refreshToken",
  "*.privateKey",
  "*.clientSecret",
  "*.apiKey",
  "*.connectionString",
  "config.BOT_PASSWORD",
  "config.PACER_SECRET_KEY",
  "config.MONGODB_URI",
];

export function createLogger(level: LoggerOptions["level"] = "info", destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: "pacer" },
    redact: { paths: redactedPaths, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/** `mongodb://user:pass@host` → `mongodb://user:***@host`, for messages about a URI. */
export function maskUri(uri: string): string {
  return uri.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}
