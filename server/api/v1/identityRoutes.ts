import { Router } from "express";
import { z } from "zod";
import type { DevTokenIssuer } from "../../../core/auth/devTokens.js";
import { notFound } from "../../../core/errors/appError.js";
import type { UserRepository } from "../../../core/store/repositories/users.js";
import { callerOf } from "../../http/authenticate.js";
import { parse } from "../../http/validate.js";
import { organizationView, userView } from "./views.js";

const guid = z.uuid({ message: "must be a GUID" }).transform((v) => v.toLowerCase());

const devTokenRequest = z
  .object({
    tenantId: guid.optional(),
    oid: guid.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(320).optional(),
  })
  .strict();

/** Sign-in settings for the tab; no authentication needed. */
export function authConfigRoutes(options: { dev: DevTokenIssuer | undefined; clientId: string | undefined }): Router {
  const router = Router();
  router.get("/auth/config", (_req, res) => {
    res.json({ devAuth: Boolean(options.dev), teamsSso: Boolean(options.clientId), clientId: options.clientId ?? null });
  });
  const dev = options.dev;
  if (dev) {
    // Dev sign-in: a token for the demo user, or for any tenant/user asked for (local testing of isolation).
    router.post("/auth/dev-token", async (req, res) => {
      const identity = parse(devTokenRequest, req.body ?? {});
      const expiresIn = 8 * 3600;
      res.json({ token: await dev.issue(identity, expiresIn), tokenType: "Bearer", expiresIn });
    });
  }
  return router;
}

/** Who am I, and people of my organisation. Behind authentication. */
export function identityRoutes(users: UserRepository): Router {
  const router = Router();
  router.get("/me", (req, res) => {
    const caller = callerOf(req);
    res.json({ user: userView(caller.user), organization: organizationView(caller.org) });
  });
  router.get("/users/:id", async (req, res) => {
    const caller = callerOf(req);
    const user = await users.findById(caller.tenantId, req.params.id);
    if (!user) throw notFound("User");
    res.json(userView(user));
  });
  return router;
}
