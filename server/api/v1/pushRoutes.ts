import { Router } from "express";
import { AppError, badRequest } from "../../../core/errors/appError.js";
import { pushBody } from "../../../core/integrations/schemas.js";
import type { PushService } from "../../../sync/push/pushService.js";
import { parse } from "../../http/validate.js";

/**
 * `POST /api/v1/push/<token>` — the Zapier/webhook connector. Mounted before `authenticate`: the
 * secret token in the URL is the credential. Body `{ "value": 42, "note"?: "…" }`; optional
 * `Idempotency-Key` header (a replay gets the first answer, with `Idempotent-Replayed: true`).
 */
export function pushRoutes(push: PushService): Router {
  const router = Router();
  router.post("/push/:token", async (req, res) => {
    const token = req.params.token;
    if (!token || token.length < 16 || token.length > 200) throw badRequest("This push URL is malformed.");
    const body = parse(pushBody, req.body ?? {});
    const key = req.get("idempotency-key")?.trim();
    if (key !== undefined && (key.length === 0 || key.length > 200)) {
      throw badRequest("Idempotency-Key must be 1 to 200 characters.", [{ path: "Idempotency-Key", message: "1 to 200 characters" }]);
    }
    const { answer, replayed } = await push.receive(token, body, key).catch((error: unknown) => {
      const retryAfterMs = error instanceof AppError && error.status === 429 ? (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs : undefined;
      if (retryAfterMs !== undefined) res.setHeader("Retry-After", String(Math.ceil(retryAfterMs / 1000)));
      throw error;
    });
    if (replayed) res.setHeader("Idempotent-Replayed", "true");
    res.status(200).json(answer);
  });
  return router;
}
