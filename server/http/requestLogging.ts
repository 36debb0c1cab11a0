import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import { pinoHttp } from "pino-http";
import type { Logger } from "../../core/log/logger.js";
import { API_KEY_PARAMETER } from "../../core/powerbi/model.js";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives each request an id (the caller's `x-request-id` when well-formed, else a new one), echoes
 * it in the response, and logs the request with it. Authorization and cookies are redacted by the
 * logger; bodies are never logged.
 */
export function requestLogging(log: Logger): RequestHandler {
  return pinoHttp({
    logger: log,
    genReqId(req, res) {
      const header = req.headers["x-request-id"];
      const id = typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
      res.setHeader("x-request-id", id);
      return id;
    },
    customLogLevel(_req, res, error) {
      if (error || res.statusCode >= 500) return "error";
      if (res.statusCode >= 400) return "warn";
      return "info";
    },
    autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/readyz" },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}

const KEY_PARAMETER = new RegExp(`([?&]${API_KEY_PARAMETER}=)[^&#]*`, "gi");

/** The Power BI feed's API key travels in the URL (Power BI's ApiKeyName option): never log it. */
export const redactUrl = (url: string) => url.replace(KEY_PARAMETER, "$1[redacted]");
